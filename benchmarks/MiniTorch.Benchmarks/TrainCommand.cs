using MiniTorch.Autograd;
using MiniTorch.Examples;

namespace MiniTorch.Benchmarks;

/// <summary>
/// <c>train</c>: times exactly what ../peers/torch_bench.py times: float32; a training step is the forward of the
/// composed recurrent module over the whole sequence, then the backward of sum(h ⊙ dh) for a fixed random dh, to x,
/// h0 and all weights (gradients reset to null before each step, as the peer's <c>p.grad = None</c>). Prints
/// median/min ms and the allocated bytes per step, then a RESULT line.
/// </summary>
internal sealed class TrainCommand : ICommand
{
    public void AddTo(ExampleCommand root)
    {
        var command = root.Subcommand("train", "time a composed recurrent module's training step (forward over T, backward of sum(h*dh))");
        var o = RecurrentBench.Options.AddTo(command);
        command.SetAction(run => Run(run.Get(o.Model), run.Get(o.Config), run.Get(o.Threads), run.Get(o.Seconds), run.Get(o.Warmup), run.Get(o.MinIters)));
    }

    private static int Run(string model, string config, int threads, double seconds, double warmup, int minIters)
    {
        Parallelism.MaxThreads = threads;
        var (n, t, d, h) = RecurrentBench.Configs[config];
        RecurrentBench.Time($"train {model} {config} (N,T,D,H)=({n},{t},{d},{h}) float32 threads={threads}",
            model, config, MakeStep(model, n, t, d, h), seconds, warmup, minIters);
        return 0;
    }

    /// <summary>Builds the data and module once and returns one training step.</summary>
    internal static Action MakeStep(string model, int n, int t, int d, int h)
    {
        var s = RecurrentBench.Make(model, n, t, d, h);
        var leaves = s.Module.Parameters().Append(s.X).Append(s.H0).ToArray();
        return () =>
        {
            foreach (var p in leaves) p.Grad = null;
            s.Forward().Backward(s.Dh);
        };
    }
}
