using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;

// More pointwise unary primitives (each a rule: f and g ⊙ f' once, used by the eager op and the fusion compiler).
// Where f has a kink, the rule at the kink is PyTorch's and is stated on the class.

/// <summary>|x|; dx = g ⊙ sign(x), so 0 at x = 0 (PyTorch's subgradient).</summary>
public sealed class AbsRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly AbsRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Abs";
    /// <inheritdoc/>
    public override bool IsCheap => true;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Abs(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : x[i] < T.Zero ? -g[i] : T.Zero;
    }
}

/// <summary>sin x; dx = g ⊙ cos x.</summary>
public sealed class SinRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly SinRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Sin";
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Sin(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        TP.Cos(x, dx);
        TP.Multiply(dx, g, dx);
    }
}

/// <summary>cos x; dx = −g ⊙ sin x.</summary>
public sealed class CosRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly CosRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Cos";
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Cos(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        TP.Sin(x, dx);
        TP.Multiply(dx, g, dx);
        TP.Negate(dx, dx);
    }
}

/// <summary>
/// Leaky ReLU: x where x &gt; 0, else s·x for the negative slope s; dx = g where x &gt; 0, else s·g, so the slope at
/// x = 0 is s (PyTorch's rule).
/// </summary>
/// <param name="negativeSlope">The slope s for x ≤ 0.</param>
public sealed class LeakyReluRule<T>(T negativeSlope) : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The slope for x ≤ 0.</summary>
    public T NegativeSlope => negativeSlope;
    /// <inheritdoc/>
    public override string Name => "LeakyRelu";
    /// <inheritdoc/>
    public override bool IsCheap => true;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] > T.Zero ? x[i] : negativeSlope * x[i];
    }
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : negativeSlope * g[i];
    }
    /// <inheritdoc/>
    public override string Format(string x) => $"leaky_relu({x}, {Constant.Text(negativeSlope)})";
}

/// <summary>
/// clamp(x, min, max) = min(max(x, min), max) with either bound optional; dx = g where min ≤ x ≤ max, else 0: at a
/// bound the gradient passes (PyTorch's rule).
/// </summary>
/// <param name="min">The lower bound, or null.</param>
/// <param name="max">The upper bound, or null.</param>
public sealed class ClampRule<T>(T? min, T? max) : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The lower bound, or null.</summary>
    public T? Min => min;
    /// <summary>The upper bound, or null.</summary>
    public T? Max => max;
    /// <inheritdoc/>
    public override string Name => "Clamp";
    /// <inheritdoc/>
    public override bool IsCheap => true;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y)
    {
        if (min is { } lo) TP.Max(x, lo, y); else x.CopyTo(y);
        if (max is { } hi) TP.Min(y, hi, y);
    }
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        T lo = min ?? T.NegativeInfinity, hi = max ?? T.PositiveInfinity;
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] >= lo && x[i] <= hi ? g[i] : T.Zero;
    }
    /// <inheritdoc/>
    public override string Format(string x) =>
        $"clamp({x}, {(min is { } lo ? Constant.Text(lo) : "None")}, {(max is { } hi ? Constant.Text(hi) : "None")})";
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
public sealed class GeluRule<T>(GeluApproximation approximate) : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const double C = 0.044715;
    private static readonly double Sqrt2OverPi = Math.Sqrt(2 / Math.PI), InvSqrt2 = 1 / Math.Sqrt(2), InvSqrt2Pi = 1 / Math.Sqrt(2 * Math.PI);

    /// <summary>Which form is computed.</summary>
    public GeluApproximation Approximate => approximate;
    /// <inheritdoc/>
    public override string Name => "Gelu";
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = T.CreateChecked(Value(double.CreateChecked(x[i])));
    }
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = g[i] * T.CreateChecked(Slope(double.CreateChecked(x[i])));
    }

    private double Value(double x)
    {
        if (approximate == GeluApproximation.Tanh) return 0.5 * x * (1 + Math.Tanh(Sqrt2OverPi * (x + C * x * x * x)));
        return 0.5 * x * (1 + Special.Erf(x * InvSqrt2));
    }

    private double Slope(double x)
    {
        if (approximate == GeluApproximation.Tanh)
        {
            double t = Math.Tanh(Sqrt2OverPi * (x + C * x * x * x));
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Sqrt2OverPi * (1 + 3 * C * x * x);
        }
        return 0.5 * (1 + Special.Erf(x * InvSqrt2)) + x * InvSqrt2Pi * Math.Exp(-0.5 * x * x);
    }

    /// <inheritdoc/>
    public override string Format(string x) => approximate == GeluApproximation.Tanh ? $"gelu_tanh({x})" : $"gelu({x})";
}

/// <summary>|x| (the eager op of <see cref="AbsRule{T}"/>).</summary>
public sealed class Abs<T>() : UnaryFunction<T>(AbsRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>sin x (the eager op of <see cref="SinRule{T}"/>).</summary>
public sealed class Sin<T>() : UnaryFunction<T>(SinRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>cos x (the eager op of <see cref="CosRule{T}"/>).</summary>
public sealed class Cos<T>() : UnaryFunction<T>(CosRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>Leaky ReLU (the eager op of <see cref="LeakyReluRule{T}"/>).</summary>
/// <param name="negativeSlope">The slope for x ≤ 0.</param>
public sealed class LeakyRelu<T>(T negativeSlope) : UnaryFunction<T>(new LeakyReluRule<T>(negativeSlope)) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>clamp(x, min, max) (the eager op of <see cref="ClampRule{T}"/>).</summary>
/// <param name="min">The lower bound, or null.</param>
/// <param name="max">The upper bound, or null.</param>
public sealed class Clamp<T>(T? min, T? max) : UnaryFunction<T>(new ClampRule<T>(min, max)) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>GELU (the eager op of <see cref="GeluRule{T}"/>).</summary>
/// <param name="approximate">Which form.</param>
public sealed class Gelu<T>(GeluApproximation approximate) : UnaryFunction<T>(new GeluRule<T>(approximate)) where T : unmanaged, IFloatingPointIeee754<T>;
