using MiniTorch.Nn.Checkpoint;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Checkpoint;

/// <summary>AdamW's state (moments, the AMSGrad maximum, flags) goes through training checkpoints like Adam's.</summary>
public class AdamWCheckpointTests
{
    private static void Feed(TinyNet<double> model, int k)
    {
        int j = 0;
        foreach (var p in model.Parameters())
        {
            var g = new double[p.Length];
            for (int i = 0; i < g.Length; i++) g[i] = Math.Sin(0.9 * k + 1.1 * j + 0.41 * i) * (k < 3 ? 3 : 0.2);
            p.Grad = Tensor.FromArray(g, p.Data.ShapeArray);
            j++;
        }
    }

    [Fact]
    public void TrainingCheckpointResumesAdamWWithAmsGradIdentically()
    {
        using var dir = new TempDir();
        var path = dir.File("train.safetensors");
        var straight = new TinyNet<double>(5);
        var o1 = new AdamW<double>(straight.Parameters(), lr: 0.02, weightDecay: 0.1, amsgrad: true);
        for (int k = 0; k < 6; k++) { Feed(straight, k); o1.Step(); }

        var run = new TinyNet<double>(5);
        var o2 = new AdamW<double>(run.Parameters(), lr: 0.02, weightDecay: 0.1, amsgrad: true);
        for (int k = 0; k < 4; k++) { Feed(run, k); o2.Step(); }
        TrainingCheckpoint.Save(path, run, o2);

        var resumed = new TinyNet<double>(42);
        var o3 = new AdamW<double>(resumed.Parameters(), lr: 0.02, weightDecay: 0.1, amsgrad: true);
        TrainingCheckpoint.Load(path, resumed, o3);
        for (int k = 4; k < 6; k++) { Feed(resumed, k); o3.Step(); }
        BitEqual(straight.StateDict(), resumed.StateDict());
        Optim.OptimizerTests.SameState(o1.StateDict(), o3.StateDict());

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("AdamW", file.Metadata["minitorch.optimizer"]);
        Assert.Contains(file.Entries, e => e.Name == "optim.state.0.max_exp_avg_sq");
        Assert.Contains(file.Entries, e => e.Name == "optim.hyper.amsgrad");
    }

    [Fact]
    public void AdamStateIsNotLoadedIntoAdamW()
    {
        using var dir = new TempDir();
        var model = new TinyNet<double>(5);
        var adam = new Adam<double>(model.Parameters());
        Feed(model, 0); adam.Step();
        adam.Save(dir.File("adam.safetensors"));
        var adamW = new AdamW<double>(model.Parameters());
        var ex = Assert.Throws<CheckpointException>(() => adamW.Load(dir.File("adam.safetensors")));
        Assert.Contains("the file holds Adam state, which cannot be loaded into AdamW", ex.Message);
        Assert.Equal(0, adamW.StepCount);
    }
}
