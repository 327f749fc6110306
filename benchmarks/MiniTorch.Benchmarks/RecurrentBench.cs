using System.Diagnostics;
using System.Globalization;
using MiniTorch.Autograd;
using System.CommandLine;
using MiniTorch.Examples;
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
    public static readonly string[] Models = ["lstm", "rnn", "gru"];

    /// <summary>Help text of --config.</summary>
    public const string ConfigHelp = "(N,T,D,H): small 16,16,32,64; medium 32,50,128,256; large 64,100,512,512";

    /// <summary>The options the <c>train</c> and <c>infer</c> commands share.</summary>
    public sealed record Options(Option<string> Model, Option<string> Config, Option<int> Threads, Option<double> Seconds,
        Option<double> Warmup, Option<int> MinIters)
    {
        /// <summary>Declares the shared options on <paramref name="command"/>.</summary>
        public static Options AddTo(ExampleCommand command) => new(
            command.Choice("model", "lstm", "the composed module", Models),
            command.Choice("config", "small", ConfigHelp, [.. Configs.Keys]),
            command.Int("threads", Environment.ProcessorCount, "Parallelism.MaxThreads", 1, 256),
            command.Double("seconds", 3, "time spent measuring (after warm-up)", 0.01, 3600),
            command.Double("warmup", 2, "seconds of untimed steps first (the JIT's tiers settle: its tier-1 code comes after ~30 calls and a delay)", 0, 600),
            command.Int("min-iters", 5, "at least this many timed steps", 1, 1_000_000));
    }

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
            case "gru":
                var gru = new Gru<float>(d, h, rng);
                return new(gru, x, h0, dh, () => gru.Forward(x, h0).Output);
            default:
                throw new ArgumentException($"unknown model '{model}'", nameof(model));
        }
    }

    /// <summary>
    /// Warms <paramref name="step"/> up for <paramref name="warmup"/> seconds (JIT tiers, GEMM buffers, the GC's gen0
    /// budget), times single steps for <paramref name="seconds"/> (at least <paramref name="minIters"/> of them), prints
    /// a summary line starting with <paramref name="title"/> (with how many methods the JIT still compiled while timing:
    /// more than a few means the warm-up was too short) and the RESULT line <c>RESULT model=... config=... median_ms=...
    /// min_ms=... iters=... alloc_mb_per_step=...</c>.
    /// </summary>
    public static void Time(string title, string model, string config, Action step, double seconds, double warmup, int minIters,
        string mode = "")
    {
        var sw = Stopwatch.StartNew();
        int warm = 0;
        while (warm < 3 || sw.Elapsed.TotalSeconds < warmup) { step(); warm++; }

        var times = new List<double>();
        int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
        long alloc0 = GC.GetAllocatedBytesForCurrentThread();
        var pause0 = GC.GetTotalPauseDuration();
        long jit0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        long start = Stopwatch.GetTimestamp();
        while (times.Count < minIters || Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
        {
            long t0 = Stopwatch.GetTimestamp();
            step();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        int iters = times.Count;
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jit0;
        double allocMb = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / (double)iters / (1 << 20);
        int gen0 = GC.CollectionCount(0) - gc0, gen2 = GC.CollectionCount(2) - gc2;
        double pauseMs = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds / iters;
        times.Sort();
        double median = times[iters / 2], min = times[0];
        var inv = CultureInfo.InvariantCulture;
        string jit = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") == "0" ? "optimised on first call (DOTNET_TieredCompilation=0)" : "tiered";
        Console.WriteLine(string.Create(inv, $"{title}: JIT {jit}, {warm} warm-up steps, {iters} timed, GCs gen0 {gen0} gen2 {gen2}, GC pause {pauseMs:F3} ms/step, methods JIT-compiled while timing {jitted}"));
        Console.WriteLine(string.Create(inv, $"  step ms: p10 {times[iters / 10]:F3}, p25 {times[iters / 4]:F3}, median {median:F3}, p75 {times[iters * 3 / 4]:F3}, p90 {times[iters * 9 / 10]:F3}"));
        string modeField = mode.Length == 0 ? "" : $" mode={mode}";
        Console.WriteLine(string.Create(inv, $"RESULT model={model} config={config}{modeField} median_ms={median:F3} min_ms={min:F3} iters={iters} alloc_mb_per_step={allocMb:F2}"));
    }
}
