using MiniTorch.Autograd;
using MiniTorch.Nn.Checkpoint;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Checkpoint;

public class ModuleCheckpointTests
{
    [Fact]
    public void ModuleRoundTripFloat32AndFloat64AreBitExact()
    {
        using var dir = new TempDir();
        var f = new TinyNet<float>(1);
        f.Save(dir.File("f.safetensors"));
        var f2 = new TinyNet<float>(2);
        f2.Load(dir.File("f.safetensors"));
        BitEqual(f.StateDict(), f2.StateDict());

        var d = new TinyNet<double>(1);
        d.Save(dir.File("d.safetensors"), new Dictionary<string, string> { ["epoch"] = "3" });
        var d2 = new TinyNet<double>(2);
        d2.Load(dir.File("d.safetensors"));
        BitEqual(d.StateDict(), d2.StateDict());
        using var file = SafetensorsFile.Open(dir.File("d.safetensors"));
        Assert.Equal("3", file.Metadata["epoch"]);
        Assert.Equal("module", file.Metadata["minitorch.kind"]);
        Assert.Equal(["bias", "head.weight", "weight"], file.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AFloat64FileDoesNotLoadIntoAFloat32Module()
    {
        using var dir = new TempDir();
        new TinyNet<double>(1).Save(dir.File("d.safetensors"));
        var f = new TinyNet<float>(2);
        var before = f.Snapshot();
        var ex = Assert.Throws<CheckpointException>(() => f.Load(dir.File("d.safetensors")));
        Assert.Contains("dtype F64 in the file, but F32 (float32) was expected", ex.Message);
        BitEqual(before, f.StateDict());
    }

    /// <summary>A deterministic gradient for parameter <paramref name="j"/> at step <paramref name="k"/>.</summary>
    private static void Feed(TinyNet<double> model, int k)
    {
        int j = 0;
        foreach (var p in model.Parameters())
        {
            var g = new double[p.Length];
            for (int i = 0; i < g.Length; i++) g[i] = Math.Cos(0.7 * k + 1.3 * j + 0.37 * i) * (1 + (i % 3));
            p.Grad = Tensor.FromArray(g, p.Data.ShapeArray);
            j++;
        }
    }

    [Fact]
    public void OptimizerStateSavedToAFileContinuesIdentically()
    {
        using var dir = new TempDir();
        var straight = new TinyNet<double>(5);
        var opt1 = new Adam<double>(straight.Parameters(), lr: 0.01, weightDecay: 0.01);
        for (int k = 0; k < 6; k++) { Feed(straight, k); opt1.Step(); }

        var run = new TinyNet<double>(5);
        var opt2 = new Adam<double>(run.Parameters(), lr: 0.01, weightDecay: 0.01);
        for (int k = 0; k < 3; k++) { Feed(run, k); opt2.Step(); }
        run.Save(dir.File("model.safetensors"));
        opt2.Save(dir.File("optim.safetensors"));

        var resumed = new TinyNet<double>(77);
        var opt3 = new Adam<double>(resumed.Parameters(), lr: 0.5);
        resumed.Load(dir.File("model.safetensors"));
        opt3.Load(dir.File("optim.safetensors"));
        Assert.Equal(0.01, opt3.LearningRate);
        for (int k = 3; k < 6; k++) { Feed(resumed, k); opt3.Step(); }
        BitEqual(straight.StateDict(), resumed.StateDict());
        Assert.Equal(["model.safetensors", "optim.safetensors"], dir.Listing());
    }

    [Fact]
    public void OptimizerStateOfAnotherClassIsRejected()
    {
        using var dir = new TempDir();
        var model = new TinyNet<double>(5);
        var sgd = new Sgd<double>(model.Parameters(), 0.1, momentum: 0.9);
        Feed(model, 0); sgd.Step();
        sgd.Save(dir.File("sgd.safetensors"));
        var adam = new Adam<double>(model.Parameters());
        Feed(model, 1); adam.Step();
        var before = adam.StateDict();
        var ex = Assert.Throws<CheckpointException>(() => adam.Load(dir.File("sgd.safetensors")));
        Assert.Contains("the file holds Sgd state, which cannot be loaded into Adam", ex.Message);
        Optim.OptimizerTests.SameState(before, adam.StateDict());
    }

    [Fact]
    public void TrainingCheckpointResumesModelOptimizerAndScheduleIdentically()
    {
        using var dir = new TempDir();
        var path = dir.File("train.safetensors");
        const int stepsPerEpoch = 2;

        var straight = new TinyNet<double>(5);
        var o1 = new RmsProp<double>(straight.Parameters(), lr: 0.01, momentum: 0.5, centered: true);
        var s1 = new StepLr<double>(o1, 2, 0.5);
        for (int e = 0; e < 4; e++) { for (int k = 0; k < stepsPerEpoch; k++) { Feed(straight, e * 10 + k); o1.Step(); } s1.Step(); }

        var run = new TinyNet<double>(5);
        var o2 = new RmsProp<double>(run.Parameters(), lr: 0.01, momentum: 0.5, centered: true);
        var s2 = new StepLr<double>(o2, 2, 0.5);
        for (int e = 0; e < 3; e++) { for (int k = 0; k < stepsPerEpoch; k++) { Feed(run, e * 10 + k); o2.Step(); } s2.Step(); }
        TrainingCheckpoint.Save(path, run, o2, s2, new Dictionary<string, string> { ["note"] = "epoch 3" });

        var resumed = new TinyNet<double>(99);
        var o3 = new RmsProp<double>(resumed.Parameters(), lr: 0.01, momentum: 0.5, centered: true);
        var s3 = new StepLr<double>(o3, 2, 0.5);
        TrainingCheckpoint.Load(path, resumed, o3, s3);
        Assert.Equal(3, s3.LastEpoch);
        for (int e = 3; e < 4; e++) { for (int k = 0; k < stepsPerEpoch; k++) { Feed(resumed, e * 10 + k); o3.Step(); } s3.Step(); }
        BitEqual(straight.StateDict(), resumed.StateDict());
        Assert.Equal(o1.LearningRate, o3.LearningRate);
        Optim.OptimizerTests.SameState(o1.StateDict(), o3.StateDict());

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("training", file.Metadata["minitorch.kind"]);
        Assert.Equal("RmsProp", file.Metadata["minitorch.optimizer"]);
        Assert.Equal("epoch 3", file.Metadata["note"]);
        Assert.Contains(file.Entries, e => e.Name == "model.head.weight");
        Assert.Contains(file.Entries, e => e.Name == "optim.state.0.square_avg");
        Assert.Contains(file.Entries, e => e.Name == "sched.last_epoch");

        // The model alone can be restored from a training checkpoint.
        var modelOnly = new TinyNet<double>(1);
        TrainingCheckpoint.Load(path, modelOnly);
        BitEqual(run.StateDict(), modelOnly.StateDict());
    }

    [Fact]
    public void ATrainingCheckpointWithBadOptimizerStateChangesNeitherModelNorOptimizer()
    {
        using var dir = new TempDir();
        var path = dir.File("bad-train.safetensors");
        var source = new TinyNet<double>(5);
        var opt = new Adam<double>(source.Parameters());
        Feed(source, 0); opt.Step();
        var all = source.StateDict().ToDictionary(kv => "model." + kv.Key, kv => kv.Value);
        foreach (var (k, v) in opt.StateDict()) all["optim." + k] = v;
        all["optim.hyper.beta2"] = Tensor.Scalar(1.0);                 // invalid: beta2 must be < 1
        Safetensors.Save(path, all);

        var model = new TinyNet<double>(6);
        var target = new Adam<double>(model.Parameters());
        Feed(model, 1); target.Step();
        var modelBefore = model.Snapshot();
        var optBefore = target.StateDict();
        var ex = Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(path, model, target));
        Assert.Contains("Adam: invalid beta2 1", ex.Message);
        BitEqual(modelBefore, model.StateDict());
        Optim.OptimizerTests.SameState(optBefore, target.StateDict());
    }

    [Fact]
    public void ATrainingCheckpointWithABadModelPartChangesNeitherModelNorOptimizer()
    {
        using var dir = new TempDir();
        var path = dir.File("bad-model.safetensors");
        var source = new TinyNet<double>(5);
        var opt = new Adam<double>(source.Parameters());
        Feed(source, 0); opt.Step();
        TrainingCheckpoint.Save(path, source, opt);
        var all = Safetensors.Load<double>(path);
        all.Remove("model.bias");
        Safetensors.Save(path, all);

        var model = new TinyNet<double>(6);
        var target = new Adam<double>(model.Parameters());
        var modelBefore = model.Snapshot();
        var ex = Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(path, model, target));
        Assert.Contains("missing: bias", ex.Message);
        BitEqual(modelBefore, model.StateDict());
        Assert.Equal(0, target.StepCount);
        Assert.Equal(["hyper.beta1", "hyper.beta2", "hyper.eps", "hyper.lr", "hyper.weight_decay", "step"], target.StateDict().Keys.Order(StringComparer.Ordinal));

        // A key outside the three prefixes is an error in strict mode.
        Safetensors.Save(path, new Dictionary<string, Tensor<double>> { ["stray"] = Tensor.Scalar(1.0) });
        Assert.Equal("stray", Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(path, model)).TensorName);
        // Non-strict loading ignores stray keys, but a file without any model parameters is still an error.
        Assert.Contains("no model parameters", Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(path, model, strict: false)).Message);
        // Asking for optimizer state that the file does not hold is an error too.
        TrainingCheckpoint.Save(path, source);
        Assert.Contains("no optimizer state", Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(path, model, target)).Message);
        BitEqual(modelBefore, model.StateDict());
    }

    [Fact]
    public void EachLoaderPointsToTheRightOneForAnotherKindOfFile()
    {
        using var dir = new TempDir();
        var model = new TinyNet<double>(5);
        var opt = new Adam<double>(model.Parameters());
        Feed(model, 0); opt.Step();
        model.Save(dir.File("m"));
        opt.Save(dir.File("o"));
        TrainingCheckpoint.Save(dir.File("t"), model, opt);
        var before = model.Snapshot();
        var optBefore = opt.StateDict();

        Assert.Contains("training checkpoint; load it with TrainingCheckpoint.Load", Assert.Throws<CheckpointException>(() => model.Load(dir.File("t"))).Message);
        Assert.Contains("optimizer state; load it with optimizer.Load", Assert.Throws<CheckpointException>(() => model.Load(dir.File("o"))).Message);
        Assert.Contains("module parameters; load it with module.Load", Assert.Throws<CheckpointException>(() => opt.Load(dir.File("m"))).Message);
        Assert.Contains("module parameters; load it with module.Load", Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(dir.File("m"), model)).Message);
        BitEqual(before, model.StateDict());
        Optim.OptimizerTests.SameState(optBefore, opt.StateDict());
    }
}
