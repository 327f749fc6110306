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
        var o = RecurrentBench.Options.AddTo(command);
        command.SetAction(run => Run(run.Get(o.Model), run.Get(o.Config), run.Get(o.Threads), run.Get(o.Seconds), run.Get(o.Warmup), run.Get(o.MinIters)));
    }

    private static int Run(string model, string config, int threads, double seconds, double warmup, int minIters)
    {
        Parallelism.MaxThreads = threads;
        var (n, t, d, h) = RecurrentBench.Configs[config];
        var setup = RecurrentBench.Make(model, n, t, d, h);
        RecurrentBench.Time($"infer {model} {config} (N,T,D,H)=({n},{t},{d},{h}) float32 threads={threads}",
            model, config, () =>
            {
                using var _ = GradMode.NoGrad();
                setup.Forward();
            }, seconds, warmup, minIters, mode: "infer");
        return 0;
    }
}
