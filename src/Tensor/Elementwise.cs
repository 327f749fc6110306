using System.Numerics;
using System.Runtime.Intrinsics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch;

/// <summary>A binary elementwise kernel on contiguous spans (span-span, span-scalar, scalar-span).</summary>
internal interface IBinaryKernel<T>
{
    static abstract void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d);
    static abstract void Apply(ReadOnlySpan<T> x, T y, Span<T> d);
    static abstract void Apply(T x, ReadOnlySpan<T> y, Span<T> d);
}

internal readonly struct AddKernel<T> : IBinaryKernel<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Add(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Add(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Add(y, x, d);
}

internal readonly struct SubKernel<T> : IBinaryKernel<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Subtract(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Subtract(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Subtract(x, y, d);
}

internal readonly struct MulKernel<T> : IBinaryKernel<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Multiply(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Multiply(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Multiply(y, x, d);
}

internal readonly struct DivKernel<T> : IBinaryKernel<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Divide(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Divide(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Divide(x, y, d);
}

internal readonly struct MaxKernel<T> : IBinaryKernel<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Max(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Max(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Max(y, x, d);
}

internal readonly struct MinKernel<T> : IBinaryKernel<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Min(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Min(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Min(y, x, d);
}

internal readonly struct GreaterKernel<T> : IBinaryKernel<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] > y[i] ? T.One : T.Zero; }
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] > y ? T.One : T.Zero; }
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = x > y[i] ? T.One : T.Zero; }
}

public sealed partial class Tensor<T>
{
    /// <summary>Elementwise sum with numpy broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Tensor<T> operator +(Tensor<T> a, Tensor<T> b) => Tensor.Broadcast<T, AddKernel<T>>(a, b, "Add");
    /// <summary>Elementwise difference with numpy broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Tensor<T> operator -(Tensor<T> a, Tensor<T> b) => Tensor.Broadcast<T, SubKernel<T>>(a, b, "Sub");
    /// <summary>Elementwise product with numpy broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) => Tensor.Broadcast<T, MulKernel<T>>(a, b, "Mul");
    /// <summary>Elementwise quotient with numpy broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Tensor<T> operator /(Tensor<T> a, Tensor<T> b) => Tensor.Broadcast<T, DivKernel<T>>(a, b, "Div");
    /// <summary>Adds a scalar to every element.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">The scalar.</param>
    /// <returns>A new tensor of the shape of <paramref name="a"/>.</returns>
    public static Tensor<T> operator +(Tensor<T> a, T b) => Tensor.WithScalar<T, AddKernel<T>>(a, b);
    /// <summary>Subtracts a scalar from every element.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">The scalar.</param>
    /// <returns>A new tensor of the shape of <paramref name="a"/>.</returns>
    public static Tensor<T> operator -(Tensor<T> a, T b) => Tensor.WithScalar<T, SubKernel<T>>(a, b);
    /// <summary>Multiplies every element by a scalar.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">The scalar.</param>
    /// <returns>A new tensor of the shape of <paramref name="a"/>.</returns>
    public static Tensor<T> operator *(Tensor<T> a, T b) => Tensor.WithScalar<T, MulKernel<T>>(a, b);
    /// <summary>Multiplies every element by a scalar.</summary>
    /// <param name="a">The scalar.</param>
    /// <param name="b">The tensor.</param>
    /// <returns>A new tensor of the shape of <paramref name="b"/>.</returns>
    public static Tensor<T> operator *(T a, Tensor<T> b) => Tensor.WithScalar<T, MulKernel<T>>(b, a);
    /// <summary>A scalar minus every element.</summary>
    /// <param name="a">The scalar.</param>
    /// <param name="b">The tensor.</param>
    /// <returns>A new tensor of the shape of <paramref name="b"/>.</returns>
    public static Tensor<T> operator -(T a, Tensor<T> b) { var y = Uninitialized(b.ShapeArray); SubKernel<T>.Apply(a, b.AsSpan(), y.AsSpan()); return y; }
    /// <summary>Divides every element by a scalar.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">The scalar.</param>
    /// <returns>A new tensor of the shape of <paramref name="a"/>.</returns>
    public static Tensor<T> operator /(Tensor<T> a, T b) => Tensor.WithScalar<T, DivKernel<T>>(a, b);
    /// <summary>Elementwise negation.</summary>
    /// <param name="a">The tensor.</param>
    /// <returns>A new tensor of the shape of <paramref name="a"/>.</returns>
    public static Tensor<T> operator -(Tensor<T> a) { var y = Uninitialized(a.ShapeArray); TP.Negate(a.AsSpan(), y.AsSpan()); return y; }
}

