using System.Globalization;
using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;

// Pointwise unary primitives: each rule holds the function and its local derivative (as g ⊙ f', from x or y), once;
// the op class of the same name is the eager op built on it, and the fusion compiler runs the same rule.

/// <summary>e^x; dx = g ⊙ y.</summary>
public sealed class ExpRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly ExpRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Exp";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.Output;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => SpanMath.Exp(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) => TP.Multiply(g, y, dx);
}

/// <summary>ln x; dx = g / x.</summary>
public sealed class LogRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly LogRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Log";
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Log(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) => TP.Divide(g, x, dx);
}

/// <summary>tanh x; dx = g ⊙ (1 - y²).</summary>
public sealed class TanhRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly TanhRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Tanh";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.Output;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => SpanMath.Tanh(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        TP.Multiply(y, y, dx);        // y²
        TP.Subtract(T.One, dx, dx);   // 1 - y²
        TP.Multiply(dx, g, dx);       // g (1 - y²)
    }
}

/// <summary>σ(x) = 1/(1+e^-x); dx = g ⊙ y(1 - y).</summary>
public sealed class SigmoidRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly SigmoidRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Sigmoid";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.Output;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => SpanMath.Sigmoid(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        TP.Multiply(y, y, dx);        // y²
        TP.Subtract(y, dx, dx);       // y - y² = y (1 - y)
        TP.Multiply(dx, g, dx);       // g y (1 - y)
    }
}

/// <summary>max(x, 0); dx = g where x &gt; 0, else 0.</summary>
public sealed class ReluRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly ReluRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Relu";
    /// <inheritdoc/>
    public override bool IsCheap => true;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Max(x, T.Zero, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : T.Zero;
    }
}

/// <summary>x²; dx = g ⊙ 2x.</summary>
public sealed class SquareRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly SquareRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Square";
    /// <inheritdoc/>
    public override bool IsCheap => true;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Multiply(x, x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        TP.Multiply(g, x, dx);
        TP.Multiply(dx, T.CreateChecked(2), dx);
    }
}

/// <summary>√x; dx = g / (2y).</summary>
public sealed class SqrtRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly SqrtRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Sqrt";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.Output;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Sqrt(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        TP.Multiply(y, T.CreateChecked(2), dx); // 2y
        TP.Divide(g, dx, dx);                   // g / (2y)
    }
}

/// <summary>x^p for a constant p; dx = g ⊙ p·x^(p-1).</summary>
/// <param name="p">The exponent.</param>
public sealed class PowRule<T>(T p) : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The exponent.</summary>
    public T Exponent => p;
    /// <inheritdoc/>
    public override string Name => "Pow";
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Pow(x, p, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx)
    {
        TP.Pow(x, p - T.One, dx);     // x^(p-1)
        TP.Multiply(dx, p, dx);       // p x^(p-1)
        TP.Multiply(dx, g, dx);
    }
    /// <inheritdoc/>
    public override string Format(string x) => $"{x} ** {Constant.Text(p)}";
}

/// <summary>-x; the derivative is the constant -1.</summary>
public sealed class NegRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly NegRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Neg";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.None;
    /// <inheritdoc/>
    public override bool IsCheap => true;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Negate(x, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) => TP.Negate(g, dx);
    /// <inheritdoc/>
    public override bool HasConstantDerivative(out T value) { value = -T.One; return true; }
    /// <inheritdoc/>
    public override string Format(string x) => $"-{x}";
}

/// <summary>s·x for a constant s; the derivative is the constant s.</summary>
/// <param name="s">The factor.</param>
public sealed class ScaleRule<T>(T s) : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The factor.</summary>
    public T Factor => s;
    /// <inheritdoc/>
    public override string Name => "Scale";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.None;
    /// <inheritdoc/>
    public override bool IsCheap => true;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Multiply(x, s, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) => TP.Multiply(g, s, dx);
    /// <inheritdoc/>
    public override bool HasConstantDerivative(out T value) { value = s; return true; }
    /// <inheritdoc/>
    public override string Format(string x) => $"({x} * {Constant.Text(s)})";
}

/// <summary>x + s for a constant s; the derivative is the constant 1.</summary>
/// <param name="s">The addend.</param>
public sealed class AddScalarRule<T>(T s) : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The addend.</summary>
    public T Addend => s;
    /// <inheritdoc/>
    public override string Name => "AddScalar";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.None;
    /// <inheritdoc/>
    public override bool IsCheap => true;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => TP.Add(x, s, y);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) => g.CopyTo(dx);
    /// <inheritdoc/>
    public override bool HasConstantDerivative(out T value) { value = T.One; return true; }
    /// <inheritdoc/>
    public override string Format(string x) => $"({x} + {Constant.Text(s)})";
}

internal static class Constant
{
    public static string Text<T>(T v) where T : IFloatingPointIeee754<T> => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>e^x (the eager op of <see cref="ExpRule{T}"/>).</summary>
public sealed class Exp<T>() : UnaryFunction<T>(ExpRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>ln x (the eager op of <see cref="LogRule{T}"/>).</summary>
public sealed class Log<T>() : UnaryFunction<T>(LogRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>tanh x (the eager op of <see cref="TanhRule{T}"/>).</summary>
public sealed class Tanh<T>() : UnaryFunction<T>(TanhRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>σ(x) (the eager op of <see cref="SigmoidRule{T}"/>).</summary>
public sealed class Sigmoid<T>() : UnaryFunction<T>(SigmoidRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>max(x, 0) (the eager op of <see cref="ReluRule{T}"/>).</summary>
public sealed class Relu<T>() : UnaryFunction<T>(ReluRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>x² (the eager op of <see cref="SquareRule{T}"/>).</summary>
public sealed class Square<T>() : UnaryFunction<T>(SquareRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>√x (the eager op of <see cref="SqrtRule{T}"/>).</summary>
public sealed class Sqrt<T>() : UnaryFunction<T>(SqrtRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>-x (the eager op of <see cref="NegRule{T}"/>).</summary>
public sealed class Neg<T>() : UnaryFunction<T>(NegRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>x^p for a constant p (the eager op of <see cref="PowRule{T}"/>).</summary>
/// <param name="p">The exponent.</param>
public sealed class Pow<T>(T p) : UnaryFunction<T>(new PowRule<T>(p)) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>x * s for a constant s (the eager op of <see cref="ScaleRule{T}"/>).</summary>
/// <param name="s">The factor.</param>
public sealed class Scale<T>(T s) : UnaryFunction<T>(new ScaleRule<T>(s)) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>x + s for a constant s (the eager op of <see cref="AddScalarRule{T}"/>).</summary>
/// <param name="s">The addend.</param>
public sealed class AddScalar<T>(T s) : UnaryFunction<T>(new AddScalarRule<T>(s)) where T : unmanaged, IFloatingPointIeee754<T>;
