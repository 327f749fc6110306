using MiniTorch.Autograd;

namespace MiniTorch.Benchmarks;

/// <summary>
/// <c>train</c>: times exactly what ../peers/torch_bench.py times: float32; a training step is the forward of the
/// composed recurrent module over the whole sequence, then the backward of sum(h ⊙ dh) for a fixed random dh, to x,
/// h0 and all weights (gradients reset to null before each step, as the peer's <c>p.grad = None</c>). Prints
/// median/min ms and the allocated bytes per step, then a RESULT line.
/// </summary>
internal sealed class TrainCommand : ICommand
{
    public string Name => "train";

    public string Summary => "time a composed recurrent module's training step (forward over T, backward of sum(h*dh))";

    public int Run(string[] args) => Commands.RunWithOptions(this, args, cl =>
    {
        string model = cl.Choice("model", "lstm", "the composed module", RecurrentBench.Models);
        string config = cl.Choice("config", "small", RecurrentBench.ConfigHelp, [.. RecurrentBench.Configs.Keys]);
        int threads = cl.Int("threads", Environment.ProcessorCount, "Parallelism.MaxThreads", 1, 256);
        double seconds = cl.Double("seconds", 3, "time spent measuring (after warm-up)", 0.01, 3600);
        int minIters = cl.Int("min-iters", 5, "at least this many timed steps", 1, 1_000_000);
        if (Commands.HelpOrDone(cl, this)) return 0;
        Parallelism.MaxThreads = threads;
        var (n, t, d, h) = RecurrentBench.Configs[config];
        RecurrentBench.Time($"train {model} {config} (N,T,D,H)=({n},{t},{d},{h}) float32 threads={threads}",
            model, config, MakeStep(model, n, t, d, h), seconds, minIters);
        return 0;
    });

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