public static partial class Tensor
{
    internal static Tensor<T> WithScalar<T, TK>(Tensor<T> a, T b) where T : unmanaged, INumber<T> where TK : IBinaryKernel<T>
    {
        var y = Tensor<T>.Uninitialized(a.ShapeArray);
        TK.Apply(a.AsSpan(), b, y.AsSpan());
        return y;
    }

    /// <summary>
    /// Applies a binary kernel with numpy broadcasting. Adjacent axes that are contiguous in both operands are merged,
    /// so the innermost loop is one long span call (span-span, span-scalar or scalar-span).
    /// </summary>
    internal static Tensor<T> Broadcast<T, TK>(Tensor<T> a, Tensor<T> b, string op) where T : unmanaged, INumber<T> where TK : IBinaryKernel<T>
    {
        if (a.SameShape(b))
        {
            var same = Tensor<T>.Uninitialized(a.ShapeArray);
            TK.Apply(a.AsSpan(), b.AsSpan(), same.AsSpan());
            return same;
        }
        var outShape = Shapes.Broadcast(a.Shape, b.Shape, op);
        var y = Tensor<T>.Uninitialized(outShape);
        BroadcastInto<T, TK>(a, b, y);
        return y;
    }

    internal static void BroadcastInto<T, TK>(Tensor<T> a, Tensor<T> b, Tensor<T> y) where T : unmanaged, INumber<T> where TK : IBinaryKernel<T>
    {
        var outShape = y.Shape;
        if (y.Length == 0) return;
        var sa = Shapes.BroadcastStrides(a.Shape, outShape);
        var sb = Shapes.BroadcastStrides(b.Shape, outShape);
        // Coalesce axes: merge axis i into i+1 when both operands step through them as one run.
        var dims = new List<(int n, int sa, int sb)>();
        for (int i = 0; i < outShape.Length; i++)
        {
            if (outShape[i] == 1) continue;
            if (dims.Count > 0)
            {
                var last = dims[^1];
                if (last.sa == sa[i] * outShape[i] && last.sb == sb[i] * outShape[i])
                {
                    dims[^1] = (last.n * outShape[i], sa[i], sb[i]);
                    continue;
                }
            }
            dims.Add((outShape[i], sa[i], sb[i]));
        }
        if (dims.Count == 0) dims.Add((1, 0, 0));
        var (inner, ia, ib) = dims[^1];
        ReadOnlySpan<T> A = a.AsSpan(), B = b.AsSpan();
        Span<T> Y = y.AsSpan();
        int outer = y.Length / inner, rank = dims.Count - 1;
        Span<int> idx = stackalloc int[Math.Max(rank, 1)];
        idx.Clear();
        int oa = 0, ob = 0;
        for (int o = 0; o < outer; o++)
        {
            var dst = Y.Slice(o * inner, inner);
            if (ia != 0 && ib != 0) TK.Apply(A.Slice(oa, inner), B.Slice(ob, inner), dst);
            else if (ia != 0) TK.Apply(A.Slice(oa, inner), B[ob], dst);
            else if (ib != 0) TK.Apply(A[oa], B.Slice(ob, inner), dst);
            else { TK.Apply(A.Slice(oa, 1), B[ob], dst[..1]); dst.Fill(dst[0]); }
            // Odometer over the outer axes (no recursion).
            for (int d = rank - 1; d >= 0; d--)
            {
                var (n, sda, sdb) = dims[d];
                oa += sda; ob += sdb;
                if (++idx[d] < n) break;
                idx[d] = 0; oa -= sda * n; ob -= sdb * n;
            }
        }
    }

