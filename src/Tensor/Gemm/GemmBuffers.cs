using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MiniTorch;

/// <summary>
/// Per-thread packing buffers for <see cref="Gemm"/>: pinned arrays on the pinned object heap, 64-byte aligned, grown on
/// demand and kept for the thread's lifetime, so steady-state products allocate nothing. Slot 0 holds packed A blocks
/// (used by whichever thread computes them), slot 1 the packed B panel a caller shares with its helper threads.
/// </summary>
internal static unsafe class GemmBuffers<T> where T : unmanaged
{
    private const int Align = 64;

    [ThreadStatic] private static T[]? _a;
    [ThreadStatic] private static T[]? _b;

    /// <summary>The calling thread's A buffer with room for at least <paramref name="length"/> elements.</summary>
    public static T* A(int length) => Get(ref _a, length);

    /// <summary>The calling thread's B buffer with room for at least <paramref name="length"/> elements.</summary>
    public static T* B(int length) => Get(ref _b, length);

    private static T* Get(ref T[]? array, int length)
    {
        int pad = Align / sizeof(T);
        if (array is null || array.Length < length + pad)
        {
            // Grow geometrically so a slowly growing workload does not reallocate on every call.
            int want = Math.Max(length + pad, array is null ? 0 : (int)Math.Min(int.MaxValue / 2, (long)array.Length * 3 / 2));
            array = GC.AllocateUninitializedArray<T>(want, pinned: true);
        }
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (T*)((p + Align - 1) & ~(nint)(Align - 1));
    }
}
