using System.Diagnostics;
using System.Globalization;
using MiniTorch.Autograd;
using MiniTorch.Nn;
using MiniTorch.Examples;

namespace MiniTorch.Benchmarks;

/// <summary>
/// <c>train</c>: times exactly what ../shared/peers/torch_bench.py times: float32; a training step is the forward of
/// the composed <see cref="Lstm{T}"/> or <see cref="Rnn{T}"/> over the whole sequence, then the backward of
/// sum(h ⊙ dh) for a fixed random dh, to x, h0 and all weights (gradients reset to null before each step, as the
/// peer's <c>p.grad = None</c>). Prints median/min ms and the allocated bytes per step, then a RESULT line.
/// </summary>
internal sealed class TrainCommand : ICommand
{
    /// <summary>(N, T, D, H) per configuration, as torch_bench.py's CONFIGS.</summary>
    private static readonly Dictionary<string, (int N, int T, int D, int H)> Configs = new()
    {
        ["small"] = (16, 16, 32, 64),
        ["medium"] = (32, 50, 128, 256),
        ["large"] = (64, 100, 512, 512),
    };

    public void AddTo(ExampleCommand root)
    {
        var command = root.Subcommand("train", "time a composed Lstm/Rnn training step (forward over T, backward of sum(h*dh))");
        var modelOption = command.Choice("model", "lstm", "the composed module", "lstm", "rnn");
        var configOption = command.Choice("config", "small", "(N,T,D,H): small 16,16,32,64; medium 32,50,128,256; large 64,100,512,512", "small", "medium", "large");
        var threadsOption = command.Int("threads", Environment.ProcessorCount, "Parallelism.MaxThreads", 1, 256);
        var secondsOption = command.Double("seconds", 3, "time spent measuring (after warm-up)", 0.01, 3600);
        var minItersOption = command.Int("min-iters", 5, "at least this many timed steps", 1, 1_000_000);
        command.SetAction(run => Run(run.Get(modelOption), run.Get(configOption), run.Get(threadsOption), run.Get(secondsOption), run.Get(minItersOption)));
    }

    private static int Run(string model, string config, int threads, double seconds, int minIters)
    {
        Parallelism.MaxThreads = threads;
        var (n, t, d, h) = Configs[config];
        var step = MakeStep(model, n, t, d, h);

        // Warm-up: JIT tiers, GEMM buffers, the GC's gen0 budget.
        var sw = Stopwatch.StartNew();
        int warm = 0;
        while (warm < 3 || (sw.Elapsed.TotalSeconds < 1.0 && warm < 200)) { step(); warm++; }
        double one = sw.Elapsed.TotalSeconds / warm;
        int iters = Math.Max(minIters, (int)Math.Min(100_000, seconds / one));

        var times = new double[iters];
        int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
        long alloc0 = GC.GetAllocatedBytesForCurrentThread();
        var pause0 = GC.GetTotalPauseDuration();
        for (int i = 0; i < iters; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            step();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        double allocMb = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / (double)iters / (1 << 20);
        int gen0 = GC.CollectionCount(0) - gc0, gen2 = GC.CollectionCount(2) - gc2;
        double pauseMs = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds / iters;
        Array.Sort(times);
        double median = times[iters / 2], min = times[0];
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"train {model} {config} (N,T,D,H)=({n},{t},{d},{h}) float32 threads={threads}: {iters} steps, GCs gen0 {gen0} gen2 {gen2}, GC pause {pauseMs:F3} ms/step, tape after step {Tape.Current.Count}"));
        Console.WriteLine(string.Create(inv, $"RESULT model={model} config={config} median_ms={median:F3} min_ms={min:F3} iters={iters} alloc_mb_per_step={allocMb:F2}"));
        return 0;
    }

    /// <summary>Builds the data and module once and returns one training step.</summary>
    internal static Action MakeStep(string model, int n, int t, int d, int h)
    {
        var rng = new Rng(0);
        var x = rng.Normal<float>([n, t, d]).RequiresGrad("x");
        var h0 = rng.Normal<float>([n, h]).RequiresGrad("h0");
        var dh = rng.Normal<float>([n, t, h]);
        Module<float> module = model == "lstm" ? new Lstm<float>(d, h, rng) : new Rnn<float>(d, h, rng);
        var leaves = module.Parameters().Append(x).Append(h0).ToArray();
        Func<Variable<float>> forward = module switch
        {
            Lstm<float> lstm => () => lstm.Forward(x, h0).Output,
            Rnn<float> rnn => () => rnn.Forward(x, h0).Output,
            _ => throw new InvalidOperationException(),
        };
        return () =>
        {
            foreach (var p in leaves) p.Grad = null;
            forward().Backward(dh);
        };
    }
}
