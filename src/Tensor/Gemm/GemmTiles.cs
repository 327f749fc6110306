using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniTorch;

// Generated register-tile kernels (see GemmKernels.cs for the shared helpers). Every output element is computed as
// acc = 0; acc = fma(a_p, b_p, acc) for p = 0..kc-1; then C = acc or C = C + acc, whatever the tile shape, so the
// value of an element does not depend on which tile (full, partial, vector or scalar) it falls in.
internal static unsafe partial class GemmKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// 12×2·Vector512&lt;T&gt;.Count register tile: C[0..mr, 0..nr] (=|+=) Σ_p a[p·aKs + i]·b[p·bKs + j] over p &lt; kc, with
    /// a holding 12 contiguous values of op(A) per k step and b holding 2 vectors of op(B) per k step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile512(int kc, T* a, nint aKs, T* b, nint bKs, T* c, nint ldc, int mr, int nr, bool overwrite)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c0_0 = default; Vector512<T> c0_1 = default;
        Vector512<T> c1_0 = default; Vector512<T> c1_1 = default;
        Vector512<T> c2_0 = default; Vector512<T> c2_1 = default;
        Vector512<T> c3_0 = default; Vector512<T> c3_1 = default;
        Vector512<T> c4_0 = default; Vector512<T> c4_1 = default;
        Vector512<T> c5_0 = default; Vector512<T> c5_1 = default;
        Vector512<T> c6_0 = default; Vector512<T> c6_1 = default;
        Vector512<T> c7_0 = default; Vector512<T> c7_1 = default;
        Vector512<T> c8_0 = default; Vector512<T> c8_1 = default;
        Vector512<T> c9_0 = default; Vector512<T> c9_1 = default;
        Vector512<T> c10_0 = default; Vector512<T> c10_1 = default;
        Vector512<T> c11_0 = default; Vector512<T> c11_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 1 * w);
            Vector512<T> av;
            av = Vector512.Create(a[0]); c0_0 = Fma(av, b0, c0_0); c0_1 = Fma(av, b1, c0_1);
            av = Vector512.Create(a[1]); c1_0 = Fma(av, b0, c1_0); c1_1 = Fma(av, b1, c1_1);
            av = Vector512.Create(a[2]); c2_0 = Fma(av, b0, c2_0); c2_1 = Fma(av, b1, c2_1);
            av = Vector512.Create(a[3]); c3_0 = Fma(av, b0, c3_0); c3_1 = Fma(av, b1, c3_1);
            av = Vector512.Create(a[4]); c4_0 = Fma(av, b0, c4_0); c4_1 = Fma(av, b1, c4_1);
            av = Vector512.Create(a[5]); c5_0 = Fma(av, b0, c5_0); c5_1 = Fma(av, b1, c5_1);
            av = Vector512.Create(a[6]); c6_0 = Fma(av, b0, c6_0); c6_1 = Fma(av, b1, c6_1);
            av = Vector512.Create(a[7]); c7_0 = Fma(av, b0, c7_0); c7_1 = Fma(av, b1, c7_1);
            av = Vector512.Create(a[8]); c8_0 = Fma(av, b0, c8_0); c8_1 = Fma(av, b1, c8_1);
            av = Vector512.Create(a[9]); c9_0 = Fma(av, b0, c9_0); c9_1 = Fma(av, b1, c9_1);
            av = Vector512.Create(a[10]); c10_0 = Fma(av, b0, c10_0); c10_1 = Fma(av, b1, c10_1);
            av = Vector512.Create(a[11]); c11_0 = Fma(av, b0, c11_0); c11_1 = Fma(av, b1, c11_1);
            a += aKs;
            b += bKs;
        }
        if (mr == 12 && nr == 2 * w)
        {
            if (overwrite)
            {
                c0_0.Store(c + 0 * ldc); c0_1.Store(c + 0 * ldc + 1 * w);
                c1_0.Store(c + 1 * ldc); c1_1.Store(c + 1 * ldc + 1 * w);
                c2_0.Store(c + 2 * ldc); c2_1.Store(c + 2 * ldc + 1 * w);
                c3_0.Store(c + 3 * ldc); c3_1.Store(c + 3 * ldc + 1 * w);
                c4_0.Store(c + 4 * ldc); c4_1.Store(c + 4 * ldc + 1 * w);
                c5_0.Store(c + 5 * ldc); c5_1.Store(c + 5 * ldc + 1 * w);
                c6_0.Store(c + 6 * ldc); c6_1.Store(c + 6 * ldc + 1 * w);
                c7_0.Store(c + 7 * ldc); c7_1.Store(c + 7 * ldc + 1 * w);
                c8_0.Store(c + 8 * ldc); c8_1.Store(c + 8 * ldc + 1 * w);
                c9_0.Store(c + 9 * ldc); c9_1.Store(c + 9 * ldc + 1 * w);
                c10_0.Store(c + 10 * ldc); c10_1.Store(c + 10 * ldc + 1 * w);
                c11_0.Store(c + 11 * ldc); c11_1.Store(c + 11 * ldc + 1 * w);
            }
            else
            {
                (Vector512.Load(c + 0 * ldc) + c0_0).Store(c + 0 * ldc);
                (Vector512.Load(c + 0 * ldc + 1 * w) + c0_1).Store(c + 0 * ldc + 1 * w);
                (Vector512.Load(c + 1 * ldc) + c1_0).Store(c + 1 * ldc);
                (Vector512.Load(c + 1 * ldc + 1 * w) + c1_1).Store(c + 1 * ldc + 1 * w);
                (Vector512.Load(c + 2 * ldc) + c2_0).Store(c + 2 * ldc);
                (Vector512.Load(c + 2 * ldc + 1 * w) + c2_1).Store(c + 2 * ldc + 1 * w);
                (Vector512.Load(c + 3 * ldc) + c3_0).Store(c + 3 * ldc);
                (Vector512.Load(c + 3 * ldc + 1 * w) + c3_1).Store(c + 3 * ldc + 1 * w);
                (Vector512.Load(c + 4 * ldc) + c4_0).Store(c + 4 * ldc);
                (Vector512.Load(c + 4 * ldc + 1 * w) + c4_1).Store(c + 4 * ldc + 1 * w);
                (Vector512.Load(c + 5 * ldc) + c5_0).Store(c + 5 * ldc);
                (Vector512.Load(c + 5 * ldc + 1 * w) + c5_1).Store(c + 5 * ldc + 1 * w);
                (Vector512.Load(c + 6 * ldc) + c6_0).Store(c + 6 * ldc);
                (Vector512.Load(c + 6 * ldc + 1 * w) + c6_1).Store(c + 6 * ldc + 1 * w);
                (Vector512.Load(c + 7 * ldc) + c7_0).Store(c + 7 * ldc);
                (Vector512.Load(c + 7 * ldc + 1 * w) + c7_1).Store(c + 7 * ldc + 1 * w);
                (Vector512.Load(c + 8 * ldc) + c8_0).Store(c + 8 * ldc);
                (Vector512.Load(c + 8 * ldc + 1 * w) + c8_1).Store(c + 8 * ldc + 1 * w);
                (Vector512.Load(c + 9 * ldc) + c9_0).Store(c + 9 * ldc);
                (Vector512.Load(c + 9 * ldc + 1 * w) + c9_1).Store(c + 9 * ldc + 1 * w);
                (Vector512.Load(c + 10 * ldc) + c10_0).Store(c + 10 * ldc);
                (Vector512.Load(c + 10 * ldc + 1 * w) + c10_1).Store(c + 10 * ldc + 1 * w);
                (Vector512.Load(c + 11 * ldc) + c11_0).Store(c + 11 * ldc);
                (Vector512.Load(c + 11 * ldc + 1 * w) + c11_1).Store(c + 11 * ldc + 1 * w);
            }
            return;
        }
        T* t = stackalloc T[24 * Vector512<T>.Count];
        c0_0.Store(t + 0 * w); c0_1.Store(t + 1 * w);
        c1_0.Store(t + 2 * w); c1_1.Store(t + 3 * w);
        c2_0.Store(t + 4 * w); c2_1.Store(t + 5 * w);
        c3_0.Store(t + 6 * w); c3_1.Store(t + 7 * w);
        c4_0.Store(t + 8 * w); c4_1.Store(t + 9 * w);
        c5_0.Store(t + 10 * w); c5_1.Store(t + 11 * w);
        c6_0.Store(t + 12 * w); c6_1.Store(t + 13 * w);
        c7_0.Store(t + 14 * w); c7_1.Store(t + 15 * w);
        c8_0.Store(t + 16 * w); c8_1.Store(t + 17 * w);
        c9_0.Store(t + 18 * w); c9_1.Store(t + 19 * w);
        c10_0.Store(t + 20 * w); c10_1.Store(t + 21 * w);
        c11_0.Store(t + 22 * w); c11_1.Store(t + 23 * w);
        StorePartial(t, 2 * w, c, ldc, mr, nr, overwrite);
    }

    /// <summary>
    /// 6×2·Vector256&lt;T&gt;.Count register tile: C[0..mr, 0..nr] (=|+=) Σ_p a[p·aKs + i]·b[p·bKs + j] over p &lt; kc, with
    /// a holding 6 contiguous values of op(A) per k step and b holding 2 vectors of op(B) per k step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile256(int kc, T* a, nint aKs, T* b, nint bKs, T* c, nint ldc, int mr, int nr, bool overwrite)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c0_0 = default; Vector256<T> c0_1 = default;
        Vector256<T> c1_0 = default; Vector256<T> c1_1 = default;
        Vector256<T> c2_0 = default; Vector256<T> c2_1 = default;
        Vector256<T> c3_0 = default; Vector256<T> c3_1 = default;
        Vector256<T> c4_0 = default; Vector256<T> c4_1 = default;
        Vector256<T> c5_0 = default; Vector256<T> c5_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 1 * w);
            Vector256<T> av;
            av = Vector256.Create(a[0]); c0_0 = Fma(av, b0, c0_0); c0_1 = Fma(av, b1, c0_1);
            av = Vector256.Create(a[1]); c1_0 = Fma(av, b0, c1_0); c1_1 = Fma(av, b1, c1_1);
            av = Vector256.Create(a[2]); c2_0 = Fma(av, b0, c2_0); c2_1 = Fma(av, b1, c2_1);
            av = Vector256.Create(a[3]); c3_0 = Fma(av, b0, c3_0); c3_1 = Fma(av, b1, c3_1);
            av = Vector256.Create(a[4]); c4_0 = Fma(av, b0, c4_0); c4_1 = Fma(av, b1, c4_1);
            av = Vector256.Create(a[5]); c5_0 = Fma(av, b0, c5_0); c5_1 = Fma(av, b1, c5_1);
            a += aKs;
            b += bKs;
        }
        if (mr == 6 && nr == 2 * w)
        {
            if (overwrite)
            {
                c0_0.Store(c + 0 * ldc); c0_1.Store(c + 0 * ldc + 1 * w);
                c1_0.Store(c + 1 * ldc); c1_1.Store(c + 1 * ldc + 1 * w);
                c2_0.Store(c + 2 * ldc); c2_1.Store(c + 2 * ldc + 1 * w);
                c3_0.Store(c + 3 * ldc); c3_1.Store(c + 3 * ldc + 1 * w);
                c4_0.Store(c + 4 * ldc); c4_1.Store(c + 4 * ldc + 1 * w);
                c5_0.Store(c + 5 * ldc); c5_1.Store(c + 5 * ldc + 1 * w);
            }
            else
            {
                (Vector256.Load(c + 0 * ldc) + c0_0).Store(c + 0 * ldc);
                (Vector256.Load(c + 0 * ldc + 1 * w) + c0_1).Store(c + 0 * ldc + 1 * w);
                (Vector256.Load(c + 1 * ldc) + c1_0).Store(c + 1 * ldc);
                (Vector256.Load(c + 1 * ldc + 1 * w) + c1_1).Store(c + 1 * ldc + 1 * w);
                (Vector256.Load(c + 2 * ldc) + c2_0).Store(c + 2 * ldc);
                (Vector256.Load(c + 2 * ldc + 1 * w) + c2_1).Store(c + 2 * ldc + 1 * w);
                (Vector256.Load(c + 3 * ldc) + c3_0).Store(c + 3 * ldc);
                (Vector256.Load(c + 3 * ldc + 1 * w) + c3_1).Store(c + 3 * ldc + 1 * w);
                (Vector256.Load(c + 4 * ldc) + c4_0).Store(c + 4 * ldc);
                (Vector256.Load(c + 4 * ldc + 1 * w) + c4_1).Store(c + 4 * ldc + 1 * w);
                (Vector256.Load(c + 5 * ldc) + c5_0).Store(c + 5 * ldc);
                (Vector256.Load(c + 5 * ldc + 1 * w) + c5_1).Store(c + 5 * ldc + 1 * w);
            }
            return;
        }
        T* t = stackalloc T[12 * Vector256<T>.Count];
        c0_0.Store(t + 0 * w); c0_1.Store(t + 1 * w);
        c1_0.Store(t + 2 * w); c1_1.Store(t + 3 * w);
        c2_0.Store(t + 4 * w); c2_1.Store(t + 5 * w);
        c3_0.Store(t + 6 * w); c3_1.Store(t + 7 * w);
        c4_0.Store(t + 8 * w); c4_1.Store(t + 9 * w);
        c5_0.Store(t + 10 * w); c5_1.Store(t + 11 * w);
        StorePartial(t, 2 * w, c, ldc, mr, nr, overwrite);
    }

    /// <summary>
    /// As <see cref="Tile512"/>, but op(A) is read in place from 12 rows of A (row stride aRs, k contiguous): the
    /// product's A need not be packed when it is not transposed. All 12 rows must exist.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile512Rows(int kc, T* a, nint aRs, T* b, nint bKs, T* c, nint ldc, int nr, bool overwrite)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c0_0 = default; Vector512<T> c0_1 = default;
        Vector512<T> c1_0 = default; Vector512<T> c1_1 = default;
        Vector512<T> c2_0 = default; Vector512<T> c2_1 = default;
        Vector512<T> c3_0 = default; Vector512<T> c3_1 = default;
        Vector512<T> c4_0 = default; Vector512<T> c4_1 = default;
        Vector512<T> c5_0 = default; Vector512<T> c5_1 = default;
        Vector512<T> c6_0 = default; Vector512<T> c6_1 = default;
        Vector512<T> c7_0 = default; Vector512<T> c7_1 = default;
        Vector512<T> c8_0 = default; Vector512<T> c8_1 = default;
        Vector512<T> c9_0 = default; Vector512<T> c9_1 = default;
        Vector512<T> c10_0 = default; Vector512<T> c10_1 = default;
        Vector512<T> c11_0 = default; Vector512<T> c11_1 = default;
        nint r2 = 2 * aRs;
        T* a0 = a; T* a3 = a + 3 * aRs; T* a6 = a + 6 * aRs; T* a9 = a + 9 * aRs;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 1 * w);
            Vector512<T> av;
            av = Vector512.Create(a0[0]); c0_0 = Fma(av, b0, c0_0); c0_1 = Fma(av, b1, c0_1);
            av = Vector512.Create(a0[aRs]); c1_0 = Fma(av, b0, c1_0); c1_1 = Fma(av, b1, c1_1);
            av = Vector512.Create(a0[r2]); c2_0 = Fma(av, b0, c2_0); c2_1 = Fma(av, b1, c2_1);
            av = Vector512.Create(a3[0]); c3_0 = Fma(av, b0, c3_0); c3_1 = Fma(av, b1, c3_1);
            av = Vector512.Create(a3[aRs]); c4_0 = Fma(av, b0, c4_0); c4_1 = Fma(av, b1, c4_1);
            av = Vector512.Create(a3[r2]); c5_0 = Fma(av, b0, c5_0); c5_1 = Fma(av, b1, c5_1);
            av = Vector512.Create(a6[0]); c6_0 = Fma(av, b0, c6_0); c6_1 = Fma(av, b1, c6_1);
            av = Vector512.Create(a6[aRs]); c7_0 = Fma(av, b0, c7_0); c7_1 = Fma(av, b1, c7_1);
            av = Vector512.Create(a6[r2]); c8_0 = Fma(av, b0, c8_0); c8_1 = Fma(av, b1, c8_1);
            av = Vector512.Create(a9[0]); c9_0 = Fma(av, b0, c9_0); c9_1 = Fma(av, b1, c9_1);
            av = Vector512.Create(a9[aRs]); c10_0 = Fma(av, b0, c10_0); c10_1 = Fma(av, b1, c10_1);
            av = Vector512.Create(a9[r2]); c11_0 = Fma(av, b0, c11_0); c11_1 = Fma(av, b1, c11_1);
            a0++; a3++; a6++; a9++;
            b += bKs;
        }
        if (nr == 2 * w)
        {
            if (overwrite)
            {
                c0_0.Store(c + 0 * ldc); c0_1.Store(c + 0 * ldc + 1 * w);
                c1_0.Store(c + 1 * ldc); c1_1.Store(c + 1 * ldc + 1 * w);
                c2_0.Store(c + 2 * ldc); c2_1.Store(c + 2 * ldc + 1 * w);
                c3_0.Store(c + 3 * ldc); c3_1.Store(c + 3 * ldc + 1 * w);
                c4_0.Store(c + 4 * ldc); c4_1.Store(c + 4 * ldc + 1 * w);
                c5_0.Store(c + 5 * ldc); c5_1.Store(c + 5 * ldc + 1 * w);
                c6_0.Store(c + 6 * ldc); c6_1.Store(c + 6 * ldc + 1 * w);
                c7_0.Store(c + 7 * ldc); c7_1.Store(c + 7 * ldc + 1 * w);
                c8_0.Store(c + 8 * ldc); c8_1.Store(c + 8 * ldc + 1 * w);
                c9_0.Store(c + 9 * ldc); c9_1.Store(c + 9 * ldc + 1 * w);
                c10_0.Store(c + 10 * ldc); c10_1.Store(c + 10 * ldc + 1 * w);
                c11_0.Store(c + 11 * ldc); c11_1.Store(c + 11 * ldc + 1 * w);
            }
            else
            {
                (Vector512.Load(c + 0 * ldc) + c0_0).Store(c + 0 * ldc);
                (Vector512.Load(c + 0 * ldc + 1 * w) + c0_1).Store(c + 0 * ldc + 1 * w);
                (Vector512.Load(c + 1 * ldc) + c1_0).Store(c + 1 * ldc);
                (Vector512.Load(c + 1 * ldc + 1 * w) + c1_1).Store(c + 1 * ldc + 1 * w);
                (Vector512.Load(c + 2 * ldc) + c2_0).Store(c + 2 * ldc);
                (Vector512.Load(c + 2 * ldc + 1 * w) + c2_1).Store(c + 2 * ldc + 1 * w);
                (Vector512.Load(c + 3 * ldc) + c3_0).Store(c + 3 * ldc);
                (Vector512.Load(c + 3 * ldc + 1 * w) + c3_1).Store(c + 3 * ldc + 1 * w);
                (Vector512.Load(c + 4 * ldc) + c4_0).Store(c + 4 * ldc);
                (Vector512.Load(c + 4 * ldc + 1 * w) + c4_1).Store(c + 4 * ldc + 1 * w);
                (Vector512.Load(c + 5 * ldc) + c5_0).Store(c + 5 * ldc);
                (Vector512.Load(c + 5 * ldc + 1 * w) + c5_1).Store(c + 5 * ldc + 1 * w);
                (Vector512.Load(c + 6 * ldc) + c6_0).Store(c + 6 * ldc);
                (Vector512.Load(c + 6 * ldc + 1 * w) + c6_1).Store(c + 6 * ldc + 1 * w);
                (Vector512.Load(c + 7 * ldc) + c7_0).Store(c + 7 * ldc);
                (Vector512.Load(c + 7 * ldc + 1 * w) + c7_1).Store(c + 7 * ldc + 1 * w);
                (Vector512.Load(c + 8 * ldc) + c8_0).Store(c + 8 * ldc);
                (Vector512.Load(c + 8 * ldc + 1 * w) + c8_1).Store(c + 8 * ldc + 1 * w);
                (Vector512.Load(c + 9 * ldc) + c9_0).Store(c + 9 * ldc);
                (Vector512.Load(c + 9 * ldc + 1 * w) + c9_1).Store(c + 9 * ldc + 1 * w);
                (Vector512.Load(c + 10 * ldc) + c10_0).Store(c + 10 * ldc);
                (Vector512.Load(c + 10 * ldc + 1 * w) + c10_1).Store(c + 10 * ldc + 1 * w);
                (Vector512.Load(c + 11 * ldc) + c11_0).Store(c + 11 * ldc);
                (Vector512.Load(c + 11 * ldc + 1 * w) + c11_1).Store(c + 11 * ldc + 1 * w);
            }
            return;
        }
        T* t = stackalloc T[24 * Vector512<T>.Count];
        c0_0.Store(t + 0 * w); c0_1.Store(t + 1 * w);
        c1_0.Store(t + 2 * w); c1_1.Store(t + 3 * w);
        c2_0.Store(t + 4 * w); c2_1.Store(t + 5 * w);
        c3_0.Store(t + 6 * w); c3_1.Store(t + 7 * w);
        c4_0.Store(t + 8 * w); c4_1.Store(t + 9 * w);
        c5_0.Store(t + 10 * w); c5_1.Store(t + 11 * w);
        c6_0.Store(t + 12 * w); c6_1.Store(t + 13 * w);
        c7_0.Store(t + 14 * w); c7_1.Store(t + 15 * w);
        c8_0.Store(t + 16 * w); c8_1.Store(t + 17 * w);
        c9_0.Store(t + 18 * w); c9_1.Store(t + 19 * w);
        c10_0.Store(t + 20 * w); c10_1.Store(t + 21 * w);
        c11_0.Store(t + 22 * w); c11_1.Store(t + 23 * w);
        StorePartial(t, 2 * w, c, ldc, 12, nr, overwrite);
    }

    /// <summary>
    /// As <see cref="Tile256"/>, but op(A) is read in place from 6 rows of A (row stride aRs, k contiguous): the
    /// product's A need not be packed when it is not transposed. All 6 rows must exist.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile256Rows(int kc, T* a, nint aRs, T* b, nint bKs, T* c, nint ldc, int nr, bool overwrite)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c0_0 = default; Vector256<T> c0_1 = default;
        Vector256<T> c1_0 = default; Vector256<T> c1_1 = default;
        Vector256<T> c2_0 = default; Vector256<T> c2_1 = default;
        Vector256<T> c3_0 = default; Vector256<T> c3_1 = default;
        Vector256<T> c4_0 = default; Vector256<T> c4_1 = default;
        Vector256<T> c5_0 = default; Vector256<T> c5_1 = default;
        nint r2 = 2 * aRs;
        T* a0 = a; T* a3 = a + 3 * aRs;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 1 * w);
            Vector256<T> av;
            av = Vector256.Create(a0[0]); c0_0 = Fma(av, b0, c0_0); c0_1 = Fma(av, b1, c0_1);
            av = Vector256.Create(a0[aRs]); c1_0 = Fma(av, b0, c1_0); c1_1 = Fma(av, b1, c1_1);
            av = Vector256.Create(a0[r2]); c2_0 = Fma(av, b0, c2_0); c2_1 = Fma(av, b1, c2_1);
            av = Vector256.Create(a3[0]); c3_0 = Fma(av, b0, c3_0); c3_1 = Fma(av, b1, c3_1);
            av = Vector256.Create(a3[aRs]); c4_0 = Fma(av, b0, c4_0); c4_1 = Fma(av, b1, c4_1);
            av = Vector256.Create(a3[r2]); c5_0 = Fma(av, b0, c5_0); c5_1 = Fma(av, b1, c5_1);
            a0++; a3++;
            b += bKs;
        }
        if (nr == 2 * w)
        {
            if (overwrite)
            {
                c0_0.Store(c + 0 * ldc); c0_1.Store(c + 0 * ldc + 1 * w);
                c1_0.Store(c + 1 * ldc); c1_1.Store(c + 1 * ldc + 1 * w);
                c2_0.Store(c + 2 * ldc); c2_1.Store(c + 2 * ldc + 1 * w);
                c3_0.Store(c + 3 * ldc); c3_1.Store(c + 3 * ldc + 1 * w);
                c4_0.Store(c + 4 * ldc); c4_1.Store(c + 4 * ldc + 1 * w);
                c5_0.Store(c + 5 * ldc); c5_1.Store(c + 5 * ldc + 1 * w);
            }
            else
            {
                (Vector256.Load(c + 0 * ldc) + c0_0).Store(c + 0 * ldc);
                (Vector256.Load(c + 0 * ldc + 1 * w) + c0_1).Store(c + 0 * ldc + 1 * w);
                (Vector256.Load(c + 1 * ldc) + c1_0).Store(c + 1 * ldc);
                (Vector256.Load(c + 1 * ldc + 1 * w) + c1_1).Store(c + 1 * ldc + 1 * w);
                (Vector256.Load(c + 2 * ldc) + c2_0).Store(c + 2 * ldc);
                (Vector256.Load(c + 2 * ldc + 1 * w) + c2_1).Store(c + 2 * ldc + 1 * w);
                (Vector256.Load(c + 3 * ldc) + c3_0).Store(c + 3 * ldc);
                (Vector256.Load(c + 3 * ldc + 1 * w) + c3_1).Store(c + 3 * ldc + 1 * w);
                (Vector256.Load(c + 4 * ldc) + c4_0).Store(c + 4 * ldc);
                (Vector256.Load(c + 4 * ldc + 1 * w) + c4_1).Store(c + 4 * ldc + 1 * w);
                (Vector256.Load(c + 5 * ldc) + c5_0).Store(c + 5 * ldc);
                (Vector256.Load(c + 5 * ldc + 1 * w) + c5_1).Store(c + 5 * ldc + 1 * w);
            }
            return;
        }
        T* t = stackalloc T[12 * Vector256<T>.Count];
        c0_0.Store(t + 0 * w); c0_1.Store(t + 1 * w);
        c1_0.Store(t + 2 * w); c1_1.Store(t + 3 * w);
        c2_0.Store(t + 4 * w); c2_1.Store(t + 5 * w);
        c3_0.Store(t + 6 * w); c3_1.Store(t + 7 * w);
        c4_0.Store(t + 8 * w); c4_1.Store(t + 9 * w);
        c5_0.Store(t + 10 * w); c5_1.Store(t + 11 * w);
        StorePartial(t, 2 * w, c, ldc, 6, nr, overwrite);
    }
}
