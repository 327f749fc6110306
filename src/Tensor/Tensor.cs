using System.Globalization;
using System.Numerics;
using System.Text;

namespace MiniTorch;

/// <summary>
/// A dense, row-major, contiguous n-dimensional array. <typeparamref name="T"/> is <see cref="float"/> or
/// <see cref="double"/> for values and <see cref="int"/> for index tensors.
/// A tensor is a shape over a window of a shared buffer: <see cref="Reshape"/> and leading-axis slices are views.
/// It knows nothing of gradients; see MiniTorch.Autograd for that.
/// </summary>
public sealed partial class Tensor<T> where T : unmanaged, INumber<T>
{
    internal readonly T[] Buffer;
    internal readonly int Offset;
    private readonly int[] _shape;
    // Shared by every view of the same buffer, so a write through one view is seen by all of them.
    private readonly VersionCounter _version;

    /// <summary>Wraps <paramref name="buffer"/>[<paramref name="offset"/>..] with <paramref name="shape"/> (no copy).</summary>
    /// <param name="buffer">The storage.</param>
    /// <param name="offset">Index of the first element in <paramref name="buffer"/>.</param>
    /// <param name="shape">The shape (kept, not copied).</param>
    /// <param name="viewOf">The tensor whose storage this one views (shares its version counter), or null for new storage.</param>
    internal Tensor(T[] buffer, int offset, int[] shape, Tensor<T>? viewOf = null)
    {
        Buffer = buffer;
        Offset = offset;
        _shape = shape;
        _version = viewOf?._version ?? new VersionCounter();
        Length = Shapes.Numel(shape, "Tensor");
        if (offset < 0 || offset + Length > buffer.Length)
            throw new ArgumentException($"Tensor: shape {Shapes.Str(shape)} needs {Length} elements from offset {offset}, but the buffer holds {buffer.Length}.");
    }

    /// <summary>A new zero-filled tensor of the given shape.</summary>
    /// <param name="shape">The sizes of the axes (none: a scalar).</param>
    /// <exception cref="ArgumentException">A size is negative or the element count overflows.</exception>
    public Tensor(params int[] shape) : this(new T[Shapes.Numel(shape, "Tensor")], 0, (int[])shape.Clone()) { }

    /// <summary>
    /// A new tensor whose storage is not zeroed (GC.AllocateUninitializedArray): for results that the caller overwrites
    /// completely, so the runtime does not clear memory that is written again at once. With the environment variable
    /// MINITORCH_POISON_UNINITIALIZED=1 (CI sets it) the storage is filled with NaN (int: int.MinValue) instead, so a
    /// kernel that leaves an element unwritten shows up in every test that reads it.
    /// </summary>
    /// <param name="shape">The shape (kept, not copied: pass a fresh array).</param>
    internal static Tensor<T> Uninitialized(int[] shape)
    {
        var buffer = GC.AllocateUninitializedArray<T>(Shapes.Numel(shape, "Tensor"));
        if (UninitializedPoison.Enabled) buffer.AsSpan().Fill(UninitializedPoison.Value<T>());
        return new Tensor<T>(buffer, 0, shape);
    }

    /// <summary>The sizes of each axis.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The shape as a fresh array.</summary>
    public int[] ShapeArray => (int[])_shape.Clone();

    /// <summary>Number of axes.</summary>
    public int Rank => _shape.Length;

    /// <summary>Total number of elements.</summary>
    public int Length { get; }

    /// <summary>The element type's name, as PyTorch spells it: float32, float64 or int32.</summary>
    public static string DType =>
        typeof(T) == typeof(float) ? "float32" : typeof(T) == typeof(double) ? "float64" :
        typeof(T) == typeof(int) ? "int32" : typeof(T).Name;

    /// <summary>Size of <paramref name="axis"/> (negative counts from the end).</summary>
    /// <returns>The number of entries along that axis.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-Rank, Rank).</exception>
    /// <param name="axis">The axis, from 0 to Rank - 1, or negative to count from the end.</param>
    public int Dim(int axis) => _shape[Shapes.Axis(axis, Rank, "Dim")];

    /// <summary>The elements in row-major order (a window of the shared buffer: writes are visible to views).</summary>
    /// <returns>A span over the <see cref="Length"/> elements.</returns>
    public Span<T> AsSpan() => Buffer.AsSpan(Offset, Length);

    /// <summary>A copy of the elements in row-major order.</summary>
    /// <returns>A new array of <see cref="Length"/> elements.</returns>
    public T[] ToArray() => AsSpan().ToArray();

