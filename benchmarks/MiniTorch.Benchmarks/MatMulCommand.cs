using System.Diagnostics;
using System.Globalization;
using Options = MiniTorch.Examples.CommandLine;

namespace MiniTorch.Benchmarks;

/// <summary>
/// <c>matmul</c>: times <see cref="Gemm.Multiply{T}"/> on random N×N (or M×K·K×N) matrices and prints the median and
/// the best time, then <c>RESULT op=matmul n=N gflops=G</c> from the median.
/// </summary>
internal sealed class MatMulCommand : ICommand
{
    public string Name => "matmul";

    public string Summary => "time C = op(A)·op(B) (Gemm.Multiply) and print GFLOP/s";

    public int Run(string[] args) => Commands.RunWithOptions(this, args, cl =>
    {
        int n = cl.Int("n", 1024, "matrix size (N×N times N×N unless --m/--k are given)", 1, 20000);
        int m = cl.Int("m", n, "rows of op(A)", 1, 20000);
        int k = cl.Int("k", n, "inner dimension", 1, 20000);
        int threads = cl.Int("threads", Environment.ProcessorCount, "Parallelism.MaxThreads", 1, 256);
        string dtype = cl.Choice("dtype", "float32", "element type", "float32", "float64");
        string trans = cl.Choice("trans", "NN", "N or T for op(A) and op(B)", "NN", "NT", "TN", "TT");
        double seconds = cl.Double("seconds", 3, "time spent measuring (after warm-up)", 0.05, 600);
        int samples = cl.Int("samples", 31, "timed samples (each a batch of products sized to about seconds/samples)", 3, 10000);
        if (Commands.HelpOrDone(cl, this)) return 0;
        Parallelism.MaxThreads = threads;
        bool ta = trans[0] == 'T', tb = trans[1] == 'T';
        var r = dtype == "float32"
            ? Measure<float>(m, n, k, ta, tb, seconds, samples)
            : Measure<double>(m, n, k, ta, tb, seconds, samples);
        double flop = 2.0 * m * n * k;
        string shape = m == n && n == k ? $"{n}^3" : $"{m}x{n}x{k}";
        Console.WriteLine($"matmul {dtype} {trans} {shape}, threads={threads}, kernel {Gemm.KernelPath}: {r.Samples} samples of {r.Batch} product(s)");
        Console.WriteLine(F($"  median {r.Median * 1e3:F4} ms  ({flop / r.Median / 1e9:F1} GFLOP/s)"));
        Console.WriteLine(F($"  min    {r.Min * 1e3:F4} ms  ({flop / r.Min / 1e9:F1} GFLOP/s)"));
        Console.WriteLine(F($"  max    {r.Max * 1e3:F4} ms  ({flop / r.Max / 1e9:F1} GFLOP/s)"));
        Console.WriteLine(F($"  cpu    {r.Cpu * 1e3:F4} ms of processor time per product, all threads ({flop / r.Cpu / 1e9:F1} GFLOP per CPU-second)"));
        Console.WriteLine(F($"  allocated {r.Allocated:F0} bytes per product (managed, all threads)"));
        Console.WriteLine(F($"  max |error| vs float64 dot products at 64 random elements: {r.Error:G3} (relative to Σ|a||b|)"));
        string suffix = dtype == "float32" ? "" : $" dtype={dtype}";
        string kernel = Gemm.KernelPath.Split(' ')[0];
        Console.WriteLine(F($"RESULT op=matmul n={n} gflops={flop / r.Median / 1e9:F1}{suffix} kernel={kernel}"));
        return 0;
    });

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private readonly record struct Timing(double Median, double Min, double Max, int Samples, int Batch, double Cpu, double Allocated, double Error);

    private static Timing Measure<T>(int m, int n, int k, bool ta, bool tb, double seconds, int samples)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Rng(42);
        T[] a = rng.Normal<T>([m * k]).ToArray(), b = rng.Normal<T>([k * n]).ToArray(), c = new T[m * n];
        int lda = ta ? m : k, ldb = tb ? k : n;
        void Once() => Gemm.Multiply<T>(ta, tb, m, n, k, a, lda, b, ldb, c, n, false);

        // Warm-up: at least 0.5 s and 5 products, so the JIT's tiers and the packing buffers have settled.
        var sw = Stopwatch.StartNew();
        int warm = 0;
        while (warm < 5 || sw.Elapsed.TotalSeconds < 0.5) { Once(); warm++; }
        double one = sw.Elapsed.TotalSeconds / warm;
        int batch = Math.Max(1, (int)(seconds / samples / one));
        var times = new double[samples];
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        for (int s = 0; s < samples; s++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < batch; i++) Once();
            times[s] = Stopwatch.GetElapsedTime(t0).TotalSeconds / batch;
        }
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / ((double)samples * batch);
        double allocated = (GC.GetTotalAllocatedBytes(precise: true) - bytes0) / ((double)samples * batch);
        Array.Sort(times);
        return new Timing(times[samples / 2], times[0], times[^1], samples, batch, cpu, allocated, Check(a, b, c, m, n, k, ta, tb, rng));
    }

    /// <summary>Largest error at 64 random elements against a float64 dot product, relative to Σ|a||b|.</summary>
    private static double Check<T>(T[] a, T[] b, T[] c, int m, int n, int k, bool ta, bool tb, Rng rng)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rows = rng.Integers([64], m).ToArray();
        var cols = rng.Integers([64], n).ToArray();
        double worst = 0;
        for (int t = 0; t < 64; t++)
        {
            int i = rows[t], j = cols[t];
            double s = 0, sa = 0;
            for (int p = 0; p < k; p++)
            {
                double x = double.CreateTruncating(ta ? a[p * m + i] : a[i * k + p]);
                double y = double.CreateTruncating(tb ? b[j * k + p] : b[p * n + j]);
                s += x * y;
                sa += Math.Abs(x * y);
            }
            worst = Math.Max(worst, Math.Abs(double.CreateTruncating(c[i * n + j]) - s) / sa);
        }
        return worst;
    }
}
