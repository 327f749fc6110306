using System.Buffers;
using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch;

public static partial class Tensor
{
    /// <summary>Splits a shape around <paramref name="axis"/> into (outer, n, inner) counts.</summary>
    internal static (int outer, int n, int inner) AroundAxis(ReadOnlySpan<int> shape, int axis) =>
        (Shapes.Prod(shape, 0, axis), shape[axis], Shapes.Prod(shape, axis + 1, shape.Length));

    private static int[] ReducedShape(ReadOnlySpan<int> shape, int axis, bool keepDim)
    {
        var list = shape.ToArray().ToList();
        if (keepDim) list[axis] = 1; else list.RemoveAt(axis);
        return list.ToArray();
    }

    /// <summary>Sum of all elements.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>The sum (0 for an empty tensor).</returns>
    public static T SumAll<T>(this Tensor<T> x) where T : unmanaged, INumber<T> => TP.Sum<T>(x.AsSpan());

    /// <summary>Sum over <paramref name="axis"/>; the axis is kept with size 1 when <paramref name="keepDim"/>.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">The axis to reduce, or negative to count from the end.</param>
    /// <param name="keepDim">Whether the reduced axis stays, with size 1 (as PyTorch's <c>keepdim</c>).</param>
    /// <returns>A new tensor without that axis (or with size 1 there).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-Rank, Rank).</exception>
    public static Tensor<T> Sum<T>(this Tensor<T> x, int axis, bool keepDim = false) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, "Sum");
        var (outer, n, inner) = AroundAxis(x.Shape, ax);
        var y = new Tensor<T>(ReducedShape(x.Shape, ax, keepDim));
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1) { dst[o] = TP.Sum(src.Slice(o * n, n)); continue; }
            var row = dst.Slice(o * inner, inner);
            for (int k = 0; k < n; k++) TP.Add(row, src.Slice((o * n + k) * inner, inner), row);
        }
        return y;
    }

    /// <summary>Mean of all elements.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>The mean.</returns>
    /// <exception cref="InvalidOperationException">The tensor is empty.</exception>
    public static T MeanAll<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length == 0) throw new InvalidOperationException("MeanAll: the tensor is empty.");
        return x.SumAll() / T.CreateChecked(x.Length);
    }

    /// <summary>Mean over <paramref name="axis"/>.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">The axis to reduce, or negative to count from the end.</param>
    /// <param name="keepDim">Whether the reduced axis stays, with size 1 (as PyTorch's <c>keepdim</c>).</param>
    /// <returns>A new tensor without that axis (or with size 1 there).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-Rank, Rank).</exception>
    /// <exception cref="InvalidOperationException">The axis is empty.</exception>
    public static Tensor<T> Mean<T>(this Tensor<T> x, int axis, bool keepDim = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Shape[Shapes.Axis(axis, x.Rank, "Mean")];
        var s = x.Sum(axis, keepDim);
        if (n == 0) throw new InvalidOperationException($"Mean: axis {axis} of {x.ShapeString} is empty.");
        TP.Divide<T>(s.AsSpan(), T.CreateChecked(n), s.AsSpan());
        return s;
    }

    /// <summary>Largest element.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>The largest element.</returns>
    /// <exception cref="InvalidOperationException">The tensor is empty.</exception>
    public static T MaxAll<T>(this Tensor<T> x) where T : unmanaged, INumber<T>
    {
        if (x.Length == 0) throw new InvalidOperationException("MaxAll: the tensor is empty.");
        return TP.Max<T>(x.AsSpan());
    }

    /// <summary>Maximum over <paramref name="axis"/>.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">The axis to reduce, or negative to count from the end.</param>
    /// <param name="keepDim">Whether the reduced axis stays, with size 1 (as PyTorch's <c>keepdim</c>).</param>
    /// <returns>A new tensor without that axis (or with size 1 there).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-Rank, Rank).</exception>
    /// <exception cref="InvalidOperationException">The axis is empty.</exception>
    public static Tensor<T> Max<T>(this Tensor<T> x, int axis, bool keepDim = false) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, "Max");
        var (outer, n, inner) = AroundAxis(x.Shape, ax);
        if (n == 0) throw new InvalidOperationException($"Max: axis {axis} of {x.ShapeString} is empty.");
        var y = new Tensor<T>(ReducedShape(x.Shape, ax, keepDim));
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1) { dst[o] = TP.Max(src.Slice(o * n, n)); continue; }
            var row = dst.Slice(o * inner, inner);
            src.Slice(o * n * inner, inner).CopyTo(row);
            for (int k = 1; k < n; k++) TP.Max(row, src.Slice((o * n + k) * inner, inner), row);
        }
        return y;
    }

    /// <summary>Index of the maximum over <paramref name="axis"/> (the first one on ties).</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="axis">The axis to reduce, or negative to count from the end.</param>
    /// <param name="keepDim">Whether the reduced axis stays, with size 1 (as PyTorch's <c>keepdim</c>).</param>
    /// <returns>A new int tensor of indices along the axis.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-Rank, Rank).</exception>
    /// <exception cref="InvalidOperationException">The axis is empty.</exception>
    public static Tensor<int> ArgMax<T>(this Tensor<T> x, int axis, bool keepDim = false) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, "ArgMax");
        var (outer, n, inner) = AroundAxis(x.Shape, ax);
        if (n == 0) throw new InvalidOperationException($"ArgMax: axis {axis} of {x.ShapeString} is empty.");
        var y = new Tensor<int>(ReducedShape(x.Shape, ax, keepDim));
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0; T bv = src[o * n * inner + i];
                for (int k = 1; k < n; k++)
                {
                    T v = src[(o * n + k) * inner + i];
                    if (v > bv) { bv = v; best = k; }
                }
                dst[o * inner + i] = best;
            }
        return y;
    }

    /// <summary>Smallest element (NaN if any element is NaN).</summary>
    /// <param name="x">A non-empty tensor.</param>
    /// <returns>The minimum.</returns>
    /// <exception cref="InvalidOperationException">The tensor is empty.</exception>
    public static T MinAll<T>(this Tensor<T> x) where T : unmanaged, INumber<T>
    {
        if (x.Length == 0) throw new InvalidOperationException("MinAll: the tensor is empty.");
        return TP.Min<T>(x.AsSpan());
    }

    /// <summary>
    /// <c>torch.max(x, dim)</c>: the maximum over <paramref name="axis"/> and its position. On ties the first position
    /// wins; a NaN counts as larger than everything (the first NaN wins), so NaN propagates as in PyTorch.
    /// </summary>
    /// <param name="x">The tensor to reduce.</param>
    /// <param name="axis">The axis reduced (negative counts from the end; it must not be empty).</param>
    /// <param name="keepDim">Keep the axis with size 1.</param>
    /// <returns>The values and the int32 indices, both of the reduced shape.</returns>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    /// <exception cref="InvalidOperationException">The axis is empty.</exception>
    public static (Tensor<T> Values, Tensor<int> Indices) MaxWithIndices<T>(this Tensor<T> x, int axis, bool keepDim = false) where T : unmanaged, INumber<T> =>
        Extremum(x, axis, keepDim, max: true, "Max");

    /// <summary>
    /// <c>torch.min(x, dim)</c>: the minimum over <paramref name="axis"/> and its position (first on ties; NaN wins
    /// and propagates, as in PyTorch).
    /// </summary>
    /// <param name="x">The tensor to reduce.</param>
    /// <param name="axis">The axis reduced (negative counts from the end; it must not be empty).</param>
    /// <param name="keepDim">Keep the axis with size 1.</param>
    /// <returns>The values and the int32 indices, both of the reduced shape.</returns>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    /// <exception cref="InvalidOperationException">The axis is empty.</exception>
    public static (Tensor<T> Values, Tensor<int> Indices) MinWithIndices<T>(this Tensor<T> x, int axis, bool keepDim = false) where T : unmanaged, INumber<T> =>
        Extremum(x, axis, keepDim, max: false, "Min");

    private static (Tensor<T>, Tensor<int>) Extremum<T>(Tensor<T> x, int axis, bool keepDim, bool max, string op) where T : unmanaged, INumber<T>
    {
        int ax = Shapes.Axis(axis, x.Rank, op);
        var (outer, n, inner) = AroundAxis(x.Shape, ax);
        if (n == 0) throw new InvalidOperationException($"{op}: axis {axis} of {x.ShapeString} is empty.");
        var shape = ReducedShape(x.Shape, ax, keepDim);
        var values = new Tensor<T>(shape);
        var indices = new Tensor<int>(shape);
        ReadOnlySpan<T> src = x.AsSpan();
        Span<T> dv = values.AsSpan();
        Span<int> di = indices.AsSpan();
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                T bv = src[o * n * inner + i];
                for (int k = 1; k < n && !T.IsNaN(bv); k++)
                {
                    T v = src[(o * n + k) * inner + i];
                    if (T.IsNaN(v) || (max ? v > bv : v < bv)) { bv = v; best = k; }
                }
                dv[o * inner + i] = bv;
                di[o * inner + i] = best;
            }
        return (values, indices);
    }

    /// <summary>Softmax over the last axis, computed as exp(x - max) / sum so large logits do not overflow.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    /// <exception cref="ArgumentException">The tensor has rank 0.</exception>
    public static Tensor<T> Softmax<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0) throw new ArgumentException("Softmax: needs at least one axis.");
        var y = new Tensor<T>(x.ShapeArray);
        int n = x.Dim(-1);
        if (n == 0) return y;
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        for (int o = 0; o < x.Length / n; o++)
        {
            var row = dst.Slice(o * n, n);
            var xin = src.Slice(o * n, n);
            TP.Subtract(xin, TP.Max(xin), row);
            SpanMath.Exp<T>(row, row);
            TP.Divide(row, TP.Sum<T>(row), row);
        }
        return y;
    }

    /// <summary>log(softmax(x)) over the last axis, computed as x - max - log(sum(exp(x - max))).</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    /// <exception cref="ArgumentException">The tensor has rank 0.</exception>
    public static Tensor<T> LogSoftmax<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0) throw new ArgumentException("LogSoftmax: needs at least one axis.");
        var y = new Tensor<T>(x.ShapeArray);
        int n = x.Dim(-1);
        if (n == 0) return y;
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        T[] scratch = ArrayPool<T>.Shared.Rent(n);
        var tmp = scratch.AsSpan(0, n);
        for (int o = 0; o < x.Length / n; o++)
        {
            var row = dst.Slice(o * n, n);
            var xin = src.Slice(o * n, n);
            TP.Subtract(xin, TP.Max(xin), row);
            SpanMath.Exp<T>(row, tmp);
            TP.Subtract(row, T.Log(TP.Sum<T>(tmp)), row);
        }
        ArrayPool<T>.Shared.Return(scratch);
        return y;
    }

    /// <summary>
    /// Sums <paramref name="x"/> down to <paramref name="shape"/>, the adjoint of broadcasting <paramref name="shape"/>
    /// up to x's shape: leading axes are summed away, axes of size 1 in <paramref name="shape"/> are summed with keepdim.
    /// Returns x itself when the shapes already match.
    /// </summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="shape">The shape <paramref name="x"/> was broadcast from.</param>
    /// <returns>A new tensor of that shape.</returns>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not a broadcast of the shape.</exception>
    public static Tensor<T> SumToShape<T>(this Tensor<T> x, ReadOnlySpan<int> shape) where T : unmanaged, INumber<T>
    {
        if (x.HasShape(shape)) return x;
        var full = Shapes.Broadcast(shape, x.Shape, "SumToShape");
        if (!x.HasShape(full))
            throw new ArgumentException($"SumToShape: {x.ShapeString} is not a broadcast of {Shapes.Str(shape)}.");
        var y = new Tensor<T>(shape.ToArray());
        var st = Shapes.BroadcastStrides(shape, x.Shape);
        ReadOnlySpan<T> src = x.AsSpan();
        var dst = y.AsSpan();
        if (x.Length == 0) return y;
        // Coalesce axes where both x (contiguous) and y (broadcast strides) run on.
        var dims = new List<(int n, int sx, int sy)>();
        int sx = x.Length;
        for (int i = 0; i < x.Rank; i++)
        {
            int n = x.Shape[i];
            sx /= Math.Max(n, 1);
            if (n == 1) continue;
            if (dims.Count > 0 && dims[^1].sx == sx * n && dims[^1].sy == st[i] * n) dims[^1] = (dims[^1].n * n, sx, st[i]);
            else dims.Add((n, sx, st[i]));
        }
        if (dims.Count == 0) dims.Add((1, 1, 0));
        var (inner, _, iy) = dims[^1];
        int outer = x.Length / inner, rank = dims.Count - 1, oy = 0;
        Span<int> idx = stackalloc int[Math.Max(rank, 1)];
        idx.Clear();
        for (int o = 0; o < outer; o++)
        {
            var row = src.Slice(o * inner, inner);
            if (iy != 0) TP.Add(dst.Slice(oy, inner), row, dst.Slice(oy, inner));
            else dst[oy] += TP.Sum(row);
            for (int d = rank - 1; d >= 0; d--)
            {
                oy += dims[d].sy;
                if (++idx[d] < dims[d].n) break;
                idx[d] = 0; oy -= dims[d].sy * dims[d].n;
            }
        }
        return y;
    }
}