    /// <summary>The single element of a one-element tensor.</summary>
    /// <returns>The element.</returns>
    /// <exception cref="InvalidOperationException">The tensor does not have exactly one element.</exception>
    public T Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item: tensor of shape {Shapes.Str(_shape)} has {Length} elements, not 1.");
        return Buffer[Offset];
    }

    /// <summary>Element at a full index (checked).</summary>
    /// <param name="index">One index per axis.</param>
    /// <returns>The element at that position.</returns>
    /// <exception cref="ArgumentException">The number of indices is not <see cref="Rank"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its axis.</exception>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public T this[params int[] index]
    {
        get => Buffer[Offset + FlatIndex(index)];
        set
        {
            Buffer[Offset + FlatIndex(index)] = value;
            MarkModified();
        }
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank)
            throw new ArgumentException($"Indexer: {index.Length} indices given for a tensor of shape {Shapes.Str(_shape)}.");
        int flat = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i])
                throw new ArgumentOutOfRangeException(nameof(index), $"Indexer: index {index[i]} on axis {i} is out of range [0, {_shape[i]}) for shape {Shapes.Str(_shape)}.");
            flat = flat * _shape[i] + index[i];
        }
        return flat;
    }

    /// <summary>A view with a new shape and the same elements; one size may be -1 (inferred).</summary>
    /// <returns>A view sharing this tensor's buffer.</returns>
    /// <exception cref="ArgumentException">The sizes do not fit the element count, or more than one is -1.</exception>
    /// <param name="shape">The new sizes; their product must equal <see cref="Length"/> (one of them may be -1).</param>
    public Tensor<T> Reshape(params int[] shape) => new(Buffer, Offset, Shapes.Infer(shape, Length, _shape), this);

    /// <summary>A deep copy with its own buffer.</summary>
    /// <returns>A new tensor with the same shape and values.</returns>
    public Tensor<T> Clone()
    {
        var copy = Uninitialized((int[])_shape.Clone());
        AsSpan().CopyTo(copy.AsSpan());
        return copy;
    }

    /// <summary>Copies the elements of <paramref name="source"/> (same element count) into this tensor.</summary>
    /// <exception cref="ArgumentException">The element counts differ; nothing is written.</exception>
    /// <param name="source">The tensor to copy from, with as many elements as this one.</param>
    public void CopyFrom(Tensor<T> source)
    {
        if (source.Length != Length)
            throw new ArgumentException($"CopyFrom: source shape {Shapes.Str(source._shape)} does not match {Shapes.Str(_shape)}.");
        source.AsSpan().CopyTo(AsSpan());
        MarkModified();
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    /// <param name="value">The value for every element.</param>
    public void Fill(T value)
    {
        AsSpan().Fill(value);
        MarkModified();
    }

    /// <summary>
    /// How many times this tensor's storage was written in place through the library (PyTorch's <c>_version</c>):
    /// <see cref="CopyFrom"/>, <see cref="Fill"/>, the indexer, <c>Tensor.AddInPlace</c>, <c>MatMulInto</c>, optimizer
    /// steps, <c>LoadStateDict</c>. Views share their base's counter. The autograd engine compares it with the
    /// version an op saved for its backward, so an in-place change to a saved value fails loudly instead of giving
    /// wrong gradients.
    /// </summary>
    public int Version => _version.Value;

    /// <summary>
    /// Counts an in-place write that bypassed the library (a write through <see cref="AsSpan"/>): increments
    /// <see cref="Version"/> for this tensor and every view of its storage.
    /// </summary>
    public void MarkModified() => Interlocked.Increment(ref _version.Value);

    /// <summary>True when the shapes are equal.</summary>
    /// <param name="other">The tensor to compare shapes with.</param>
    /// <returns>Whether both have the same rank and sizes.</returns>
    public bool SameShape(Tensor<T> other) => _shape.AsSpan().SequenceEqual(other._shape);

    /// <summary>True when <paramref name="shape"/> equals this tensor's shape.</summary>
    /// <param name="shape">The sizes to compare with.</param>
    /// <returns>Whether this tensor has exactly these sizes.</returns>
    public bool HasShape(ReadOnlySpan<int> shape) => _shape.AsSpan().SequenceEqual(shape);

    /// <summary>The shape in PyTorch's notation, e.g. <c>(2, 3)</c>.</summary>
    public string ShapeString => Shapes.Str(_shape);

    /// <summary>
    /// Shape, dtype and values (nested rows, elided past 6 entries per axis), e.g.
    /// <c>tensor([[1, 2], [3, 4]], shape=(2, 2), dtype=float32)</c>.
    /// </summary>
    /// <returns>The text, e.g. <c>tensor([1, 2], shape=(2), dtype=float32)</c>.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder("tensor(");
        var data = AsSpan();
        if (Rank == 0) sb.Append(Format(data[0]));
        else AppendAxis(sb, data, 0, 0);
        sb.Append(", shape=").Append(Shapes.Str(_shape)).Append(", dtype=").Append(DType).Append(')');
        return sb.ToString();
    }

    private void AppendAxis(StringBuilder sb, ReadOnlySpan<T> data, int axis, int start)
    {
        const int edge = 3;
        int n = _shape[axis];
        int stride = 1;
        for (int i = axis + 1; i < Rank; i++) stride *= _shape[i];
        sb.Append('[');
        for (int i = 0; i < n; i++)
        {
            if (n > 2 * edge && i == edge) { sb.Append("..., "); i = n - edge; }
            if (axis == Rank - 1) sb.Append(Format(data[start + i]));
            else AppendAxis(sb, data, axis + 1, start + i * stride);
            if (i < n - 1) sb.Append(", ");
        }
        sb.Append(']');
    }

    private static string Format(T v) => v is float f ? f.ToString("G6", CultureInfo.InvariantCulture)
        : v is double d ? d.ToString("G8", CultureInfo.InvariantCulture) : v.ToString(null, CultureInfo.InvariantCulture);
}

/// <summary>The write counter one storage buffer shares among all its views.</summary>
internal sealed class VersionCounter
{
    public int Value;
}

/// <summary>Whether <see cref="Tensor{T}.Uninitialized"/> fills new storage with a poison value (a test switch).</summary>
internal static class UninitializedPoison
{
    // Not readonly: MiniTorch.Tests turns it on for its whole run.
    public static bool Enabled = Environment.GetEnvironmentVariable("MINITORCH_POISON_UNINITIALIZED") == "1";

    public static T Value<T>() where T : unmanaged, INumber<T> =>
        typeof(T) == typeof(float) ? (T)(object)float.NaN :
        typeof(T) == typeof(double) ? (T)(object)double.NaN :
        typeof(T) == typeof(int) ? (T)(object)int.MinValue : T.Zero;
}
