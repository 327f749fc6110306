using System.Numerics;

namespace MiniTorch;

public static partial class Tensor
{
    /// <summary>
    /// Checks a <c>torch.gather</c>/<c>scatter_add</c> index against the tensor it indexes: same rank, every size at most
    /// the tensor's on the axes other than <paramref name="ax"/>, every value in [0, size of <paramref name="ax"/>).
    /// </summary>
    private static void CheckGatherIndex<T>(Tensor<T> x, int ax, int axis, Tensor<int> index, string op) where T : unmanaged, INumber<T>
    {
        if (index.Rank != x.Rank)
            throw new ArgumentException($"{op}: index {index.ShapeString} must have the rank of the tensor {x.ShapeString} (rank {x.Rank}).");
        for (int d = 0; d < x.Rank; d++)
            if (d != ax && index.Shape[d] > x.Shape[d])
                throw new ArgumentException($"{op}: index {index.ShapeString} is larger than the tensor {x.ShapeString} on axis {d} (only axis {axis} may differ).");
        ReadOnlySpan<int> idx = index.AsSpan();
        int n = x.Shape[ax];
        for (int i = 0; i < idx.Length; i++)
            if ((uint)idx[i] >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index {idx[i]} (at flat position {i}) is out of range [0, {n}) for axis {axis} of {x.ShapeString}.");
    }

    /// <summary>
    /// Calls <paramref name="visit"/>(flat position in the index, flat position in x) for every element of the index:
    /// x's position is the index element's own position with the coordinate on <paramref name="ax"/> replaced by its value.
    /// </summary>
    private static void ForEachGathered<T>(Tensor<T> x, int ax, Tensor<int> index, Action<int, int> visit) where T : unmanaged, INumber<T>
    {
        int rank = x.Rank;
        var strides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--) { strides[d] = s; s *= x.Shape[d]; }
        ReadOnlySpan<int> idx = index.AsSpan();
        var coord = new int[rank];
        int baseOffset = 0; // offset in x of coord with the axis coordinate left out
        for (int i = 0; i < idx.Length; i++)
        {
            visit(i, baseOffset + idx[i] * strides[ax]);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (d != ax) baseOffset += strides[d];
                if (++coord[d] < index.Shape[d]) break;
                if (d != ax) baseOffset -= strides[d] * index.Shape[d];
                coord[d] = 0;
            }
        }
    }

    /// <summary>
    /// <c>torch.gather</c>: picks values along <paramref name="axis"/> by <paramref name="index"/>. The result has the
    /// index's shape, and for axis 1 of a rank-3 tensor <c>y[i, j, k] = x[i, index[i, j, k], k]</c>. The index has the
    /// tensor's rank, sizes at most the tensor's on the other axes, and values in [0, x.Dim(axis)).
    /// </summary>
    /// <param name="x">The tensor to read from.</param>
    /// <param name="axis">The axis along which the index picks (negative counts from the end).</param>
    /// <param name="index">Positions along <paramref name="axis"/>.</param>
    /// <returns>A new tensor of the index's shape.</returns>
    /// <exception cref="ArgumentException">The index's rank or sizes do not fit, or the axis is out of range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index value is outside [0, x.Dim(axis)).</exception>
    public static Tensor<T> Gather<T>(this Tensor<T> x, int axis, Tensor<int> index) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, "Gather");
        CheckGatherIndex(x, ax, axis, index, "Gather");
        var y = new Tensor<T>(index.ShapeArray);
        var src = x.Buffer; int so = x.Offset;
        var dst = y.Buffer;
        ForEachGathered(x, ax, index, (i, at) => dst[i] = src[so + at]);
        return y;
    }

    /// <summary>
    /// The adjoint of <see cref="Gather{T}"/> (<c>Tensor.scatter_add_</c>): <c>dst[..., index[p], ...] += src[p]</c> along
    /// <paramref name="axis"/> for every position p of the index. Duplicate indices accumulate. Everything is checked
    /// before anything is written.
    /// </summary>
    /// <param name="dst">The tensor added into, in place.</param>
    /// <param name="axis">The axis along which the index points.</param>
    /// <param name="index">Positions along <paramref name="axis"/>, as for <see cref="Gather{T}"/>.</param>
    /// <param name="src">The values to add, of the index's shape.</param>
    /// <exception cref="ArgumentException">The shapes do not fit, or the axis is out of range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index value is outside [0, dst.Dim(axis)).</exception>
    public static void ScatterAdd<T>(Tensor<T> dst, int axis, Tensor<int> index, Tensor<T> src) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, dst.Rank, "ScatterAdd");
        CheckGatherIndex(dst, ax, axis, index, "ScatterAdd");
        if (!src.HasShape(index.Shape))
            throw new ArgumentException($"ScatterAdd: source {src.ShapeString} must have the index's shape {index.ShapeString}.");
        var d = dst.Buffer; int doff = dst.Offset;
        var s = src.Buffer; int soff = src.Offset;
        ForEachGathered(dst, ax, index, (i, at) => d[doff + at] += s[soff + i]);
    }

    /// <summary>
    /// <c>torch.flip</c>: a copy with the order of the elements reversed along each of <paramref name="axes"/> (each at
    /// most once; negative counts from the end). No axes gives a plain copy.
    /// </summary>
    /// <param name="x">The tensor to flip.</param>
    /// <param name="axes">The axes to reverse.</param>
    /// <returns>A new tensor of x's shape.</returns>
    /// <exception cref="ArgumentException">An axis is out of range or given twice.</exception>
    public static Tensor<T> Flip<T>(this Tensor<T> x, params int[] axes) where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(axes);
        var flip = new bool[x.Rank];
        foreach (int a in axes)
        {
            int ax = Shapes.Axis(a, x.Rank, "Flip");
            if (flip[ax]) throw new ArgumentException($"Flip: axis {a} appears more than once in ({string.Join(", ", axes)}) for {x.ShapeString}.");
            flip[ax] = true;
        }
        var y = new Tensor<T>(x.ShapeArray);
        if (y.Length == 0) return y;
        // Keep the trailing run of unflipped axes as contiguous rows; walk the others with an odometer.
        int last = x.Rank - 1;
        while (last >= 0 && !flip[last]) last--;
        if (last < 0) { x.AsSpan().CopyTo(y.AsSpan()); return y; }
        int row = Shapes.Prod(x.Shape, last + 1, x.Rank);
        var strides = new int[last + 1];
        for (int d = last, s = row; d >= 0; d--) { strides[d] = s; s *= x.Shape[d]; }
        int src = 0;
        for (int d = 0; d <= last; d++) if (flip[d]) src += (x.Shape[d] - 1) * strides[d];
        var coord = new int[last + 1];
        ReadOnlySpan<T> from = x.AsSpan();
        var to = y.AsSpan();
        for (int o = 0; o < y.Length; o += row)
        {
            from.Slice(src, row).CopyTo(to.Slice(o, row));
            for (int d = last; d >= 0; d--)
            {
                int step = flip[d] ? -strides[d] : strides[d];
                src += step;
                if (++coord[d] < x.Shape[d]) break;
                src -= step * x.Shape[d];
                coord[d] = 0;
            }
        }
        return y;
    }

    /// <summary>
    /// <c>torch.where</c> with broadcasting: <paramref name="a"/> where <paramref name="condition"/> is 1, else
    /// <paramref name="b"/>; the three shapes broadcast together (numpy rules). The condition holds 0 or 1 only (a
    /// boolean mask stored as numbers, e.g. from <see cref="Greater{T}"/>); any other value is rejected.
    /// </summary>
    /// <param name="condition">The 0/1 mask.</param>
    /// <param name="a">Values taken where the mask is 1.</param>
    /// <param name="b">Values taken where the mask is 0.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or the mask holds a value other than 0 or 1.</exception>
    public static Tensor<T> Where<T>(Tensor<T> condition, Tensor<T> a, Tensor<T> b) where T : unmanaged, INumber<T>
    {
        CheckMask(condition, "Where");
        int[] shape;
        try { shape = Shapes.Broadcast(Shapes.Broadcast(condition.Shape, a.Shape, "Where"), b.Shape, "Where"); }
        catch (ArgumentException)
        {
            throw new ArgumentException($"Where: condition {condition.ShapeString}, a {a.ShapeString} and b {b.ShapeString} do not broadcast together.");
        }
        Tensor<T> Full(Tensor<T> t) => t.HasShape(shape) ? t : t.BroadcastTo(shape);
        ReadOnlySpan<T> c = Full(condition).AsSpan(), x = Full(a).AsSpan(), z = Full(b).AsSpan();
        var y = new Tensor<T>(shape);
        var d = y.AsSpan();
        for (int i = 0; i < d.Length; i++) d[i] = c[i] == T.One ? x[i] : z[i];
        return y;
    }

    /// <summary>Throws unless every element of <paramref name="mask"/> is 0 or 1, naming the op and the first bad value.</summary>
    internal static void CheckMask<T>(Tensor<T> mask, string op) where T : unmanaged, INumber<T>
    {
        ReadOnlySpan<T> m = mask.AsSpan();
        for (int i = 0; i < m.Length; i++)
            if (m[i] != T.Zero && m[i] != T.One)
                throw new ArgumentException($"{op}: the condition must hold only 0 and 1, but holds {m[i]} at flat position {i} of {mask.ShapeString}.");
    }
}
