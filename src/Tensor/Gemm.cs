using System.Numerics;
using System.Runtime.InteropServices;

namespace MiniTorch;

/// <summary>
/// General matrix multiply on row-major spans: C = op(A)·op(B) (+ C when <c>accumulate</c>), where op(A) is M×K and
/// op(B) is K×N. With <c>transA</c> A is stored K×M (row stride lda); with <c>transB</c> B is stored N×K.
/// No transposed copy is ever materialised by the caller: transposition is absorbed by the packing of the operands.
/// <para>
/// Implementation: a cache-blocked, packed, register-blocked SIMD kernel (see <see cref="GemmDriver{T}"/>), using
/// AVX-512 where available, then AVX2, then 128-bit SIMD (SSE on x64, AdvSimd on ARM64); <see cref="KernelPath"/>
/// says which. Large products are split over up to <see cref="Parallelism.MaxThreads"/>
/// threads; the result is bit-identical for any thread count and across runs.
/// C must not overlap A or B.
/// </para>
/// </summary>
public static class Gemm
{
    /// <summary>
    /// The register-tile kernel this process uses, fixed at start-up from the CPU and the runtime's instruction-set
    /// switches (for example <c>DOTNET_EnableAVX512=0</c> or <c>DOTNET_EnableAVX=0</c>): <c>"Vector512 (AVX-512, 12x2 tiles)"</c>,
    /// <c>"Vector256 (AVX2+FMA, 6x2 tiles)"</c>, <c>"Vector128 (AdvSimd, 6x2 tiles)"</c>, <c>"Vector128 (SSE+FMA, 6x2 tiles)"</c>,
    /// <c>"Vector128 (SSE, unfused, 6x2 tiles)"</c> or <c>"scalar (4x4 tiles)"</c>. Results are bit-identical across thread counts on
    /// every path; different paths may differ in the last bits (the unfused one rounds each product).
    /// </summary>
    public static string KernelPath { get; } = GemmKernels<float>.Isa switch
    {
        512 => "Vector512 (AVX-512, 12x2 tiles)",
        256 => "Vector256 (AVX2+FMA, 6x2 tiles)",
        128 when System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported => "Vector128 (AdvSimd, 6x2 tiles)",
        128 when GemmKernels<float>.Fused128 => "Vector128 (SSE+FMA, 6x2 tiles)",
        128 => "Vector128 (SSE, unfused, 6x2 tiles)",
        _ => "scalar (4x4 tiles)",
    };

    /// <summary>
    /// C[M×N] (=|+=) op(A)·op(B). See the class remarks for the layouts.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, a leading dimension is shorter than its row, a span
    /// is too short for the matrix it must hold, or C overlaps A or B. Nothing is written then.</exception>
    /// <param name="transA">Whether A is stored transposed (K×M).</param>
    /// <param name="transB">Whether B is stored transposed (N×K).</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="a">The elements of A, row-major.</param>
    /// <param name="lda">The row stride of A (at least its row length).</param>
    /// <param name="b">The elements of B, row-major.</param>
    /// <param name="ldb">The row stride of B (at least its row length).</param>
    /// <param name="c">The elements of C, row-major; written (or added to).</param>
    /// <param name="ldc">The row stride of C (at least N).</param>
    /// <param name="accumulate">Whether to add the product to C instead of overwriting it.</param>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, null, 0);

