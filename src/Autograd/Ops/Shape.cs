using System.Numerics;

namespace MiniTorch.Autograd.Functions;

/// <summary>A new shape over the same elements (a view); backward reshapes the gradient back.</summary>
/// <param name="shape">The new sizes (one may be -1).</param>
public sealed class Reshape<T>(int[] shape) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _in = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { _in = x[0].ShapeArray; return x[0].Reshape(shape); }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g.Reshape(_in));
}

/// <summary>Reorders axes; backward applies the inverse permutation.</summary>
/// <param name="axes">A permutation of the axes.</param>
public sealed class Permute<T>(int[] axes) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _inverse = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        var y = x[0].Permute(axes); // validates the axes
        _inverse = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) _inverse[Shapes.Axis(axes[i], axes.Length, "Permute")] = i;
        return y;
    }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.AccumulateFresh(0, g.Permute(_inverse)); // Permute copies
}

/// <summary>
/// Elements start..start+length-1 along an axis (torch.narrow). Backward adds the gradient into that window of the
/// input's gradient buffer, so slicing T steps out of an (N,T,D) tensor never builds T full-size zero tensors.
/// </summary>
/// <param name="axis">The axis (negative counts from the end).</param>
/// <param name="start">The first index kept.</param>
/// <param name="length">How many indices are kept.</param>
public sealed class Narrow<T>(int axis, int start, int length) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The axis (as given; negative counts from the end).</summary>
    public int Axis => axis;
    /// <summary>The first index of the window.</summary>
    public int Start => start;
    /// <summary>The window's length.</summary>
    public int Length => length;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0].Narrow(axis, start, length);
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => Tensor.AddToNarrow(grads.Buffer(0), axis, start, g);
}

/// <summary>The slice at one index along an axis, with the axis removed; backward adds into the gradient buffer.</summary>
/// <param name="axis">The axis (negative counts from the end).</param>
/// <param name="index">The position along the axis.</param>
public sealed class Select<T>(int axis, int index) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0].Select(axis, index);
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => Tensor.AddToNarrow(grads.Buffer(0), axis, index, g);
}

/// <summary>
/// Every slice along an axis, that axis removed (torch.unbind): one op with one output per index, views where the
/// slices are contiguous. Backward writes the slices' gradients into the input's gradient in one pass (a slice that got
/// none is zeroed), instead of a select per index each adding into a zeroed buffer.
/// </summary>
/// <param name="axis">The axis (negative counts from the end).</param>
public sealed class Unbind<T>(int axis) : MultiOutputFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int _axis;
    /// <inheritdoc/>
    protected override Tensor<T>[] Forward(Tensor<T>[] inputs)
    {
        var x = inputs[0];
        _axis = Shapes.Axis(axis, x.Rank, "Unbind");
        if (x.Shape[_axis] == 0) throw new ArgumentException($"Unbind: axis {axis} of {x.ShapeString} is empty; there is no slice to return.");
        var parts = new Tensor<T>[x.Shape[_axis]];
        for (int i = 0; i < parts.Length; i++) parts[i] = x.Select(_axis, i);
        return parts;
    }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T>?[] gradOutputs, Gradients<T> grads)
    {
        if (!grads.Needs(0)) return;
        var buffer = grads.BufferToWrite(0, out bool fresh);
        // The slices are disjoint windows of one buffer: large ones are written on several threads.
        PointwiseThreads.Split(gradOutputs.Length, PointwiseThreads.ThreadsFor(buffer.Length, cheap: true), (i0, i1) =>
        {
            for (int i = i0; i < i1; i++)
            {
                if (gradOutputs[i] is { } g) Tensor.WriteNarrow(buffer, _axis, i, g, accumulate: !fresh);
                else if (fresh) Tensor.ClearNarrow(buffer, _axis, i, 1);
            }
        });
    }
}

/// <summary>Joins inputs along an existing axis; backward hands each input its slice of the gradient.</summary>
/// <param name="axis">The axis (negative counts from the end).</param>
public sealed class Concat<T>(int axis) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The axis (as given; negative counts from the end).</summary>
    public int Axis => axis;
    private int[] _sizes = null!;
    private int _axis;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        var y = Tensor.Concat(x, axis);
        _axis = Shapes.Axis(axis, y.Rank, "Concat");
        _sizes = x.Select(t => t.Shape[_axis]).ToArray();
        return y;
    }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var starts = new int[_sizes.Length];
        for (int i = 1; i < starts.Length; i++) starts[i] = starts[i - 1] + _sizes[i - 1];
        grads.AccumulateSlices(g, _axis, starts);
    }
}

/// <summary>Joins equally shaped inputs along a new axis; backward hands each input its slice.</summary>
/// <param name="axis">Where the new axis goes.</param>
public sealed class Stack<T>(int axis) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int _axis;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        var y = Tensor.Stack(x, axis);
        _axis = Shapes.Axis(axis, y.Rank, "Stack");
        return y;
    }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var starts = new int[g.Shape[_axis]];
        for (int i = 0; i < starts.Length; i++) starts[i] = i;
        grads.AccumulateSlices(g, _axis, starts);
    }
}

/// <summary>
/// Gathers slices along an axis by integer indices (index_select / embedding lookup). Backward scatter-adds into the
/// input's gradient buffer; repeated indices accumulate (np.add.at).
/// </summary>
/// <param name="axis">The axis (negative counts from the end).</param>
/// <param name="indices">Positions along the axis, any shape.</param>
public sealed class IndexSelect<T>(int axis, Tensor<int> indices) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0].IndexSelect(axis, indices);
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => Tensor.IndexAdd(grads.Buffer(0), axis, indices, g);
}
