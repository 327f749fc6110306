using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace MiniTorch;

/// <summary>
/// Packing of op(A) and op(B) blocks into the layouts the tile kernels stream through: op(A) rows in panels of MR
/// (for each k, MR consecutive values), op(B) columns in panels of NR (for each k, NR consecutive values). Panels are
/// zero-padded to full width, so a partial tile computes its valid elements exactly as a full one would.
/// Both are the same two moves: a panel whose values for one k are contiguous in the source is copied row by row
/// (transposed A, plain B); otherwise its source lines run along k and are interleaved (plain A, transposed B), for
/// full panels by 8×8 (float) or 4×4 (double) blocks transposed in AVX registers, or 4×4 (float) and 2×2 (double)
/// blocks in 128-bit registers (SSE or AdvSimd) on CPUs without AVX.
/// </summary>
internal static unsafe class GemmPack<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] into <paramref name="dst"/>: panel r (rows r·mr..) starts at r·kc·mr.
    /// A is M×K (row stride lda) or, with <paramref name="trans"/>, K×M; or, with <paramref name="pieces"/>, a
    /// transposed A whose K rows are held in pieces (a and lda unused).
    /// </summary>
    public static void A(bool trans, T* a, nint lda, int i0, int mc, int p0, int kc, T* dst, int mr, GemmRows<T>? pieces = null)
    {
        for (int r = 0; r < mc; r += mr)
        {
            int rows = Math.Min(mr, mc - r);
            T* d = dst + (nint)(r / mr) * kc * mr;
            if (pieces is not null) CopyPieces(pieces, p0, kc, i0 + r, rows, d, mr);
            else if (trans) Copy(a + (nint)p0 * lda + i0 + r, lda, kc, rows, d, mr);
            else Interleave(a + (nint)(i0 + r) * lda + p0, lda, kc, rows, d, mr);
        }
    }

    /// <summary>
    /// Packs panels [s0, s1) of op(B)[p0..p0+kc, j0..j0+nc] into <paramref name="dst"/>: panel s (columns s·nr..)
    /// starts at s·kc·nr. B is K×N (row stride ldb) or, with <paramref name="trans"/>, N×K; or, with
    /// <paramref name="pieces"/>, a plain B whose K rows are held in pieces (b and ldb unused).
    /// </summary>
    public static void B(bool trans, T* b, nint ldb, int p0, int kc, int j0, int nc, T* dst, int nr, int s0, int s1, GemmRows<T>? pieces = null)
    {
        for (int s = s0; s < s1; s++)
        {
            int c0 = s * nr, cols = Math.Min(nr, nc - c0);
            T* d = dst + (nint)s * kc * nr;
            if (pieces is not null) CopyPieces(pieces, p0, kc, j0 + c0, cols, d, nr);
            else if (trans) Interleave(b + (nint)(j0 + c0) * ldb + p0, ldb, kc, cols, d, nr);
            else Copy(b + (nint)p0 * ldb + j0 + c0, ldb, kc, cols, d, nr);
        }
    }

    /// <summary>As <see cref="Copy"/> for k rows [p0, p0 + kc) held in pieces: one copy per run of rows in one piece.</summary>
    private static void CopyPieces(GemmRows<T> pieces, int p0, int kc, int col, int count, T* d, int w)
    {
        for (int p = p0, end = p0 + kc; p < end;)
        {
            T* row = pieces.At(p, out int pieceEnd);
            int run = Math.Min(end, pieceEnd) - p;
            Copy(row + col, pieces.Ld, run, count, d + (nint)(p - p0) * w, w);
            p += run;
        }
    }

    /// <summary>d[p·w + i] = src[p·ld + i] for i &lt; count, 0 for count ≤ i &lt; w; p &lt; kc.</summary>
    private static void Copy(T* src, nint ld, int kc, int count, T* d, int w)
    {
        if (count == w && Vector512.IsHardwareAccelerated && w % Vector512<T>.Count == 0)
        {
            // Full panels (the common case): whole vectors, no call per row.
            for (int p = 0; p < kc; p++, src += ld, d += w)
                for (int i = 0; i < w; i += Vector512<T>.Count) Vector512.Store(Vector512.Load(src + i), d + i);
            return;
        }
        if (count == w && Vector256.IsHardwareAccelerated && w % Vector256<T>.Count == 0)
        {
            for (int p = 0; p < kc; p++, src += ld, d += w)
                for (int i = 0; i < w; i += Vector256<T>.Count) Vector256.Store(Vector256.Load(src + i), d + i);
            return;
        }
        if (count == w && Vector128.IsHardwareAccelerated && w % Vector128<T>.Count == 0)
        {
            for (int p = 0; p < kc; p++, src += ld, d += w)
                for (int i = 0; i < w; i += Vector128<T>.Count) Vector128.Store(Vector128.Load(src + i), d + i);
            return;
        }
        for (int p = 0; p < kc; p++, src += ld, d += w)
        {
            int i = 0;
            for (; i < count; i++) d[i] = src[i];
            for (; i < w; i++) d[i] = T.Zero;
        }
    }

    /// <summary>d[p·w + i] = src[i·ld + p] for i &lt; count, 0 for count ≤ i &lt; w; p &lt; kc.</summary>
    internal static void Interleave(T* src, nint ld, int kc, int count, T* d, int w)
    {
        int p0 = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported && count == w && w % 8 == 0)
            p0 = Transpose8x8((float*)src, ld, kc, (float*)d, w);
        else if (typeof(T) == typeof(double) && Avx.IsSupported && count == w && w % 4 == 0)
            p0 = Transpose4x4((double*)src, ld, kc, (double*)d, w);
        else if (typeof(T) == typeof(float) && Zip128 && count == w && w % 4 == 0)
            p0 = Transpose4x4((float*)src, ld, kc, (float*)d, w);
        else if (typeof(T) == typeof(double) && Zip128 && count == w && w % 2 == 0)
            p0 = Transpose2x2((double*)src, ld, kc, (double*)d, w);
        d += (nint)p0 * w;
        // k outer: the destination is written in order while the count source lines are read in step.
        for (int p = p0; p < kc; p++, d += w)
        {
            T* s = src + p;
            int i = 0;
            for (; i < count; i++, s += ld) d[i] = *s;
            for (; i < w; i++) d[i] = T.Zero;
        }
    }

    /// <summary>
    /// The interleave of full float panels in 8×8 blocks transposed in AVX registers: d[p·w + i] = src[i·ld + p] for
    /// i &lt; w and p below the returned multiple of 8 (the caller finishes the rest).
    /// </summary>
    private static int Transpose8x8(float* src, nint ld, int kc, float* d, int w)
    {
        int pEnd = kc & ~7;
        for (int i0 = 0; i0 < w; i0 += 8)
        {
            float* s = src + i0 * ld;
            for (int p = 0; p < pEnd; p += 8)
            {
                float* sp = s + p;
                Vector256<float> r0 = Avx.LoadVector256(sp), r1 = Avx.LoadVector256(sp + ld),
                    r2 = Avx.LoadVector256(sp + 2 * ld), r3 = Avx.LoadVector256(sp + 3 * ld),
                    r4 = Avx.LoadVector256(sp + 4 * ld), r5 = Avx.LoadVector256(sp + 5 * ld),
                    r6 = Avx.LoadVector256(sp + 6 * ld), r7 = Avx.LoadVector256(sp + 7 * ld);
                // Pairs of rows interleaved by element, then by pairs of elements, then 128-bit halves swapped.
                Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1),
                    t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3),
                    t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5),
                    t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
                Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE),
                    u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE),
                    u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE),
                    u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
                float* dp = d + (nint)p * w + i0;
                Avx.Store(dp, Avx.Permute2x128(u0, u4, 0x20));
                Avx.Store(dp + w, Avx.Permute2x128(u1, u5, 0x20));
                Avx.Store(dp + 2 * w, Avx.Permute2x128(u2, u6, 0x20));
                Avx.Store(dp + 3 * w, Avx.Permute2x128(u3, u7, 0x20));
                Avx.Store(dp + 4 * w, Avx.Permute2x128(u0, u4, 0x31));
                Avx.Store(dp + 5 * w, Avx.Permute2x128(u1, u5, 0x31));
                Avx.Store(dp + 6 * w, Avx.Permute2x128(u2, u6, 0x31));
                Avx.Store(dp + 7 * w, Avx.Permute2x128(u3, u7, 0x31));
            }
        }
        return pEnd;
    }

    /// <summary>As <see cref="Transpose8x8"/> for doubles, in 4×4 blocks; returns the multiple of 4 it reached.</summary>
    private static int Transpose4x4(double* src, nint ld, int kc, double* d, int w)
    {
        int pEnd = kc & ~3;
        for (int i0 = 0; i0 < w; i0 += 4)
        {
            double* s = src + i0 * ld;
            for (int p = 0; p < pEnd; p += 4)
            {
                double* sp = s + p;
                Vector256<double> r0 = Avx.LoadVector256(sp), r1 = Avx.LoadVector256(sp + ld),
                    r2 = Avx.LoadVector256(sp + 2 * ld), r3 = Avx.LoadVector256(sp + 3 * ld);
                Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1),
                    t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
                double* dp = d + (nint)p * w + i0;
                Avx.Store(dp, Avx.Permute2x128(t0, t2, 0x20));
                Avx.Store(dp + w, Avx.Permute2x128(t1, t3, 0x20));
                Avx.Store(dp + 2 * w, Avx.Permute2x128(t0, t2, 0x31));
                Avx.Store(dp + 3 * w, Avx.Permute2x128(t1, t3, 0x31));
            }
        }
        return pEnd;
    }

    /// <summary>Whether the 128-bit interleaves (SSE2 on x64, AdvSimd on ARM64) are available.</summary>
    private static readonly bool Zip128 = Sse2.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>Interleaves the low halves of x and y by 32-bit elements: x0 y0 x1 y1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ZipLow(Vector128<float> x, Vector128<float> y) =>
        Sse.IsSupported ? Sse.UnpackLow(x, y) : AdvSimd.Arm64.ZipLow(x, y);

    /// <summary>Interleaves the high halves of x and y by 32-bit elements: x2 y2 x3 y3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ZipHigh(Vector128<float> x, Vector128<float> y) =>
        Sse.IsSupported ? Sse.UnpackHigh(x, y) : AdvSimd.Arm64.ZipHigh(x, y);

    /// <summary>The low 64-bit elements of x and y: x0 y0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> ZipLow(Vector128<double> x, Vector128<double> y) =>
        Sse2.IsSupported ? Sse2.UnpackLow(x, y) : AdvSimd.Arm64.ZipLow(x, y);

    /// <summary>The high 64-bit elements of x and y: x1 y1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> ZipHigh(Vector128<double> x, Vector128<double> y) =>
        Sse2.IsSupported ? Sse2.UnpackHigh(x, y) : AdvSimd.Arm64.ZipHigh(x, y);

    /// <summary>
    /// As <see cref="Transpose8x8"/> in 128-bit registers, 4×4 float blocks: rows interleaved by element, then by
    /// pairs of elements; returns the multiple of 4 it reached.
    /// </summary>
    private static int Transpose4x4(float* src, nint ld, int kc, float* d, int w)
    {
        int pEnd = kc & ~3;
        for (int i0 = 0; i0 < w; i0 += 4)
        {
            float* s = src + i0 * ld;
            for (int p = 0; p < pEnd; p += 4)
            {
                float* sp = s + p;
                Vector128<float> r0 = Vector128.Load(sp), r1 = Vector128.Load(sp + ld),
                    r2 = Vector128.Load(sp + 2 * ld), r3 = Vector128.Load(sp + 3 * ld);
                Vector128<double> t0 = ZipLow(r0, r1).AsDouble(), t1 = ZipHigh(r0, r1).AsDouble(),
                    t2 = ZipLow(r2, r3).AsDouble(), t3 = ZipHigh(r2, r3).AsDouble();
                float* dp = d + (nint)p * w + i0;
                ZipLow(t0, t2).AsSingle().Store(dp);
                ZipHigh(t0, t2).AsSingle().Store(dp + w);
                ZipLow(t1, t3).AsSingle().Store(dp + 2 * w);
                ZipHigh(t1, t3).AsSingle().Store(dp + 3 * w);
            }
        }
        return pEnd;
    }

    /// <summary>As <see cref="Transpose4x4(float*, nint, int, float*, int)"/> for doubles, in 2×2 blocks.</summary>
    private static int Transpose2x2(double* src, nint ld, int kc, double* d, int w)
    {
        int pEnd = kc & ~1;
        for (int i0 = 0; i0 < w; i0 += 2)
        {
            double* s = src + i0 * ld;
            for (int p = 0; p < pEnd; p += 2)
            {
                Vector128<double> r0 = Vector128.Load(s + p), r1 = Vector128.Load(s + p + ld);
                double* dp = d + (nint)p * w + i0;
                ZipLow(r0, r1).Store(dp);
                ZipHigh(r0, r1).Store(dp + w);
            }
        }
        return pEnd;
    }
}
