using BenchmarkDotNet.Attributes;

namespace MiniTorch.Benchmarks.Micro;

/// <summary>
/// <see cref="Gemm.Multiply{T}"/> (float32) on the shapes the models use: square products, an LSTM-step-sized
/// product, a wide projection, and the transposed forms backward passes use. Threads: <see cref="Parallelism.MaxThreads"/>.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private int _m, _n, _k;
    private bool _ta, _tb;

    /// <summary>M×N×K and the transposes: "NN" = A·B, "TN" = Aᵀ·B, "NT" = A·Bᵀ.</summary>
    [Params("256x256x256 NN", "1024x1024x1024 NN", "16x256x96 NN", "64x512x2048 NN",
        "256x256x256 TN", "256x256x256 NT", "64x512x2048 NT", "64x512x2048 TN")]
    public string Shape { get; set; } = "256x256x256 NN";

    /// <summary>Threads allowed.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split(' ');
        var dims = parts[0].Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        (_ta, _tb) = (parts[1][0] == 'T', parts[1][1] == 'T');
        var rng = new Rng(1);
        _a = rng.Normal<float>([_m * _k]).ToArray();
        _b = rng.Normal<float>([_k * _n]).ToArray();
        _c = new float[_m * _n];
        Parallelism.MaxThreads = Threads;
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxThreads = Environment.ProcessorCount;

    [Benchmark]
    public void Multiply() =>
        Gemm.Multiply<float>(_ta, _tb, _m, _n, _k, _a, _ta ? _m : _k, _b, _tb ? _k : _n, _c, _n, false);
}