    /// <summary>Elementwise maximum with broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Tensor<T> Maximum<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, INumber<T> => Broadcast<T, MaxKernel<T>>(a, b, "Maximum");

    /// <summary>Elementwise minimum with broadcasting (<c>torch.minimum</c>; NaN propagates).</summary>
    /// <param name="a">First operand.</param>
    /// <param name="b">Second operand (broadcasts with <paramref name="a"/>).</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor<T> Minimum<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, INumber<T> => Broadcast<T, MinKernel<T>>(a, b, "Minimum");

    /// <summary>1 where a &gt; b, else 0 (broadcasting).</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Tensor<T> Greater<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, INumber<T> => Broadcast<T, GreaterKernel<T>>(a, b, "Greater");

    /// <summary>dst += src (same element count), in place.</summary>
    /// <param name="dst">The tensor added to.</param>
    /// <param name="src">The tensor added.</param>
    /// <exception cref="ArgumentException">The shapes differ; nothing is written.</exception>
    public static void AddInPlace<T>(Tensor<T> dst, Tensor<T> src) where T : unmanaged, INumber<T>
    {
        if (dst.Length != src.Length)
            throw new ArgumentException($"AddInPlace: shapes {dst.ShapeString} and {src.ShapeString} differ.");
        TP.Add(dst.AsSpan(), src.AsSpan(), dst.AsSpan());
        dst.MarkModified();
    }

    /// <summary>dst += alpha * src (same element count), in place.</summary>
    /// <param name="dst">The tensor added to.</param>
    /// <param name="src">The tensor scaled and added.</param>
    /// <param name="alpha">The scale of <paramref name="src"/>.</param>
    /// <exception cref="ArgumentException">The shapes differ; nothing is written.</exception>
    public static void AddScaledInPlace<T>(Tensor<T> dst, Tensor<T> src, T alpha) where T : unmanaged, INumber<T>
    {
        if (dst.Length != src.Length)
            throw new ArgumentException($"AddScaledInPlace: shapes {dst.ShapeString} and {src.ShapeString} differ.");
        TP.MultiplyAdd(src.AsSpan(), alpha, dst.AsSpan(), dst.AsSpan());
        dst.MarkModified();
    }

    private static Tensor<T> Like<T>(Tensor<T> x) where T : unmanaged, INumber<T> => Tensor<T>.Uninitialized(x.ShapeArray); // every caller writes all of it

    /// <summary>e^x.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Exp<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var y = Like(x); SpanMath.Exp<T>(x.AsSpan(), y.AsSpan()); return y; }
    /// <summary>Natural logarithm.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Log<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var y = Like(x); TP.Log<T>(x.AsSpan(), y.AsSpan()); return y; }
    /// <summary>Hyperbolic tangent.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Tanh<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var y = Like(x); SpanMath.Tanh<T>(x.AsSpan(), y.AsSpan()); return y; }
    /// <summary>Logistic sigmoid 1/(1+e^-x); saturates to exactly 0 or 1 without overflow for large |x|.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Sigmoid<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Like(x);
        SpanMath.Sigmoid<T>(x.AsSpan(), y.AsSpan());
        return y;
    }
    /// <summary>max(x, 0).</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Relu<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var y = Like(x); TP.Max<T>(x.AsSpan(), T.Zero, y.AsSpan()); return y; }
    /// <summary>x².</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Square<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var y = Like(x); TP.Multiply<T>(x.AsSpan(), x.AsSpan(), y.AsSpan()); return y; }
    /// <summary>Square root.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Sqrt<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var y = Like(x); TP.Sqrt<T>(x.AsSpan(), y.AsSpan()); return y; }
    /// <summary>Absolute value.</summary>
    /// <param name="x">The input tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Abs<T>(this Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var y = Like(x); TP.Abs<T>(x.AsSpan(), y.AsSpan()); return y; }
    /// <summary>x to the power <paramref name="exponent"/>.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="exponent">The power.</param>
    /// <returns>A new tensor of the same shape.</returns>
    public static Tensor<T> Pow<T>(this Tensor<T> x, T exponent) where T : unmanaged, IFloatingPointIeee754<T> { var y = Like(x); TP.Pow<T>(x.AsSpan(), exponent, y.AsSpan()); return y; }
}

