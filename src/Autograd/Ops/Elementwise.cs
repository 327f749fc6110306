using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;

// Binary elementwise primitives with numpy broadcasting: each rule holds the function and its two local derivatives
// (as g ⊙ ∂f), once, on equal-length spans; BinaryFunction broadcasts, the engine sums gradients back to each input's
// shape, and the fusion compiler runs the same rules.

/// <summary>a + b; both derivatives are the constant 1.</summary>
public sealed class AddRule<T> : BinaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly AddRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Add";
    /// <inheritdoc/>
    public override string Symbol => "+";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.None;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TP.Add(a, b, y);
    /// <inheritdoc/>
    public override void Backward(int operand, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d) => g.CopyTo(d);
    /// <inheritdoc/>
    public override bool HasConstantDerivative(int operand, out T value) { value = T.One; return true; }
}

/// <summary>a - b; the derivatives are the constants 1 and -1.</summary>
public sealed class SubRule<T> : BinaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly SubRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Sub";
    /// <inheritdoc/>
    public override string Symbol => "-";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.None;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TP.Subtract(a, b, y);
    /// <inheritdoc/>
    public override void Backward(int operand, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d)
    {
        if (operand == 0) g.CopyTo(d);
        else TP.Negate(g, d);
    }
    /// <inheritdoc/>
    public override bool HasConstantDerivative(int operand, out T value) { value = operand == 0 ? T.One : -T.One; return true; }
}

/// <summary>a ⊙ b; da = g ⊙ b, db = g ⊙ a.</summary>
public sealed class MulRule<T> : BinaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly MulRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Mul";
    /// <inheritdoc/>
    public override string Symbol => "*";
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TP.Multiply(a, b, y);
    /// <inheritdoc/>
    public override void Backward(int operand, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d) =>
        TP.Multiply(g, operand == 0 ? b : a, d);
}

/// <summary>a / b; da = g / b, db = -(g / b) ⊙ y (= -g a / b²).</summary>
public sealed class DivRule<T> : BinaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly DivRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Div";
    /// <inheritdoc/>
    public override string Symbol => "/";
    /// <inheritdoc/>
    public override RuleUses Uses => RuleUses.Input | RuleUses.Output;
    /// <inheritdoc/>
    public override bool IsCheap => false;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TP.Divide(a, b, y);
    /// <inheritdoc/>
    public override void Backward(int operand, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d)
    {
        TP.Divide(g, b, d);                 // g / b
        if (operand == 0) return;
        TP.Multiply(d, y, d);               // (g / b)(a / b)
        TP.Negate(d, d);
    }
}

/// <summary>a + b with broadcasting (the eager op of <see cref="AddRule{T}"/>).</summary>
public sealed class Add<T>() : BinaryFunction<T>(AddRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>a - b with broadcasting (the eager op of <see cref="SubRule{T}"/>).</summary>
public sealed class Sub<T>() : BinaryFunction<T>(SubRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>a ⊙ b with broadcasting (the eager op of <see cref="MulRule{T}"/>).</summary>
public sealed class Mul<T>() : BinaryFunction<T>(MulRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>a / b with broadcasting (the eager op of <see cref="DivRule{T}"/>).</summary>
public sealed class Div<T>() : BinaryFunction<T>(DivRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
