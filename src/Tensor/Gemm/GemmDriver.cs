using System.Numerics;

namespace MiniTorch;

/// <summary>
/// The blocked loop nest of <see cref="Gemm"/> (the Goto/BLIS scheme): for each NC-wide column block of op(B) and
/// each KC-deep slice of K, op(B) is packed once into NR-column panels; then for each MC-tall row block of op(A), that
/// block is packed into MR-row panels and every MR×NR tile of C gets the slice's contribution from the tile kernel.
/// A tile of packed B (KC×NR) stays in L1 while the packed A block (MC×KC) streams from L2.
/// <para>
/// Determinism: the K slices depend on K alone and each tile kernel computes every element as a fused
/// multiply-add chain in k order followed by one add into C, so the value of an element depends neither on the tile it
/// falls in nor on which thread computes it; threads only split the tiles of C among themselves.
/// </para>
/// </summary>
internal static unsafe class GemmDriver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int MR = GemmKernels<T>.MR;
    private static readonly int NR = GemmKernels<T>.NR;

    /// <summary>Depth of a K slice (balanced: K is cut into ceil(K/KC) nearly equal slices).</summary>
    internal static int KC = 256;

    /// <summary>Rows of op(A) per packed block.</summary>
    internal static int MC = 144;

    /// <summary>Columns of op(B) per packed panel block.</summary>
    internal static int NC = 2048;

    /// <summary>The operands of one product.</summary>
    internal readonly struct Problem(bool transA, bool transB, int m, int n, int k, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool accumulate)
    {
        public readonly bool TransA = transA, TransB = transB, Accumulate = accumulate;
        public readonly int M = m, N = n, K = k;
        public readonly T* A = a, B = b, C = c;
        public readonly nint Lda = lda, Ldb = ldb, Ldc = ldc;
    }

    /// <summary>Runs the whole product on the calling thread.</summary>
    public static void Serial(in Problem pr)
    {
        int kSlices = (pr.K + KC - 1) / KC, kcMax = (pr.K + kSlices - 1) / kSlices;
        int ncMax = Math.Min(NC, pr.N);
        T* bp = GemmBuffers<T>.B(kcMax * RoundUp(ncMax, NR));
        for (int jc = 0; jc < pr.N; jc += NC)
        {
            int nc = Math.Min(NC, pr.N - jc), panels = (nc + NR - 1) / NR;
            for (int q = 0; q < kSlices; q++)
            {
                int pc = q * kcMax, kc = Math.Min(kcMax, pr.K - pc);
                GemmPack<T>.B(pr.TransB, pr.B, pr.Ldb, pc, kc, jc, nc, bp, NR, 0, panels);
                Compute(pr, jc, nc, pc, kc, bp, 0, pr.M, 0, panels, !pr.Accumulate && q == 0);
            }
        }
    }

    /// <summary>
    /// Adds the K slice [pc, pc+kc) of rows [i0, i1) × panels [s0, s1) of the column block at jc, with op(B) already
    /// packed in <paramref name="bp"/>. Packs its own A blocks into the calling thread's buffer.
    /// </summary>
    internal static void Compute(in Problem pr, int jc, int nc, int pc, int kc, T* bp, int i0, int i1, int s0, int s1, bool overwrite)
    {
        int mr = MR, nr = NR;
        T* ap = GemmBuffers<T>.A(RoundUp(Math.Min(MC, i1 - i0), mr) * kc);
        for (int ic = i0; ic < i1; ic += MC)
        {
            int mc = Math.Min(MC, i1 - ic);
            GemmPack<T>.A(pr.TransA, pr.A, pr.Lda, ic, mc, pc, kc, ap, mr);
            for (int s = s0; s < s1; s++)
            {
                int j = s * nr, ncols = Math.Min(nr, nc - j);
                T* bs = bp + (nint)s * kc * nr;
                T* cs = pr.C + (nint)ic * pr.Ldc + jc + j;
                for (int ir = 0; ir < mc; ir += mr)
                    GemmKernels<T>.Tile(kc, ap + (nint)ir * kc, mr, bs, nr, cs + ir * pr.Ldc, pr.Ldc,
                        Math.Min(mr, mc - ir), ncols, overwrite);
            }
        }
    }

    internal static int RoundUp(int x, int m) => (x + m - 1) / m * m;
}