internal readonly struct RightKernel<T> : IBinaryKernel<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => y.CopyTo(d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => d.Fill(y);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => y.CopyTo(d);
}

public static partial class Tensor
{
    /// <summary>A copy of <paramref name="x"/> broadcast (numpy rules) up to <paramref name="shape"/>.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="shape">The target shape.</param>
    /// <returns>A new tensor of that shape.</returns>
    /// <exception cref="ArgumentException">The tensor cannot be broadcast to the shape.</exception>
    public static Tensor<T> BroadcastTo<T>(this Tensor<T> x, params int[] shape) where T : unmanaged, INumber<T>
    {
        var full = Shapes.Broadcast(x.Shape, shape, "BroadcastTo");
        if (!full.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"BroadcastTo: {x.ShapeString} cannot be broadcast to {Shapes.Str(shape)}.");
        var y = Tensor<T>.Uninitialized(full);
        BroadcastInto<T, RightKernel<T>>(y, x, y); // RightKernel ignores y's (unwritten) values
        return y;
    }
}

/// <summary>Span kernels shared by tensor ops and fused autograd ops.</summary>
public static class SpanMath
{
    // float goes through TensorPrimitives' float overloads: measured here (System.Numerics.Tensors 11.0), the generic
    // overloads instantiated for float run 3-5x slower (Tanh on 4096 floats: 14.7 µs generic, 2.9 µs float).
    private static ReadOnlySpan<float> F<T>(ReadOnlySpan<T> s) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(s);
    private static Span<float> F<T>(Span<T> s) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(s);