    /// <summary>
    /// The public Multiply, where B's values are those of the tensor <paramref name="bKey"/> at version <paramref name="bVersion"/> (null: no
    /// such tensor), so a B used by several products in a row is packed once (<see cref="GemmPackCache{T}"/>); and, when
    /// <paramref name="ldd"/> is not negative, C = D + op(A)·op(B) with the addend D read from <paramref name="d"/> with row
    /// stride <paramref name="ldd"/> (0: one row of N values added to every row, a bias) as the tiles store C, instead of
    /// copied into C first (<paramref name="accumulate"/> must be false then, and D must not overlap C).
    /// </summary>
    internal static unsafe void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate, object? bKey, int bVersion,
        ReadOnlySpan<T> d = default, int ldd = -1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new ArgumentException($"Gemm: element type {typeof(T).Name} is not supported (float32 or float64).");
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm: negative size m={m}, n={n}, k={k}.");
        int aUsed = CheckSpan(a.Length, transA ? k : m, transA ? m : k, lda, "A", transA, m, n, k);
        int bUsed = CheckSpan(b.Length, transB ? n : k, transB ? k : n, ldb, "B", transB, m, n, k);
        int cUsed = CheckSpan(c.Length, m, n, ldc, "C", false, m, n, k);
        ReadOnlySpan<T> cr = c[..cUsed];
        if (cr.Overlaps(a[..aUsed]) || cr.Overlaps(b[..bUsed]))
            throw new ArgumentException($"Gemm (m={m}, n={n}, k={k}): C overlaps {(cr.Overlaps(a[..aUsed]) ? "A" : "B")}; the output must be separate memory.");
        bool hasD = ldd >= 0;
        if (hasD)
        {
            if (accumulate) throw new ArgumentException("Gemm: an addend D is given, so C is overwritten (accumulate must be false).");
            long needD = m > 0 && n > 0 ? (long)(m - 1) * ldd + n : 0;
            if ((ldd != 0 && ldd < n) || needD > d.Length)
                throw new ArgumentException($"Gemm (m={m}, n={n}, k={k}): the addend D stored as {m}×{n} with row stride {ldd} needs a stride of 0 or at least {n} and {needD} elements, but the span holds {d.Length}.");
            if (m > 0 && n > 0 && d[..(int)needD].Overlaps(cr))
                throw new ArgumentException($"Gemm (m={m}, n={n}, k={k}): the addend D overlaps C; the output must be separate memory.");
        }
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (hasD) for (int i = 0; i < m; i++) d.Slice(i * ldd, n).CopyTo(c.Slice(i * ldc, n));
            else if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        fixed (T* pa = &MemoryMarshal.GetReference(a))
        fixed (T* pb = &MemoryMarshal.GetReference(b))
        fixed (T* pc = &MemoryMarshal.GetReference(c))
        fixed (T* pd = &MemoryMarshal.GetReference(d))
        {
            var pr = new GemmDriver<T>.Problem(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, hasD ? pd : null, ldd);
            GemmDriver<T>.Run(pr, Parallelism.MaxThreads, bKey, bVersion);
        }
    }

    /// <summary>
    /// C[M×N] (=|+=) Σᵢ aᵢᵀ·gᵢ, one GEMM whose K dimension runs through the pairs' rows in order: A's K rows (each M
    /// wide) and G's (each N wide) are held in pieces (<see cref="GemmRows{T}"/>, pinned by the caller, both with the
    /// same row count) and packed from where they lie. The same bits as stacking the pairs into two matrices and
    /// multiplying the transposed one by the other.
    /// </summary>
    internal static unsafe void MultiplyPieces<T>(int m, int n, GemmRows<T> a, GemmRows<T> g, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = a.Rows;
        if (g.Rows != k) throw new ArgumentException($"Gemm: the pieces of A hold {k} rows and those of G {g.Rows}; they must match.");
        CheckSpan(c.Length, m, n, ldc, "C", false, m, n, k);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        fixed (T* pc = &MemoryMarshal.GetReference(c))
        {
            var pr = new GemmDriver<T>.Problem(true, false, m, n, k, null, m, null, n, pc, ldc, accumulate, aPieces: a, bPieces: g);
            GemmDriver<T>.Run(pr, Parallelism.MaxThreads);
        }
    }

    /// <summary>Checks that a rows×cols matrix with row stride ld fits the span; returns the elements it spans.</summary>
    private static int CheckSpan(int length, int rows, int cols, int ld, string name, bool trans, int m, int n, int k)
    {
        long need = rows > 0 && cols > 0 ? (long)(rows - 1) * ld + cols : 0;
        if (ld < cols || need > length)
            throw new ArgumentException(
                $"Gemm (m={m}, n={n}, k={k}): {name}{(trans ? " (transposed)" : "")} stored as {rows}×{cols} with row stride {ld} " +
                $"needs a stride of at least {cols} and {need} elements, but the span holds {length}.");
        return (int)need;
    }
}
