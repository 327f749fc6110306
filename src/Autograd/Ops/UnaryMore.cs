using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;

// More pointwise unary ops, each with its local derivative beside the function (written like Unary.cs; they become
// pointwise rules, shared with the fusion compiler, when that framework is on main). Where f has a kink, the rule at
// the kink is PyTorch's and is stated on the class.

/// <summary>A pointwise op whose backward is dx = g ⊙ f'(x), with f' from the saved input.</summary>
public abstract class PointwiseOfInput<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _x = null!;
    /// <summary>y = f(x) elementwise.</summary>
    /// <param name="x">The operand.</param>
    /// <param name="y">Where the result goes (x's length).</param>
    protected abstract void Value(ReadOnlySpan<T> x, Span<T> y);
    /// <summary>dx = g ⊙ f'(x) elementwise.</summary>
    /// <param name="x">The operand.</param>
    /// <param name="g">The upstream gradient.</param>
    /// <param name="dx">Where the input's gradient goes.</param>
    protected abstract void Slope(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx);
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] inputs)
    {
        _x = inputs[0];
        SaveForBackward(_x);
        var y = new Tensor<T>(_x.ShapeArray);
        Value(_x.AsSpan(), y.AsSpan());
        return y;
    }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var dx = new Tensor<T>(_x.ShapeArray);
        Slope(_x.AsSpan(), g.AsSpan(), dx.AsSpan());
        grads.Accumulate(0, dx);
    }
}

/// <summary>|x|; dx = g ⊙ sign(x), so 0 at x = 0 (PyTorch's subgradient).</summary>
public sealed class Abs<T> : PointwiseOfInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Value(ReadOnlySpan<T> x, Span<T> y) => TP.Abs(x, y);
    /// <inheritdoc/>
    protected override void Slope(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : x[i] < T.Zero ? -g[i] : T.Zero;
    }
}

/// <summary>sin x; dx = g ⊙ cos x.</summary>
public sealed class Sin<T> : PointwiseOfInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Value(ReadOnlySpan<T> x, Span<T> y) => TP.Sin(x, y);
    /// <inheritdoc/>
    protected override void Slope(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx) { TP.Cos(x, dx); TP.Multiply(dx, g, dx); }
}

/// <summary>cos x; dx = −g ⊙ sin x.</summary>
public sealed class Cos<T> : PointwiseOfInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Value(ReadOnlySpan<T> x, Span<T> y) => TP.Cos(x, y);
    /// <inheritdoc/>
    protected override void Slope(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx) { TP.Sin(x, dx); TP.Multiply(dx, g, dx); TP.Negate(dx, dx); }
}

/// <summary>Leaky ReLU: x where x &gt; 0, else s·x; dx = g where x &gt; 0, else s·g, so the slope at x = 0 is s (PyTorch's rule).</summary>
/// <param name="negativeSlope">The slope s for x ≤ 0.</param>
public sealed class LeakyRelu<T>(T negativeSlope) : PointwiseOfInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Value(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] > T.Zero ? x[i] : negativeSlope * x[i];
    }
    /// <inheritdoc/>
    protected override void Slope(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : negativeSlope * g[i];
    }
}

/// <summary>
/// clamp(x, min, max) = min(max(x, min), max) with either bound optional; dx = g where min ≤ x ≤ max, else 0: at a
/// bound the gradient passes (PyTorch's rule).
/// </summary>
/// <param name="min">The lower bound, or null.</param>
/// <param name="max">The upper bound, or null.</param>
public sealed class Clamp<T>(T? min, T? max) : PointwiseOfInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Value(ReadOnlySpan<T> x, Span<T> y)
    {
        if (min is { } lo) TP.Max(x, lo, y); else x.CopyTo(y);
        if (max is { } hi) TP.Min(y, hi, y);
    }
    /// <inheritdoc/>
    protected override void Slope(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx)
    {
        T lo = min ?? T.NegativeInfinity, hi = max ?? T.PositiveInfinity;
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] >= lo && x[i] <= hi ? g[i] : T.Zero;
    }
}

/// <summary>Which form of GELU to compute (PyTorch's <c>approximate</c> argument).</summary>
public enum GeluApproximation
{
    /// <summary>The exact x·Φ(x) with the normal CDF Φ (PyTorch's default, 'none').</summary>
    None,
    /// <summary>The tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))) ('tanh').</summary>
    Tanh,
}

/// <summary>
/// GELU. Exact: y = x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)), dx = g ⊙ (Φ(x) + x·φ(x)), φ the normal density.
/// Tanh form: with u = √(2/π)(x + 0.044715x³) and t = tanh u, y = ½x(1 + t),
/// dx = g ⊙ (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)). Computed in float64 per element.
/// </summary>
/// <param name="approximate">Which form.</param>
public sealed class Gelu<T>(GeluApproximation approximate) : PointwiseOfInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const double C = 0.044715;
    private static readonly double Sqrt2OverPi = Math.Sqrt(2 / Math.PI), InvSqrt2 = 1 / Math.Sqrt(2), InvSqrt2Pi = 1 / Math.Sqrt(2 * Math.PI);

    /// <inheritdoc/>
    protected override void Value(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = T.CreateChecked(ValueAt(double.CreateChecked(x[i])));
    }
    /// <inheritdoc/>
    protected override void Slope(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = g[i] * T.CreateChecked(SlopeAt(double.CreateChecked(x[i])));
    }

    private double ValueAt(double x)
    {
        if (approximate == GeluApproximation.Tanh) return 0.5 * x * (1 + Math.Tanh(Sqrt2OverPi * (x + C * x * x * x)));
        return 0.5 * x * (1 + Special.Erf(x * InvSqrt2));
    }

    private double SlopeAt(double x)
    {
        if (approximate == GeluApproximation.Tanh)
        {
            double t = Math.Tanh(Sqrt2OverPi * (x + C * x * x * x));
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Sqrt2OverPi * (1 + 3 * C * x * x);
        }
        return 0.5 * (1 + Special.Erf(x * InvSqrt2)) + x * InvSqrt2Pi * Math.Exp(-0.5 * x * x);
    }
}
