namespace MiniTorch;

/// <summary>Shape arithmetic shared by every op: element counts, axis normalisation, broadcasting, messages.</summary>
public static class Shapes
{
    /// <summary>PyTorch-style text of a shape, e.g. <c>(2, 3)</c>; <c>()</c> for a scalar.</summary>
    /// <param name="shape">The sizes.</param>
    /// <returns>The text.</returns>
    public static string Str(ReadOnlySpan<int> shape) => shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.ToArray()) + ")";

    /// <summary>The number of elements of <paramref name="shape"/>; throws on negative sizes or overflow.</summary>
    /// <param name="shape">The sizes.</param>
    /// <param name="op">The operation named in the exception message.</param>
    /// <returns>The product of the sizes.</returns>
    /// <exception cref="ArgumentException">A size is negative or the product overflows.</exception>
    public static int Numel(ReadOnlySpan<int> shape, string op)
    {
        long n = 1;
        foreach (int s in shape)
        {
            if (s < 0) throw new ArgumentException($"{op}: negative size in shape {Str(shape)}.");
            n *= s;
            if (n > Array.MaxLength) throw new ArgumentException($"{op}: shape {Str(shape)} has more elements than an array can hold.");
        }
        return (int)n;
    }

    /// <summary>Maps <paramref name="axis"/> (negative counts from the end) into [0, rank).</summary>
    /// <param name="axis">The axis, possibly negative.</param>
    /// <param name="rank">The tensor's rank.</param>
    /// <param name="op">The operation named in the exception message.</param>
    /// <returns>The axis in [0, rank).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-rank, rank).</exception>
    public static int Axis(int axis, int rank, string op)
    {
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"{op}: axis {axis} is out of range for a tensor of rank {rank} (valid: {-rank}..{rank - 1}).");
        return a;
    }

    /// <summary>Resolves a reshape target with at most one -1 against <paramref name="count"/> elements.</summary>
    /// <param name="shape">The target sizes, at most one -1.</param>
    /// <param name="count">The element count to match.</param>
    /// <param name="from">The current shape (for the message).</param>
    /// <returns>The target shape with -1 resolved.</returns>
    /// <exception cref="ArgumentException">The sizes cannot hold exactly <paramref name="count"/> elements.</exception>
    public static int[] Infer(ReadOnlySpan<int> shape, int count, ReadOnlySpan<int> from)
    {
        var result = shape.ToArray();
        int unknown = -1; long known = 1;
        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] == -1)
            {
                if (unknown >= 0) throw new ArgumentException($"Reshape: only one size may be -1 in {Str(shape)}.");
                unknown = i;
            }
            else if (result[i] < 0) throw new ArgumentException($"Reshape: invalid size {result[i]} in {Str(shape)}.");
            else known *= result[i];
        }
        if (unknown >= 0)
        {
            if (known == 0 || count % known != 0)
                throw new ArgumentException($"Reshape: cannot reshape {Str(from)} ({count} elements) into {Str(shape)}.");
            result[unknown] = (int)(count / known);
        }
        else if (known != count)
            throw new ArgumentException($"Reshape: cannot reshape {Str(from)} ({count} elements) into {Str(shape)}.");
        return result;
    }

    /// <summary>The numpy broadcast of two shapes (aligned at the right); throws naming both when incompatible.</summary>
    /// <param name="a">One shape.</param>
    /// <param name="b">The other shape.</param>
    /// <param name="op">The operation named in the exception message.</param>
    /// <returns>The broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes are incompatible.</exception>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Str(a)} and {Str(b)} cannot be broadcast together (axis {i}: {da} vs {db}).");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Row-major strides of <paramref name="shape"/> right-aligned to <paramref name="outShape"/>, with stride 0 on broadcast axes.</summary>
    internal static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape)
    {
        int rank = outShape.Length, pad = rank - shape.Length;
        var strides = new int[rank];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i + pad] = shape[i] == 1 && outShape[i + pad] != 1 ? 0 : s;
            s *= shape[i];
        }
        return strides;
    }

    /// <summary>Product of the sizes in [from, to).</summary>
    internal static int Prod(ReadOnlySpan<int> shape, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }
}
