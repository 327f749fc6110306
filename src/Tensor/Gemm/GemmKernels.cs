using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace MiniTorch;

/// <summary>
/// The register-tile kernels of <see cref="Gemm"/> and the tile shape they use on this machine: MR rows of op(A) by NR
/// columns of op(B). With AVX-512 a tile is 12 rows × 2 Vector512 (32 floats or 16 doubles); with only Vector256
/// (AVX2) it is 6 rows × 2 Vector256; with only 128-bit SIMD (SSE on x64, AdvSimd on ARM64) 6 rows × 2 Vector128;
/// without SIMD it is a 4×4 scalar tile.
/// </summary>
[SkipLocalsInit]
internal static unsafe partial class GemmKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Which tile kernel this process uses.</summary>
    public static readonly int Isa = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256
        : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>Rows of op(A) per tile.</summary>
    public static readonly int MR = Isa == 512 ? 12 : Isa == 256 ? 6 : Isa == 128 ? 6 : 4;

    /// <summary>Columns of op(B) per tile.</summary>
    public static readonly int NR = Isa == 512 ? 2 * Vector512<T>.Count : Isa == 256 ? 2 * Vector256<T>.Count
        : Isa == 128 ? 2 * Vector128<T>.Count : 4;

    /// <summary>
    /// Whether the 128-bit tiles fuse their multiply-adds: always on ARM64 (AdvSimd FMLA) and on x64 with FMA; an x64
    /// CPU with SSE but without FMA (or with AVX switched off, which switches FMA off too) multiplies and adds with two
    /// roundings instead, because a software-emulated fused multiply-add would cost more than the scalar kernel.
    /// </summary>
    internal static readonly bool Fused128 = System.Runtime.Intrinsics.X86.Fma.IsSupported || AdvSimd.IsSupported;

    /// <summary>
    /// Computes one K slice of an mr×nr tile of C (mr ≤ MR, nr ≤ NR): C[i, j] = D[i, j] + Σ_p a[p·aKs + i]·b[p·bKs + j]
    /// for p &lt; kc, where D is read at d with row stride ldd (d = c, ldd = ldc: accumulate; ldd = 0: one row added to every
    /// row, a bias) and is zero when d is null,
    /// where a holds MR values of op(A) per k step and b holds NR values of op(B) per k step (zero-padded beyond
    /// mr and nr, or real data: only the mr×nr corner is stored). Uses the smallest generated tile that covers mr×nr.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int kc, T* a, nint aKs, T* b, nint bKs, T* c, nint ldc, int mr, int nr, T* d, nint ldd)
    {
        if (Vector512.IsHardwareAccelerated) Tile512(kc, a, aKs, b, bKs, c, ldc, mr, nr, d, ldd);
        else if (Vector256.IsHardwareAccelerated) Tile256(kc, a, aKs, b, bKs, c, ldc, mr, nr, d, ldd);
        else if (Vector128.IsHardwareAccelerated) Tile128(kc, a, aKs, b, bKs, c, ldc, mr, nr, d, ldd);
        else TileScalar(kc, a, 1, aKs, b, bKs, c, ldc, mr, nr, d, ldd);
    }

    /// <summary>
    /// The heights of the row-mode tiles (<see cref="TileRows"/>), tallest (MR) first: a plain A's rows are read in
    /// place in panels of these heights, and only a last remainder shorter than the smallest is packed.
    /// </summary>
    public static readonly int[] RowHeights = Isa == 512 ? [12, 8, 4] : Isa == 0 ? [4] : [6, 4, 2];

    /// <summary>
    /// As <see cref="Tile"/> for exactly <paramref name="mr"/> rows (one of <see cref="RowHeights"/>), but reading
    /// op(A) in place from those rows of a plain A: op(A)[i, p] = a[i·aRs + p].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TileRows(int kc, T* a, nint aRs, T* b, nint bKs, T* c, nint ldc, int mr, int nr, T* d, nint ldd)
    {
        if (Vector512.IsHardwareAccelerated) Tile512Rows(kc, a, aRs, b, bKs, c, ldc, mr, nr, d, ldd);
        else if (Vector256.IsHardwareAccelerated) Tile256Rows(kc, a, aRs, b, bKs, c, ldc, mr, nr, d, ldd);
        else if (Vector128.IsHardwareAccelerated) Tile128Rows(kc, a, aRs, b, bKs, c, ldc, mr, nr, d, ldd);
        else TileScalar(kc, a, aRs, 1, b, bKs, c, ldc, 4, nr, d, ldd);
    }

    /// <summary>How many of <paramref name="rows"/> the row-mode tiles cover, taken tallest first (all but a remainder shorter than the smallest tile).</summary>
    public static int RowsInPlace(int rows)
    {
        int covered = 0;
        foreach (int h in RowHeights)
            while (rows - covered >= h) covered += h;
        return covered;
    }

    /// <summary>Fused x·y + acc (one rounding), the only arithmetic the tiles use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    /// <summary>Fused x·y + acc (one rounding), the only arithmetic the tiles use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    /// <summary>x·y + acc, fused where the CPU has a fused multiply-add (see <see cref="Fused128"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Fma(Vector128<T> x, Vector128<T> y, Vector128<T> acc)
    {
        if (!Fused128) return x * y + acc;
        if (typeof(T) == typeof(float))
            return Vector128.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Vector128.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    /// <summary>
    /// Stores the valid mr×nr corner of a tile held in <paramref name="t"/> (row stride <paramref name="tw"/>) into C,
    /// plus the addend at <paramref name="d"/> (row stride <paramref name="ldd"/>) unless it is null.
    /// </summary>
    private static void StorePartial(T* t, int tw, T* c, nint ldc, int mr, int nr, T* d, nint ldd)
    {
        for (int i = 0; i < mr; i++)
        {
            T* ti = t + i * tw;
            T* ci = c + i * ldc;
            if (d == null) for (int j = 0; j < nr; j++) ci[j] = ti[j];
            else
            {
                T* di = d + i * ldd;
                for (int j = 0; j < nr; j++) ci[j] = di[j] + ti[j];
            }
        }
    }

    /// <summary>4×4 scalar tile with the same per-element arithmetic as the vector tiles; op(A)[i, p] is a[i·aRs + p·aKs].</summary>
    public static void TileScalar(int kc, T* a, nint aRs, nint aKs, T* b, nint bKs, T* c, nint ldc, int mr, int nr, T* d, nint ldd)
    {
        T* t = stackalloc T[16];
        for (int i = 0; i < 16; i++) t[i] = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                T ai = a[i * aRs];
                for (int j = 0; j < 4; j++) t[i * 4 + j] = T.FusedMultiplyAdd(ai, b[j], t[i * 4 + j]);
            }
            a += aKs;
            b += bKs;
        }
        StorePartial(t, 4, c, ldc, mr, nr, d, ldd);
    }
}
