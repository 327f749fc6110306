using MiniTorch.Autograd;
using MiniTorch.Examples;

namespace MiniTorch.Benchmarks;

/// <summary>
/// <c>infer</c>: the forward alone of the composed recurrent module over the whole sequence, under
/// <see cref="GradMode.NoGrad"/> (character sampling and caption decoding are forward-only); the same data and
/// configurations as <c>train</c>. The peer is <c>peers/torch_bench.py --inference</c> (torch.no_grad()).
/// </summary>
internal sealed class InferCommand : ICommand
{
    public void AddTo(ExampleCommand root)
    {
        var command = root.Subcommand("infer", "time a composed recurrent module's forward over T under GradMode.NoGrad()");
        var modelOption = command.Choice("model", "lstm", "the composed module", RecurrentBench.Models);
        var configOption = command.Choice("config", "small", RecurrentBench.ConfigHelp, [.. RecurrentBench.Configs.Keys]);
        var threadsOption = command.Int("threads", Environment.ProcessorCount, "Parallelism.MaxThreads", 1, 256);
        var secondsOption = command.Double("seconds", 3, "time spent measuring (after warm-up)", 0.01, 3600);
        var minItersOption = command.Int("min-iters", 5, "at least this many timed steps", 1, 1_000_000);
        command.SetAction(run => Run(run.Get(modelOption), run.Get(configOption), run.Get(threadsOption), run.Get(secondsOption), run.Get(minItersOption)));
    }

    private static int Run(string model, string config, int threads, double seconds, int minIters)
    {
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
    }
}
