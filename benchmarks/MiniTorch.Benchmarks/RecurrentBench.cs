using System.Diagnostics;
using System.Globalization;
using MiniTorch.Autograd;
using MiniTorch.Nn;

namespace MiniTorch.Benchmarks;

/// <summary>
/// What the <c>train</c> and <c>infer</c> commands share: the configurations of ../peers/torch_bench.py, the float32
/// data and module of one model, and the timing loop (warm-up, then median/min ms and allocation per step).
/// </summary>
internal static class RecurrentBench
{
    /// <summary>(N, T, D, H) per configuration, as torch_bench.py's CONFIGS.</summary>
    public static readonly Dictionary<string, (int N, int T, int D, int H)> Configs = new()
    {
        ["small"] = (16, 16, 32, 64),
        ["medium"] = (32, 50, 128, 256),
        ["large"] = (64, 100, 512, 512),
    };

    /// <summary>The models the commands time, as the peers' script names them.</summary>
    public static readonly string[] Models = ["lstm", "rnn"];

    /// <summary>Help text of --config.</summary>
    public const string ConfigHelp = "(N,T,D,H): small 16,16,32,64; medium 32,50,128,256; large 64,100,512,512";

    /// <summary>The data (x, h0, dh) and module of one configuration, seeded as the train command always was.</summary>
    public sealed record Setup(Module<float> Module, Variable<float> X, Variable<float> H0, Tensor<float> Dh,
        Func<Variable<float>> Forward);

    /// <summary>Builds x (N,T,D), h0 (N,H) and dh (N,T,H) from normal draws and the module with its forward.</summary>
    public static Setup Make(string model, int n, int t, int d, int h)
    {
        var rng = new Rng(0);
        var x = rng.Normal<float>([n, t, d]).RequiresGrad("x");
        var h0 = rng.Normal<float>([n, h]).RequiresGrad("h0");
        var dh = rng.Normal<float>([n, t, h]);
        switch (model)
        {
            case "lstm":
                var lstm = new Lstm<float>(d, h, rng);
                return new(lstm, x, h0, dh, () => lstm.Forward(x, h0).Output);
            case "rnn":
                var rnn = new Rnn<float>(d, h, rng);
                return new(rnn, x, h0, dh, () => rnn.Forward(x, h0).Output);
            default:
                throw new ArgumentException($"unknown model '{model}'", nameof(model));
        }
    }

    /// <summary>
    /// Warms <paramref name="step"/> up (JIT tiers, GEMM buffers, the GC's gen0 budget), times it for about
    /// <paramref name="seconds"/> (at least <paramref name="minIters"/> steps), prints a summary line starting with
    /// <paramref name="title"/> and the RESULT line <c>RESULT model=... config=... median_ms=... min_ms=... iters=...
    /// alloc_mb_per_step=...</c>.
    /// </summary>
    public static void Time(string title, string model, string config, Action step, double seconds, int minIters,
        string mode = "")
    {
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
        Console.WriteLine(string.Create(inv, $"{title}: {iters} steps, GCs gen0 {gen0} gen2 {gen2}, GC pause {pauseMs:F3} ms/step"));
        string modeField = mode.Length == 0 ? "" : $" mode={mode}";
        Console.WriteLine(string.Create(inv, $"RESULT model={model} config={config}{modeField} median_ms={median:F3} min_ms={min:F3} iters={iters} alloc_mb_per_step={allocMb:F2}"));
    }
}
