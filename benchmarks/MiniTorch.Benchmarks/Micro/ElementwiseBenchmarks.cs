using BenchmarkDotNet.Attributes;

namespace MiniTorch.Benchmarks.Micro;

/// <summary>An elementwise op on a large tensor: <c>Tanh</c> of 1M floats into a new tensor.</summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private Tensor<float> _x = Tensor.Zeros<float>(1);

    [GlobalSetup]
    public void Setup() => _x = new Rng(1).Normal<float>([1 << 20]);

    [Benchmark]
    public Tensor<float> Tanh1M() => _x.Tanh();
}
