using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;

// Maxima and minima. Where several elements attain the extremum the derivative is not defined; the rules below are
// PyTorch's subgradients: binary maximum/minimum (pointwise rules, so they fuse) split the gradient equally on ties, the all-element reduction spreads
// it evenly over the tied elements, and the reduction along an axis gives it to the returned index (the first one).

/// <summary>
/// <c>torch.maximum(a, b)</c>: elementwise max with broadcasting. ∂/∂a is 1 where a &gt; b, ½ on ties, 0 where a &lt; b,
/// and ∂/∂b the complement, so a tie splits the gradient equally (PyTorch's rule).
/// </summary>
public sealed class MaximumRule<T> : BinaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly MaximumRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Maximum";
    /// <inheritdoc/>
    public override string Symbol => "max";
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TP.Max(a, b, y);
    /// <inheritdoc/>
    public override void Backward(int operand, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d) =>
        TieSplit.Apply(operand == 0 ? a : b, operand == 0 ? b : a, g, d);
    /// <inheritdoc/>
    public override string Format(string a, string b) => $"maximum({a}, {b})";
}

/// <summary>
/// <c>torch.minimum(a, b)</c>: elementwise min with broadcasting. ∂/∂a is 1 where a &lt; b, ½ on ties, 0 where a &gt; b,
/// and ∂/∂b the complement (PyTorch's rule).
/// </summary>
public sealed class MinimumRule<T> : BinaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance.</summary>
    public static readonly MinimumRule<T> Instance = new();
    /// <inheritdoc/>
    public override string Name => "Minimum";
    /// <inheritdoc/>
    public override string Symbol => "min";
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TP.Min(a, b, y);
    /// <inheritdoc/>
    public override void Backward(int operand, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d) =>
        TieSplit.Apply(operand == 0 ? b : a, operand == 0 ? a : b, g, d);
    /// <inheritdoc/>
    public override string Format(string a, string b) => $"minimum({a}, {b})";
}

internal static class TieSplit
{
    /// <summary>d = g where mine &gt; other, g/2 where equal, 0 where smaller: one operand's share of max(mine, other).</summary>
    internal static void Apply<T>(ReadOnlySpan<T> mine, ReadOnlySpan<T> other, ReadOnlySpan<T> g, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.One / (T.One + T.One);
        for (int i = 0; i < d.Length; i++) d[i] = mine[i] > other[i] ? g[i] : mine[i] == other[i] ? g[i] * half : T.Zero;
    }
}

/// <summary>max(a, b) (the eager op of <see cref="MaximumRule{T}"/>).</summary>
public sealed class Maximum<T>() : BinaryFunction<T>(MaximumRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;
/// <summary>min(a, b) (the eager op of <see cref="MinimumRule{T}"/>).</summary>
public sealed class Minimum<T>() : BinaryFunction<T>(MinimumRule<T>.Instance) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The largest (or smallest) element of the whole tensor, rank 0 (<c>torch.max(x)</c>). The gradient is spread evenly
/// over the elements equal to the result (PyTorch's rule), so k tied elements get g/k each.
/// </summary>
/// <param name="max">True for the maximum, false for the minimum.</param>
public sealed class ExtremumAll<T>(bool max) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _x = null!;
    private T _value;

    private string Op => max ? "Max" : "Min";

    /// <inheritdoc/>
    public override string Name => Op;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        SaveForBackward(_x = x[0]);
        if (_x.Length == 0) throw new ArgumentException($"{Op}: the input {_x.ShapeString} is empty; the {Op.ToLowerInvariant()}imum of no elements is undefined.");
        _value = max ? _x.MaxAll() : _x.MinAll();
        return Tensor.Scalar(_value);
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        ReadOnlySpan<T> x = _x.AsSpan();
        bool nan = T.IsNaN(_value);
        int ties = 0;
        for (int i = 0; i < x.Length; i++) if (x[i] == _value || (nan && T.IsNaN(x[i]))) ties++;
        T share = g.Item() / T.CreateChecked(ties);
        var d = grads.Buffer(0).AsSpan();
        for (int i = 0; i < x.Length; i++) if (x[i] == _value || (nan && T.IsNaN(x[i]))) d[i] += share;
    }
}

/// <summary>
/// The maximum (or minimum) along one axis and its position (<c>torch.max(x, dim)</c>); the positions are in
/// <see cref="Indices"/> after <see cref="Function{T}.Apply"/>. On ties the first position is returned and the whole
/// gradient goes to it.
/// </summary>
/// <param name="axis">The axis to reduce (negative counts from the end).</param>
/// <param name="keepDim">Whether the reduced axis stays, with length 1.</param>
/// <param name="max">True for the maximum, false for the minimum.</param>
public sealed class ExtremumAlong<T>(int axis, bool keepDim, bool max) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int _axis;
    private Tensor<int> _keptIndices = null!;

    /// <inheritdoc/>
    public override string Name => max ? "Max" : "Min";

    /// <summary>The position of each result along the axis (the result's shape), set by the forward pass.</summary>
    public Tensor<int> Indices { get; private set; } = null!;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        var (values, indices) = max ? x[0].MaxWithIndices(axis, keepDim) : x[0].MinWithIndices(axis, keepDim);
        _axis = Shapes.Axis(axis, x[0].Rank, max ? "Max" : "Min");
        Indices = indices;
        _keptIndices = (keepDim ? indices : indices.Unsqueeze(_axis)).Clone(); // the caller may change Indices
        return values;
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) =>
        Tensor.ScatterAdd(grads.Buffer(0), _axis, _keptIndices, keepDim ? g : g.Unsqueeze(_axis));
}
