using BenchmarkDotNet.Attributes;
using MiniTorch.Autograd;
using MiniTorch.Autograd.Fusion;

namespace MiniTorch.Benchmarks.Micro;

/// <summary>
/// A GRU-style gate function (r, z, n) forward and backward on float32, (N, H) = (32, 256): fused by Fuse.Pointwise
/// (one op) against the same function run eagerly (one op per primitive). Inputs: xw, hw (N, 3H) and h (N, H).
/// </summary>
[MemoryDiagnoser]
public class GateBenchmarks
{
    private const int N = 32, H = 256;
    private Variable<float> _xw = null!, _hw = null!, _h = null!;
    private Tensor<float> _up = null!;
    private readonly Func<Variable<float>, Variable<float>, Variable<float>, Variable<float>> _fused = Fuse.Pointwise<float>(Gru);

    /// <summary>h' = (1 - z) ⊙ n + z ⊙ h with r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r ⊙ hn).</summary>
    private static Variable<float> Gru(Variable<float> xw, Variable<float> hw, Variable<float> h)
    {
        int n = h.Dim(-1);
        var r = (xw.Narrow(-1, 0, n) + hw.Narrow(-1, 0, n)).Sigmoid();
        var z = (xw.Narrow(-1, n, n) + hw.Narrow(-1, n, n)).Sigmoid();
        var cand = (xw.Narrow(-1, 2 * n, n) + r * hw.Narrow(-1, 2 * n, n)).Tanh();
        return (1f - z) * cand + z * h;
    }

    /// <summary>Draws the inputs and the upstream gradient.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        _xw = rng.Normal<float>([N, 3 * H]).RequiresGrad();
        _hw = rng.Normal<float>([N, 3 * H]).RequiresGrad();
        _h = rng.Normal<float>([N, H]).RequiresGrad();
        _up = rng.Normal<float>([N, H]);
    }

    private float Step(Variable<float> y)
    {
        y.Backward(_up);
        float s = _xw.Grad!.AsSpan()[0] + _hw.Grad!.AsSpan()[0] + _h.Grad!.AsSpan()[0];
        _xw.Grad = _hw.Grad = _h.Grad = null;
        return s;
    }

    /// <summary>The function run eagerly: forward and backward.</summary>
    [Benchmark(Baseline = true)]
    public float Eager() => Step(Gru(_xw, _hw, _h));

    /// <summary>The function fused: forward and backward.</summary>
    [Benchmark]
    public float Fused() => Step(_fused(_xw, _hw, _h));
}
