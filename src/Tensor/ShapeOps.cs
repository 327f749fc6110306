using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch;

public static partial class Tensor
{
    /// <summary>Reorders the axes: output axis i is input axis <paramref name="axes"/>[i] (a copy).</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axes">A permutation of the axes (negative values count from the end).</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The axes are not one of each.</exception>
    public static Tensor<T> Permute<T>(this Tensor<T> x, params int[] axes) where T : unmanaged, INumber<T>
    {
        if (axes.Length != x.Rank)
            throw new ArgumentException($"Permute: {axes.Length} axes given for shape {x.ShapeString}.");
        var seen = new bool[x.Rank];
        var ax = new int[x.Rank];
        for (int i = 0; i < axes.Length; i++)
        {
            ax[i] = Shapes.Axis(axes[i], x.Rank, "Permute");
            if (seen[ax[i]]) throw new ArgumentException($"Permute: axis {axes[i]} repeated in ({string.Join(", ", axes)}).");
            seen[ax[i]] = true;
        }
        var inStrides = new int[x.Rank];
        for (int i = x.Rank - 1, s = 1; i >= 0; i--) { inStrides[i] = s; s *= x.Shape[i]; }
        var outShape = new int[x.Rank];
        var strides = new int[x.Rank];
        for (int i = 0; i < x.Rank; i++) { outShape[i] = x.Shape[ax[i]]; strides[i] = inStrides[ax[i]]; }
        var y = Tensor<T>.Uninitialized(outShape);
        if (y.Length == 0) return y;
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        // When the last axis stays last, whole rows move at once; otherwise element by element.
        int row = ax[^1] == x.Rank - 1 ? outShape[^1] : 1, outer = x.Rank - (row > 1 ? 1 : 0);
        Span<int> idx = stackalloc int[x.Rank];
        idx.Clear();
        int off = 0;
        for (int i = 0; i < dst.Length; i += row)
        {
            if (row > 1) src.Slice(off, row).CopyTo(dst.Slice(i, row));
            else dst[i] = src[off];
            for (int d = outer - 1; d >= 0; d--)
            {
                off += strides[d];
                if (++idx[d] < outShape[d]) break;
                idx[d] = 0; off -= strides[d] * outShape[d];
            }
        }
        return y;
    }

    /// <summary>Swaps two axes (default: the last two), a copy.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis0">The first axis (negative counts from the end).</param>
    /// <param name="axis1">The second axis (negative counts from the end).</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The tensor has rank below 2.</exception>
    public static Tensor<T> Transpose<T>(this Tensor<T> x, int axis0 = -2, int axis1 = -1) where T : unmanaged, INumber<T>
    {
        if (x.Rank < 2) throw new ArgumentException($"Transpose: needs rank >= 2, got shape {x.ShapeString}.");
        int a = Shapes.Axis(axis0, x.Rank, "Transpose"), b = Shapes.Axis(axis1, x.Rank, "Transpose");
        if (x.Rank == 2 && a != b) return Transpose2D(x);
        var axes = Enumerable.Range(0, x.Rank).ToArray();
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return x.Permute(axes);
    }

