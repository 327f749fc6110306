using System.Numerics;
using System.Runtime.CompilerServices;

namespace MiniTorch;

/// <summary>
/// Packing of op(A) and op(B) blocks into the layouts the tile kernels stream through: op(A) rows in panels of MR
/// (for each k, MR consecutive values), op(B) columns in panels of NR (for each k, NR consecutive values). Panels are
/// zero-padded to full width, so a partial tile computes its valid elements exactly as a full one would.
/// </summary>
internal static unsafe class GemmPack<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] into <paramref name="dst"/>: panel r (rows r·MR..) starts at r·kc·MR.
    /// A is M×K (row stride lda) or, with <paramref name="trans"/>, K×M.
    /// </summary>
    public static void A(bool trans, T* a, nint lda, int i0, int mc, int p0, int kc, T* dst, int mr)
    {
        for (int r = 0; r < mc; r += mr)
        {
            int rows = Math.Min(mr, mc - r);
            T* d = dst + (nint)(r / mr) * kc * mr;
            if (trans)
            {
                T* s = a + (nint)p0 * lda + i0 + r;
                for (int p = 0; p < kc; p++, s += lda, d += mr)
                {
                    int i = 0;
                    for (; i < rows; i++) d[i] = s[i];
                    for (; i < mr; i++) d[i] = T.Zero;
                }
            }
            else
            {
                for (int i = 0; i < rows; i++)
                {
                    T* s = a + (nint)(i0 + r + i) * lda + p0;
                    T* di = d + i;
                    for (int p = 0; p < kc; p++) di[(nint)p * mr] = s[p];
                }
                for (int i = rows; i < mr; i++)
                    for (int p = 0; p < kc; p++) d[(nint)p * mr + i] = T.Zero;
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] into <paramref name="dst"/>: panel s (columns s·NR..) starts at s·kc·NR.
    /// B is K×N (row stride ldb) or, with <paramref name="trans"/>, N×K. Only panels [s0, s1) are written.
    /// </summary>
    public static void B(bool trans, T* b, nint ldb, int p0, int kc, int j0, int nc, T* dst, int nr, int s0, int s1)
    {
        for (int s = s0; s < s1; s++)
        {
            int c0 = s * nr;
            int cols = Math.Min(nr, nc - c0);
            T* d = dst + (nint)s * kc * nr;
            if (!trans)
            {
                T* src = b + (nint)p0 * ldb + j0 + c0;
                nint bytes = (nint)cols * sizeof(T);
                for (int p = 0; p < kc; p++, src += ldb, d += nr)
                {
                    Unsafe.CopyBlockUnaligned(d, src, (uint)bytes);
                    for (int j = cols; j < nr; j++) d[j] = T.Zero;
                }
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    T* src = b + (nint)(j0 + c0 + j) * ldb + p0;
                    T* dj = d + j;
                    for (int p = 0; p < kc; p++) dj[(nint)p * nr] = src[p];
                }
                for (int j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++) d[(nint)p * nr + j] = T.Zero;
            }
        }
    }
}
