using System.Numerics;
using System.Runtime.CompilerServices;

namespace MiniTorch.Autograd;

/// <summary>
/// Recycles the autograd engine's buffers (per thread): a backward pass rents zeroed buffers for its gradient
/// accumulators and returns them when it ends, except those that became a leaf's <see cref="Variable{T}.Grad"/>;
/// a recorded op rents the values it keeps for backward (<c>Function.SavedBuffer</c>) and returns them when its
/// graph is freed. Steady-state training then re-allocates far less, and large buffers do not churn the
/// large-object heap. The pool keeps at most <see cref="MaxBytes"/>.
/// </summary>
internal static class GradientPool<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The most memory kept for reuse per thread and element type.</summary>
    public const long MaxBytes = 256L << 20;

    [ThreadStatic] private static Dictionary<int, Stack<T[]>>? t_free;
    [ThreadStatic] private static long t_bytes;

    /// <summary>A buffer of exactly <paramref name="length"/> elements, not cleared, recorded in <paramref name="rented"/>.</summary>
    public static T[] Rent(int length, List<T[]> rented)
    {
        var free = t_free ??= new();
        T[] array;
        if (free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            array = stack.Pop();
            t_bytes -= (long)length * Unsafe.SizeOf<T>();
        }
        else array = GC.AllocateUninitializedArray<T>(length);
        rented.Add(array);
        return array;
    }

    /// <summary>A zero-filled tensor of <paramref name="shape"/> on a rented buffer.</summary>
    public static Tensor<T> Zeros(int[] shape, List<T[]> rented)
    {
        var array = Rent(Shapes.Numel(shape, "Backward"), rented);
        array.AsSpan().Clear();
        return new Tensor<T>(array, 0, shape);
    }

    /// <summary>A rented tensor of <paramref name="shape"/> whose values are whatever the buffer held (the caller writes every element; the poison value under the test switch, as <see cref="Tensor{T}"/>'s own unzeroed storage).</summary>
    public static Tensor<T> Uninitialized(int[] shape, List<T[]> rented)
    {
        var array = Rent(Shapes.Numel(shape, "Backward"), rented);
        if (UninitializedPoison.Enabled) array.AsSpan().Fill(UninitializedPoison.Value<T>());
        return new Tensor<T>(array, 0, shape);
    }

    /// <summary>Bytes held by this thread's pool (for tests).</summary>
    internal static long PooledBytes => t_bytes;

    /// <summary>Returns the rented buffers, except those in <paramref name="kept"/>, and clears the list.</summary>
    public static void Return(List<T[]> rented, HashSet<T[]>? kept)
    {
        var free = t_free ??= new();
        foreach (var array in rented)
        {
            if (kept is not null && kept.Contains(array)) continue;
            long bytes = (long)array.Length * Unsafe.SizeOf<T>();
            if (t_bytes + bytes > MaxBytes) continue;
            if (!free.TryGetValue(array.Length, out var stack)) free[array.Length] = stack = new Stack<T[]>();
            stack.Push(array);
            t_bytes += bytes;
        }
        rented.Clear();
    }
}
