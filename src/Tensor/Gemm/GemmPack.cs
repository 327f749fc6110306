using System.Numerics;
using System.Runtime.Intrinsics;

namespace MiniTorch;

/// <summary>
/// Packing of op(A) and op(B) blocks into the layouts the tile kernels stream through: op(A) rows in panels of MR
/// (for each k, MR consecutive values), op(B) columns in panels of NR (for each k, NR consecutive values). Panels are
/// zero-padded to full width, so a partial tile computes its valid elements exactly as a full one would.
/// Both are the same two moves: a panel whose values for one k are contiguous in the source is copied row by row
/// (transposed A, plain B); otherwise its source lines run along k and are interleaved (plain A, transposed B).
/// </summary>
internal static unsafe class GemmPack<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] into <paramref name="dst"/>: panel r (rows r·mr..) starts at r·kc·mr.
    /// A is M×K (row stride lda) or, with <paramref name="trans"/>, K×M.
    /// </summary>
    public static void A(bool trans, T* a, nint lda, int i0, int mc, int p0, int kc, T* dst, int mr)
    {
        for (int r = 0; r < mc; r += mr)
        {
            int rows = Math.Min(mr, mc - r);
            T* d = dst + (nint)(r / mr) * kc * mr;
            if (trans) Copy(a + (nint)p0 * lda + i0 + r, lda, kc, rows, d, mr);
            else Interleave(a + (nint)(i0 + r) * lda + p0, lda, kc, rows, d, mr);
        }
    }

    /// <summary>
    /// Packs panels [s0, s1) of op(B)[p0..p0+kc, j0..j0+nc] into <paramref name="dst"/>: panel s (columns s·nr..)
    /// starts at s·kc·nr. B is K×N (row stride ldb) or, with <paramref name="trans"/>, N×K.
    /// </summary>
    public static void B(bool trans, T* b, nint ldb, int p0, int kc, int j0, int nc, T* dst, int nr, int s0, int s1)
    {
        for (int s = s0; s < s1; s++)
        {
            int c0 = s * nr, cols = Math.Min(nr, nc - c0);
            T* d = dst + (nint)s * kc * nr;
            if (trans) Interleave(b + (nint)(j0 + c0) * ldb + p0, ldb, kc, cols, d, nr);
            else Copy(b + (nint)p0 * ldb + j0 + c0, ldb, kc, cols, d, nr);
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
        for (int p = 0; p < kc; p++, src += ld, d += w)
        {
            int i = 0;
            for (; i < count; i++) d[i] = src[i];
            for (; i < w; i++) d[i] = T.Zero;
        }
    }

    /// <summary>d[p·w + i] = src[i·ld + p] for i &lt; count, 0 for count ≤ i &lt; w; p &lt; kc.</summary>
    private static void Interleave(T* src, nint ld, int kc, int count, T* d, int w)
    {
        // k outer: the destination is written in order while the count source lines are read in step.
        for (int p = 0; p < kc; p++, d += w)
        {
            T* s = src + p;
            int i = 0;
            for (; i < count; i++, s += ld) d[i] = *s;
            for (; i < w; i++) d[i] = T.Zero;
        }
    }
}
