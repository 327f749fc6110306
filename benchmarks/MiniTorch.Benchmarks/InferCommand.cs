using MiniTorch.Autograd;

namespace MiniTorch.Benchmarks;

/// <summary>
/// <c>infer</c>: the forward alone of the composed recurrent module over the whole sequence, under
/// <see cref="GradMode.NoGrad"/> (character sampling and caption decoding are forward-only); the same data and
/// configurations as <c>train</c>. The peer is <c>peers/torch_bench.py --inference</c> (torch.no_grad()).
/// </summary>
internal sealed class InferCommand : ICommand
{
    public string Name => "infer";

    public string Summary => "time a composed recurrent module's forward over T under GradMode.NoGrad()";

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
        var setup = RecurrentBench.Make(model, n, t, d, h);
        RecurrentBench.Time($"infer {model} {config} (N,T,D,H)=({n},{t},{d},{h}) float32 threads={threads}",
            model, config, () =>
            {
                using var _ = GradMode.NoGrad();
                setup.Forward();
            }, seconds, minIters, mode: "infer");
        return 0;
    });
}