    /// <summary>σ(x) = 1/(1+e^-x) elementwise; saturates to exactly 0 or 1 for large |x| without overflow.</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="y">Receives the results (same length; may be <paramref name="x"/> itself).</param>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length == 0) return; // TensorPrimitives.Sigmoid rejects empty spans
        if (typeof(T) == typeof(float)) TP.Sigmoid(F(x), F(y));
        else TP.Sigmoid(x, y);
    }

    /// <summary>
    /// tanh x elementwise, within a few units in the last place everywhere. TensorPrimitives.Tanh loses relative
    /// accuracy as |x| goes to 0 (measured, System.Numerics.Tensors 11.0: 55 ulp at |x| = 0.01-0.06, thousands below
    /// 0.01, tanh(0f) = -6e-8); so |x| &lt; 1/4 gets tanh's Taylor series instead, odd terms up to x²¹ (the first left
    /// out is below 1e-18 relative there). float with Vector512 or Vector256 runs this library's own one-pass kernel
    /// (within 2 ulps of the correctly rounded value), faster than TensorPrimitives.Tanh and the fix-up.
    /// </summary>
    /// <param name="x">The inputs.</param>
    /// <param name="y">Receives the results (same length; may be <paramref name="x"/> itself).</param>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length != x.Length) throw new ArgumentException($"Tanh: {x.Length} inputs but room for {y.Length} results.", nameof(y));
        if (typeof(T) == typeof(float) && TanhSingle.Applies && (!x.Overlaps(y, out int shift) || shift == 0))
        {
            TanhSingle.Run(F(x), F(y));
            return;
        }
        const int Block = 256; // in place, each block's inputs are kept for the fix-up
        bool inPlace = x.Overlaps(y);
        Span<T> keep = inPlace ? stackalloc T[Math.Min(Block, x.Length)] : default;
        for (int i = 0; i < x.Length; i += inPlace ? Block : x.Length)
        {
            int n = inPlace ? Math.Min(Block, x.Length - i) : x.Length;
            scoped ReadOnlySpan<T> xs = x.Slice(i, n);
            if (inPlace) { xs.CopyTo(keep); xs = keep[..n]; }
            var ys = y.Slice(i, n);
            if (typeof(T) == typeof(float)) TP.Tanh(F(xs), F(ys));
            else TP.Tanh(xs, ys);
            TanhNearZero(xs, ys);
        }
    }

    /// <summary>Overwrites y[i] with tanh's series wherever |x[i]| &lt; 1/4 (a vector at a time; vectors with no such lane are skipped).</summary>
    private static void TanhNearZero<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lim = Vector512.Create(TanhSeries<T>.Limit);
            for (; i + Vector512<T>.Count <= x.Length; i += Vector512<T>.Count)
            {
                var v = Vector512.Create<T>(x[i..]);
                var small = Vector512.LessThan(Vector512.Abs(v), lim);
                if (small == Vector512<T>.Zero) continue;
                Vector512.ConditionalSelect(small, TanhSeries<T>.Of(v), Vector512.Create<T>(y[i..])).CopyTo(y[i..]);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var lim = Vector256.Create(TanhSeries<T>.Limit);
            for (; i + Vector256<T>.Count <= x.Length; i += Vector256<T>.Count)
            {
                var v = Vector256.Create<T>(x[i..]);
                var small = Vector256.LessThan(Vector256.Abs(v), lim);
                if (small == Vector256<T>.Zero) continue;
                Vector256.ConditionalSelect(small, TanhSeries<T>.Of(v), Vector256.Create<T>(y[i..])).CopyTo(y[i..]);
            }
        }
        for (; i < x.Length; i++)
            if (T.Abs(x[i]) < TanhSeries<T>.Limit) y[i] = TanhSeries<T>.Of(x[i]);
    }

    /// <summary>Whether float tanh runs this library's one-pass kernel (Vector512 or Vector256) rather than TensorPrimitives and the fix-up.</summary>
    internal static bool FloatTanhIsOwnKernel => TanhSingle.Applies;

    /// <summary>
    /// float tanh in one vectorised pass (Vector512, or Vector256): for |x| &lt; 1/4 the odd series to x¹³ (the first term
    /// left out is below 1e-9 relative there), otherwise tanh |x| = -m / (2 + m) with m = e^(-2|x|) - 1 from a Cody-Waite
    /// reduction (-2|x| = n·ln 2 + r, |r| ≤ ln 2 / 2) and expm1(r) to r⁸, then 2ⁿ·expm1(r) + (2ⁿ - 1); the sign put
    /// back, NaN kept. The two widths run the same operations, and the last partial vector is computed in a padded copy,
    /// so an element's value does not depend on where it sits in the span (the eager op and the fusion compiler's
    /// chunks get the same bits). Measured with the benchmark program (`bdn --filter *Tanh1M*`: tanh of 1M floats into
    /// a new tensor, an AVX-512 Xeon, one sitting): mean 4.33 ms with TensorPrimitives.Tanh and the near-zero fix-up,
    /// 2.88-2.91 ms (median 2.74-2.78) with this pass; within 2 ulps of the correctly rounded value (28 million floats
    /// from 1e-6 to 12, every 7th bit pattern).
    /// </summary>
    private static class TanhSingle
    {
        /// <summary>Whether this path runs: Vector512 or Vector256 accelerated.</summary>
        public static readonly bool Applies = Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated;

        private const float C3 = -1f / 3, C5 = 2f / 15, C7 = -17f / 315, C9 = 62f / 2835, C11 = -1382f / 155925, C13 = 21844f / 6081075;
        private const float Log2E = 1.44269504f, Ln2Hi = 0.693145751953125f, Ln2Lo = 1.42860677e-6f, Floor = -40f;
        private const float E2 = 0.5f, E3 = 1f / 6, E4 = 1f / 24, E5 = 1f / 120, E6 = 1f / 720, E7 = 1f / 5040, E8 = 1f / 40320;

        public static void Run(ReadOnlySpan<float> x, Span<float> y)
        {
            int w = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count, i = 0;
            for (; i + w <= x.Length; i += w) Block(x[i..], y[i..]);
            if (i == x.Length) return;
            Span<float> pad = stackalloc float[Vector512<float>.Count];
            pad.Clear();
            x[i..].CopyTo(pad);
            Block(pad, pad);
            pad[..(x.Length - i)].CopyTo(y[i..]);
        }

        private static void Block(ReadOnlySpan<float> x, Span<float> y)
        {
            if (Vector512.IsHardwareAccelerated) Of(Vector512.Create(x)).CopyTo(y);
            else Of(Vector256.Create(x)).CopyTo(y);
        }

        private static Vector512<float> Of(Vector512<float> x)
        {
            var a = Vector512.Abs(x);
            var z = a * a;
            var poly = Vector512.FusedMultiplyAdd(z, Vector512.Create(C13), Vector512.Create(C11));
            poly = Vector512.FusedMultiplyAdd(z, poly, Vector512.Create(C9));
            poly = Vector512.FusedMultiplyAdd(z, poly, Vector512.Create(C7));
            poly = Vector512.FusedMultiplyAdd(z, poly, Vector512.Create(C5));
            poly = Vector512.FusedMultiplyAdd(z, poly, Vector512.Create(C3));
            var small = Vector512.FusedMultiplyAdd(a * z, poly, a);
            var q = Vector512.MaxNative(Vector512.Create(-2f) * a, Vector512.Create(Floor));
            var n = Vector512.Round(q * Vector512.Create(Log2E));
            var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), q);
            r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
            var p = Vector512.FusedMultiplyAdd(r, Vector512.Create(E8), Vector512.Create(E7));
            p = Vector512.FusedMultiplyAdd(r, p, Vector512.Create(E6));
            p = Vector512.FusedMultiplyAdd(r, p, Vector512.Create(E5));
            p = Vector512.FusedMultiplyAdd(r, p, Vector512.Create(E4));
            p = Vector512.FusedMultiplyAdd(r, p, Vector512.Create(E3));
            p = Vector512.FusedMultiplyAdd(r, p, Vector512.Create(E2));
            p = Vector512.FusedMultiplyAdd(r * r, p, r);
            var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();
            var m = Vector512.FusedMultiplyAdd(scale, p, scale - Vector512<float>.One);
            var t = -m / (Vector512.Create(2f) + m);
            var magnitude = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(0.25f)), small, t);
            var result = (magnitude.AsUInt32() | (x.AsUInt32() & Vector512.Create(0x8000_0000u))).AsSingle();
            return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
        }

        private static Vector256<float> Of(Vector256<float> x)
        {
            var a = Vector256.Abs(x);
            var z = a * a;
            var poly = Vector256.FusedMultiplyAdd(z, Vector256.Create(C13), Vector256.Create(C11));
            poly = Vector256.FusedMultiplyAdd(z, poly, Vector256.Create(C9));
            poly = Vector256.FusedMultiplyAdd(z, poly, Vector256.Create(C7));
            poly = Vector256.FusedMultiplyAdd(z, poly, Vector256.Create(C5));
            poly = Vector256.FusedMultiplyAdd(z, poly, Vector256.Create(C3));
            var small = Vector256.FusedMultiplyAdd(a * z, poly, a);
            var q = Vector256.MaxNative(Vector256.Create(-2f) * a, Vector256.Create(Floor));
            var n = Vector256.Round(q * Vector256.Create(Log2E));
            var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), q);
            r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
            var p = Vector256.FusedMultiplyAdd(r, Vector256.Create(E8), Vector256.Create(E7));
            p = Vector256.FusedMultiplyAdd(r, p, Vector256.Create(E6));
            p = Vector256.FusedMultiplyAdd(r, p, Vector256.Create(E5));
            p = Vector256.FusedMultiplyAdd(r, p, Vector256.Create(E4));
            p = Vector256.FusedMultiplyAdd(r, p, Vector256.Create(E3));
            p = Vector256.FusedMultiplyAdd(r, p, Vector256.Create(E2));
            p = Vector256.FusedMultiplyAdd(r * r, p, r);
            var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
            var m = Vector256.FusedMultiplyAdd(scale, p, scale - Vector256<float>.One);
            var t = -m / (Vector256.Create(2f) + m);
            var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(0.25f)), small, t);
            var result = (magnitude.AsUInt32() | (x.AsUInt32() & Vector256.Create(0x8000_0000u))).AsSingle();
            return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
        }
    }

    /// <summary>tanh x = Σ c_(2k+1) x^(2k+1) for |x| &lt; π/2, odd terms to x²¹, by Horner in x² (used for |x| &lt; 1/4).</summary>
    private static class TanhSeries<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly T Limit = T.CreateTruncating(0.25);
        private static readonly T C1 = T.One, C3 = T.CreateTruncating(-1.0 / 3), C5 = T.CreateTruncating(2.0 / 15),
            C7 = T.CreateTruncating(-17.0 / 315), C9 = T.CreateTruncating(62.0 / 2835), C11 = T.CreateTruncating(-1382.0 / 155925),
            C13 = T.CreateTruncating(21844.0 / 6081075), C15 = T.CreateTruncating(-929569.0 / 638512875),
            C17 = T.CreateTruncating(6404582.0 / 10854718875), C19 = T.CreateTruncating(-443861162.0 / 1856156927625),
            C21 = T.CreateTruncating(18888466084.0 / 194896477400625);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static T Of(T x)
        {
            T z = x * x;
            return x * (C1 + z * (C3 + z * (C5 + z * (C7 + z * (C9 + z * (C11 + z * (C13 + z * (C15 + z * (C17 + z * (C19 + z * C21))))))))));
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Of(Vector512<T> x)
        {
            var z = x * x;
            return x * (Vector512.Create(C1) + z * (Vector512.Create(C3) + z * (Vector512.Create(C5) + z * (Vector512.Create(C7) + z * (Vector512.Create(C9)
                + z * (Vector512.Create(C11) + z * (Vector512.Create(C13) + z * (Vector512.Create(C15) + z * (Vector512.Create(C17)
                + z * (Vector512.Create(C19) + z * Vector512.Create(C21)))))))))));
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Of(Vector256<T> x)
        {
            var z = x * x;
            return x * (Vector256.Create(C1) + z * (Vector256.Create(C3) + z * (Vector256.Create(C5) + z * (Vector256.Create(C7) + z * (Vector256.Create(C9)
                + z * (Vector256.Create(C11) + z * (Vector256.Create(C13) + z * (Vector256.Create(C15) + z * (Vector256.Create(C17)
                + z * (Vector256.Create(C19) + z * Vector256.Create(C21)))))))))));
        }
    }

    /// <summary>e^x elementwise.</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="y">Receives the results (same length; may be <paramref name="x"/> itself).</param>
    public static void Exp<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) TP.Exp(F(x), F(y));
        else TP.Exp(x, y);
    }
}
