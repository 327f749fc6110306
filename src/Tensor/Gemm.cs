using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch;

/// <summary>
/// General matrix multiply on row-major spans: C = op(A)·op(B) (+ C when <c>accumulate</c>), where op(A) is M×K and
/// op(B) is K×N. With <c>transA</c> A is stored K×M (row stride lda); with <c>transB</c> B is stored N×K.
/// No transposed copy is ever materialised by the caller.
/// </summary>
public static class Gemm
{
    /// <summary>C[M×N] (=|+=) op(A)·op(B). See the class remarks for the layouts.</summary>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm: negative size m={m}, n={n}, k={k}.");
        if (m == 0 || n == 0) return;
        CheckSpan(a.Length, transA ? k : m, transA ? m : k, lda, "A");
        CheckSpan(b.Length, transB ? n : k, transB ? k : n, ldb, "B");
        CheckSpan(c.Length, m, n, ldc, "C");
        if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
        if (k == 0) return;
        for (int i = 0; i < m; i++)
        {
            var crow = c.Slice(i * ldc, n);
            if (transB)
            {
                for (int j = 0; j < n; j++)
                {
                    T s = T.Zero;
                    var brow = b.Slice(j * ldb, k);
                    if (!transA) s = TP.Dot(a.Slice(i * lda, k), brow);
                    else for (int p = 0; p < k; p++) s += a[p * lda + i] * brow[p];
                    crow[j] += s;
                }
            }
            else
            {
                for (int p = 0; p < k; p++)
                {
                    T aip = transA ? a[p * lda + i] : a[i * lda + p];
                    TP.MultiplyAdd(b.Slice(p * ldb, n), aip, crow, crow);
                }
            }
        }
    }

    private static void CheckSpan(int length, int rows, int cols, int ld, string name)
    {
        if (ld < cols || (rows > 0 && (long)(rows - 1) * ld + cols > length))
            throw new ArgumentException($"Gemm: {name} as {rows}×{cols} with row stride {ld} does not fit its {length} elements.");
    }
}
