using BenchmarkDotNet.Attributes;
using MiniTorch.Autograd;

namespace MiniTorch.Benchmarks.Micro;

/// <summary>
/// The fixed cost of a differentiable op: adding two 4-element variables with recording on (the graph node is dropped
/// with the result), against the same add under NoGrad and the bare tensor add.
/// </summary>
[MemoryDiagnoser]
public class RecordingBenchmarks
{
    private Variable<float> _a = null!, _b = null!;
    private Tensor<float> _ta = null!, _tb = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ta = Tensor.FromArray([1f, 2f, 3f, 4f]);
        _tb = Tensor.FromArray([0.5f, -1f, 2f, 0.25f]);
        _a = _ta.RequiresGrad();
        _b = _tb.RequiresGrad();
    }

    [Benchmark]
    public Variable<float> AddRecorded()
    {
        return _a + _b;
    }

    [Benchmark]
    public Variable<float> AddNoGrad()
    {
        using var _ = GradMode.NoGrad();
        return _a + _b;
    }

    [Benchmark(Baseline = true)]
    public Tensor<float> AddTensor() => _ta + _tb;
}