    /// <summary>
    /// A matrix transpose: float and double with a row count that is a multiple of 8 through the GEMM's packing
    /// (8×8 or 4×4 blocks transposed in AVX registers: y is op(A)'s packed layout with one panel as wide as x is
    /// tall), otherwise in 32×32 tiles, so both the reads and the writes stay within a few cache lines.
    /// </summary>
    private static unsafe Tensor<T> Transpose2D<T>(Tensor<T> x) where T : unmanaged, INumber<T>
    {
        int rows = x.Shape[0], cols = x.Shape[1];
        var y = Tensor<T>.Uninitialized([cols, rows]);
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        if (rows % 8 == 0 && rows > 0 && cols > 0 && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            fixed (T* s = src)
            fixed (T* d = dst)
            {
                if (typeof(T) == typeof(float)) GemmPack<float>.Interleave((float*)s, cols, cols, rows, (float*)d, rows);
                else GemmPack<double>.Interleave((double*)s, cols, cols, rows, (double*)d, rows);
            }
            return y;
        }
        const int tile = 32;
        for (int i0 = 0; i0 < rows; i0 += tile)
            for (int j0 = 0; j0 < cols; j0 += tile)
            {
                int i1 = Math.Min(i0 + tile, rows), j1 = Math.Min(j0 + tile, cols);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++) dst[j * rows + i] = src[i * cols + j];
            }
        return y;
    }

    /// <summary>
    /// The view (∏ leading sizes, last size) of a tensor of rank ≥ 1, e.g. (N, T, K) → (N·T, K). The row count is
    /// explicit, so it also works when the last size is 0 (where Reshape(-1, 0) would be ambiguous).
    /// </summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A 2-D view sharing the buffer.</returns>
    /// <exception cref="ArgumentException">The tensor has rank 0.</exception>
    public static Tensor<T> AsMatrix<T>(this Tensor<T> x) where T : unmanaged, INumber<T>
    {
        if (x.Rank == 0) throw new ArgumentException("AsMatrix: needs rank >= 1, got a scalar.");
        return x.Reshape(Shapes.Prod(x.Shape, 0, x.Rank - 1), x.Shape[^1]);
    }

    /// <summary>Inserts an axis of size 1 at <paramref name="axis"/> (a view).</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">Where the new axis goes, in [-(Rank+1), Rank].</param>
    /// <returns>A view sharing the buffer.</returns>
    public static Tensor<T> Unsqueeze<T>(this Tensor<T> x, int axis) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank + 1, "Unsqueeze");
        var s = x.ShapeArray.ToList();
        s.Insert(ax, 1);
        return x.Reshape(s.ToArray());
    }

    /// <summary>Removes an axis of size 1 (a view).</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">The axis to remove (negative counts from the end).</param>
    /// <returns>A view sharing the buffer.</returns>
    /// <exception cref="ArgumentException">The axis does not have size 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-Rank, Rank).</exception>
    public static Tensor<T> Squeeze<T>(this Tensor<T> x, int axis) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, "Squeeze");
        if (x.Shape[ax] != 1) throw new ArgumentException($"Squeeze: axis {axis} of {x.ShapeString} has size {x.Shape[ax]}, not 1.");
        var s = x.ShapeArray.ToList();
        s.RemoveAt(ax);
        return x.Reshape(s.ToArray());
    }

    private static int CheckNarrow<T>(Tensor<T> x, int axis, int start, int length, string op) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, op);
        int n = x.Shape[ax];
        if (start < 0 || length < 0 || start + length > n)
            throw new ArgumentOutOfRangeException(nameof(start), $"{op}: [{start}, {start + length}) is out of range [0, {n}] on axis {axis} of {x.ShapeString}.");
        return ax;
    }

    /// <summary>
    /// Elements start..start+length-1 along <paramref name="axis"/> (as <c>torch.narrow</c>).
    /// A view when every axis before <paramref name="axis"/> has size 1, a copy otherwise.
    /// </summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">The axis to slice (negative counts from the end).</param>
    /// <param name="start">The first index kept.</param>
    /// <param name="length">How many indices are kept.</param>
    /// <returns>The slice, with the same rank.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the axis.</exception>
    public static Tensor<T> Narrow<T>(this Tensor<T> x, int axis, int start, int length) where T : unmanaged, INumber<T>
    {
        int ax = CheckNarrow(x, axis, start, length, "Narrow");
        var (outer, n, inner) = AroundAxis(x.Shape, ax);
        var shape = x.ShapeArray;
        shape[ax] = length;
        if (outer == 1) return new Tensor<T>(x.Buffer, x.Offset + start * inner, shape, x);
        var y = Tensor<T>.Uninitialized(shape);
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        int chunk = length * inner;
        for (int o = 0; o < outer; o++) src.Slice((o * n + start) * inner, chunk).CopyTo(dst.Slice(o * chunk, chunk));
        return y;
    }

    /// <summary>The slice at <paramref name="index"/> along <paramref name="axis"/>, with that axis removed.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">The axis to index (negative counts from the end).</param>
    /// <param name="index">The position along the axis.</param>
    /// <returns>The slice, with one axis fewer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the axis.</exception>
    public static Tensor<T> Select<T>(this Tensor<T> x, int axis, int index) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, "Select");
        if ((uint)index >= (uint)x.Shape[ax])
            throw new ArgumentOutOfRangeException(nameof(index), $"Select: index {index} is out of range [0, {x.Shape[ax]}) on axis {axis} of {x.ShapeString}.");
        return x.Narrow(ax, index, 1).Squeeze(ax);
    }

    /// <summary>dst[..., start:start+len, ...] += src along <paramref name="axis"/>; the adjoint of <see cref="Narrow"/>.</summary>
    /// <param name="dst">The tensor added to.</param>
    /// <param name="axis">The axis of the slice (negative counts from the end).</param>
    /// <param name="start">The first index of the slice.</param>
    /// <param name="src">The values added, shaped like the slice.</param>
    /// <exception cref="ArgumentException">The source does not fit the destination.</exception>
    public static void AddToNarrow<T>(Tensor<T> dst, int axis, int start, Tensor<T> src) where T : unmanaged, INumber<T> =>
        IntoNarrow(dst, axis, start, src, accumulate: true, "AddToNarrow");

    /// <summary>
    /// dst's window at <paramref name="start"/> along <paramref name="axis"/> (=|+=) src, shaped like the window or like it
    /// with that axis removed: <see cref="AddToNarrow"/> when <paramref name="accumulate"/>, else the window is overwritten.
    /// </summary>
    internal static void WriteNarrow<T>(Tensor<T> dst, int axis, int start, Tensor<T> src, bool accumulate) where T : unmanaged, INumber<T> =>
        IntoNarrow(dst, axis, start, src, accumulate, "WriteNarrow");

    private static void IntoNarrow<T>(Tensor<T> dst, int axis, int start, Tensor<T> src, bool accumulate, string op) where T : unmanaged, INumber<T>
    {
        var (ax, length) = CheckSlice(dst, axis, start, src, op, "source");
        MoveWindow(dst, ax, start, length, src, intoWhole: true, accumulate);
    }

    /// <summary>
    /// Copies (or adds) between the window [start, start + length) of <paramref name="whole"/> along axis
    /// <paramref name="ax"/> and the contiguous <paramref name="slice"/> shaped like it: into the window when
    /// <paramref name="intoWhole"/>, out of it otherwise. The shapes are checked by the caller.
    /// </summary>
    private static void MoveWindow<T>(Tensor<T> whole, int ax, int start, int length, Tensor<T> slice, bool intoWhole, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        var (outer, n, inner) = AroundAxis(whole.Shape, ax);
        var w = whole.AsSpan();
        var s = slice.AsSpan();
        int chunk = length * inner;
        for (int o = 0; o < outer; o++)
        {
            var window = w.Slice((o * n + start) * inner, chunk);
            var part = s.Slice(o * chunk, chunk);
            Span<T> from = intoWhole ? part : window, to = intoWhole ? window : part;
            if (accumulate) TP.Add(to, from, to);
            else from.CopyTo(to);
        }
        (intoWhole ? whole : slice).MarkModified();
    }

    /// <summary>Zeros dst's window [start, start + length) along <paramref name="axis"/>.</summary>
    internal static void ClearNarrow<T>(Tensor<T> dst, int axis, int start, int length) where T : unmanaged, INumber<T>
    {
        int ax = CheckNarrow(dst, axis, start, length, "ClearNarrow");
        var (outer, n, inner) = AroundAxis(dst.Shape, ax);
        var d = dst.AsSpan();
        for (int o = 0; o < outer; o++) d.Slice((o * n + start) * inner, length * inner).Clear();
        dst.MarkModified();
    }

    /// <summary>
    /// dst = x's slice at <paramref name="start"/> along <paramref name="axis"/> (dst += it when
    /// <paramref name="accumulate"/>), where dst is shaped like <see cref="Narrow"/>'s result (the axis kept, its length
    /// dst's) or <see cref="Select"/>'s (the axis removed): the slice lands in dst without a tensor of its own. The
    /// gather twin of <see cref="AddToNarrow"/>; an op's backward uses it to hand each input its slice of the gradient.
    /// </summary>
    internal static void NarrowInto<T>(Tensor<T> x, int axis, int start, Tensor<T> dst, bool accumulate) where T : unmanaged, INumber<T>
    {
        var (ax, length) = CheckSlice(x, axis, start, dst, "NarrowInto", "destination");
        MoveWindow(x, ax, start, length, dst, intoWhole: false, accumulate);
    }

    /// <summary>
    /// Checks that <paramref name="slice"/> is shaped like a window of <paramref name="whole"/> at
    /// <paramref name="start"/> along <paramref name="axis"/>: the same rank (the window's length is its size there) or
    /// that axis removed (length 1), every other size equal. Returns the axis and the window's length.
    /// </summary>
    internal static (int Axis, int Length) CheckSlice<T>(Tensor<T> whole, int axis, int start, Tensor<T> slice, string op, string role)
        where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, whole.Rank, op);
        if (slice.Rank != whole.Rank && slice.Rank != whole.Rank - 1)
            throw new ArgumentException($"{op}: {role} {slice.ShapeString} does not fit {whole.ShapeString} on axis {axis}.");
        int length = slice.Rank == whole.Rank ? slice.Shape[ax] : 1;
        CheckNarrow(whole, ax, start, length, op);
        // The slice is the narrowed window (axis kept with size length) or the selected one (axis removed).
        bool fits = true;
        for (int i = 0, j = 0; fits && i < whole.Rank; i++)
        {
            if (i == ax && slice.Rank < whole.Rank) continue;
            fits = i == ax || slice.Shape[j] == whole.Shape[i];
            j++;
        }
        if (!fits)
            throw new ArgumentException($"{op}: {role} {slice.ShapeString} does not fit {whole.ShapeString} at axis {axis}.");
        return (ax, length);
    }

    /// <summary>Joins tensors along an existing axis; all other sizes must agree.</summary>
    /// <param name="xs">The tensors, in order (at least one).</param>
    /// <param name="axis">The axis to join along (negative counts from the end).</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The list is empty or the other sizes differ.</exception>
    public static Tensor<T> Concat<T>(IReadOnlyList<Tensor<T>> xs, int axis) where T : unmanaged, INumber<T>
    {
        if (xs.Count == 0) throw new ArgumentException("Concat: needs at least one tensor.");
        var first = xs[0];
        int ax = Shapes.Axis(axis, first.Rank, "Concat");
        int total = 0;
        foreach (var x in xs)
        {
            bool ok = x.Rank == first.Rank;
            for (int i = 0; ok && i < x.Rank; i++) ok = i == ax || x.Shape[i] == first.Shape[i];
            if (!ok) throw new ArgumentException($"Concat: shape {x.ShapeString} does not match {first.ShapeString} except on axis {axis}.");
            total += x.Shape[ax];
        }
        var shape = first.ShapeArray;
        shape[ax] = total;
        var y = Tensor<T>.Uninitialized(shape);
        var (outer, _, inner) = AroundAxis(shape, ax);
        var dst = y.AsSpan();
        int rowOut = total * inner, at = 0;
        foreach (var x in xs)
        {
            int chunk = x.Shape[ax] * inner;
            ReadOnlySpan<T> src = x.AsSpan();
            for (int o = 0; o < outer; o++) src.Slice(o * chunk, chunk).CopyTo(dst.Slice(o * rowOut + at, chunk));
            at += chunk;
        }
        return y;
    }

    /// <summary>Joins equally shaped tensors along a new axis.</summary>
    /// <param name="xs">The tensors, in order (at least one, all of one shape).</param>
    /// <param name="axis">Where the new axis goes.</param>
    /// <returns>A new tensor with one axis more.</returns>
    /// <exception cref="ArgumentException">The list is empty or the shapes differ.</exception>
    public static Tensor<T> Stack<T>(IReadOnlyList<Tensor<T>> xs, int axis) where T : unmanaged, INumber<T>
    {
        if (xs.Count == 0) throw new ArgumentException("Stack: needs at least one tensor.");
        foreach (var x in xs)
            if (!x.SameShape(xs[0])) throw new ArgumentException($"Stack: shape {x.ShapeString} differs from {xs[0].ShapeString}.");
        int ax = Shapes.Axis(axis, xs[0].Rank + 1, "Stack");
        return Concat(xs.Select(x => x.Unsqueeze(ax)).ToArray(), ax);
    }

    private static void CheckIndices(ReadOnlySpan<int> idx, int n, string op, string shape, int axis)
    {
        for (int i = 0; i < idx.Length; i++)
            if ((uint)idx[i] >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(idx), $"{op}: index {idx[i]} (at flat position {i}) is out of range [0, {n}) for axis {axis} of {shape}.");
    }

    /// <summary>
    /// Gathers slices along <paramref name="axis"/> by integer <paramref name="indices"/> (as <c>torch.index_select</c>
    /// generalised to any index shape, i.e. numpy's <c>take</c>): the result has shape
    /// x.shape[:axis] + indices.shape + x.shape[axis+1:]. Embedding lookup is <c>W.IndexSelect(0, ids)</c>.
    /// </summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">The axis to gather along (negative counts from the end).</param>
    /// <param name="indices">Positions along the axis, any shape.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the axis.</exception>
    public static Tensor<T> IndexSelect<T>(this Tensor<T> x, int axis, Tensor<int> indices) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, "IndexSelect");
        var (outer, n, inner) = AroundAxis(x.Shape, ax);
        ReadOnlySpan<int> idx = indices.AsSpan();
        CheckIndices(idx, n, "IndexSelect", x.ShapeString, axis);
        var shape = x.Shape[..ax].ToArray().Concat(indices.ShapeArray).Concat(x.Shape[(ax + 1)..].ToArray()).ToArray();
        var y = Tensor<T>.Uninitialized(shape);
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        for (int o = 0; o < outer; o++)
            for (int k = 0; k < idx.Length; k++)
                src.Slice((o * n + idx[k]) * inner, inner).CopyTo(dst.Slice((o * idx.Length + k) * inner, inner));
        return y;
    }

    /// <summary>
    /// The adjoint of <see cref="IndexSelect"/>: dst[.., indices[k], ..] += src[.., k, ..] along <paramref name="axis"/>.
    /// Duplicate indices accumulate (numpy's <c>np.add.at</c>). Indices are checked before anything is written.
    /// </summary>
    /// <param name="dst">The tensor added to.</param>
    /// <param name="axis">The axis the indices address (negative counts from the end).</param>
    /// <param name="indices">Positions along the axis, any shape.</param>
    /// <param name="src">The values added, shaped as <see cref="IndexSelect"/> would return.</param>
    /// <exception cref="ArgumentException">The shapes do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the axis; nothing is written.</exception>
    public static void IndexAdd<T>(Tensor<T> dst, int axis, Tensor<int> indices, Tensor<T> src) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, dst.Rank, "IndexAdd");
        var (outer, n, inner) = AroundAxis(dst.Shape, ax);
        ReadOnlySpan<int> idx = indices.AsSpan();
        CheckIndices(idx, n, "IndexAdd", dst.ShapeString, axis);
        if (!src.HasShape([.. dst.Shape[..ax], .. indices.Shape, .. dst.Shape[(ax + 1)..]]))
            throw new ArgumentException($"IndexAdd: source {src.ShapeString} does not match destination {dst.ShapeString} with indices {indices.ShapeString} on axis {axis}.");
        var d = dst.AsSpan();
        ReadOnlySpan<T> s = src.AsSpan();
        for (int o = 0; o < outer; o++)
            for (int k = 0; k < idx.Length; k++)
            {
                var row = d.Slice((o * n + idx[k]) * inner, inner);
                TP.Add(row, s.Slice((o * idx.Length + k) * inner, inner), row);
            }
        dst.MarkModified();
    }
}
