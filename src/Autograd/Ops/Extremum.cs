using System.Numerics;

namespace MiniTorch.Autograd.Functions;

// Maxima and minima. Where several elements attain the extremum the derivative is not defined; the rules below are
// PyTorch's subgradients: binary maximum/minimum split the gradient equally on ties, the all-element reduction spreads
// it evenly over the tied elements, and the reduction along an axis gives it to the returned index (the first one).

/// <summary><c>torch.maximum(a, b)</c> with broadcasting; on ties each side gets half the gradient.</summary>
public sealed class Maximum<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _a = null!, _b = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_a = x[0], _b = x[1]); return Tensor.Maximum(_a, _b); }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => ExtremumShares.Split(g, grads, Tensor.MaxShare(_a, _b, "Maximum"));
}

/// <summary><c>torch.minimum(a, b)</c> with broadcasting; on ties each side gets half the gradient.</summary>
public sealed class Minimum<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _a = null!, _b = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_a = x[0], _b = x[1]); return Tensor.Minimum(_a, _b); }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => ExtremumShares.Split(g, grads, Tensor.MaxShare(_b, _a, "Minimum"));
}

internal static class ExtremumShares
{
    /// <summary>Input 0 gets g·share, input 1 gets g·(1 - share).</summary>
    internal static void Split<T>(Tensor<T> g, Gradients<T> grads, Tensor<T> share) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (grads.Needs(0)) grads.Accumulate(0, g * share);
        if (grads.Needs(1)) grads.Accumulate(1, g * (T.One - share));
    }
}

/// <summary>
/// The largest (or smallest) element of the whole tensor, rank 0 (<c>torch.max(x)</c>). The gradient is spread evenly
/// over the elements equal to the result (PyTorch's rule), so k tied elements get g/k each.
/// </summary>
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
