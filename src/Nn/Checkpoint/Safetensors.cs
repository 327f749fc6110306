using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MiniTorch.Nn.Checkpoint;

/// <summary>
/// Reading and writing the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
/// header length N, N bytes of UTF-8 JSON
/// (<c>{"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [BEGIN, END]}, ..., "__metadata__": {..}}</c>,
/// possibly padded with spaces), then the tensors' bytes, little-endian, row-major, packed without holes; offsets
/// are relative to the start of that buffer.
/// <para>
/// Files written here list the tensors in ordinal name order, pad the header with spaces so the data starts at a
/// multiple of 8 bytes, and are written atomically (<see cref="AtomicFile"/>). Reading (see
/// <see cref="SafetensorsFile"/>) validates the whole layout before any tensor is returned.
/// </para>
/// </summary>
public static class Safetensors
{
    /// <summary>The header key reserved for the string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header accepted (as the reference implementation: 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Writes <paramref name="tensors"/> (and the optional <paramref name="metadata"/>) to <paramref name="path"/>
    /// atomically: the old file, if any, is replaced only once the new one is complete on disk. Names must be
    /// non-empty and not "__metadata__"; everything is checked (ArgumentException) before the file is touched.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">The tensors by name.</param>
    /// <param name="metadata">Optional "__metadata__" strings.</param>
    /// <param name="dtype">
    /// The dtype to store (e.g. "F32" for a float64 model that PyTorch should read as float32; "BF16"); null:
    /// <typeparamref name="T"/>'s own. Another dtype converts every element as <see cref="SafetensorsDType"/> describes.
    /// </param>
    /// <exception cref="ArgumentException">
    /// A bad name, a null tensor or metadata entry, an unknown or unconvertible <paramref name="dtype"/>, or an integer
    /// that does not fit it.
    /// </exception>
    public static void Save<T>(string path, IReadOnlyDictionary<string, Tensor<T>> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        string? dtype = null) where T : unmanaged, INumber<T>
    {
        var layout = Plan(tensors, metadata, dtype);
        AtomicFile.Write(path, s => Emit(s, layout));
    }

    /// <summary>Writes the safetensors bytes of <paramref name="tensors"/> to <paramref name="stream"/> (not atomic).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="stream">Where the bytes go.</param>
    /// <param name="tensors">The tensors by name.</param>
    /// <param name="metadata">Optional "__metadata__" strings.</param>
    /// <param name="dtype">The dtype to store, as in <see cref="Save{T}"/>.</param>
    /// <exception cref="ArgumentException">As <see cref="Save{T}"/>.</exception>
    public static void Write<T>(Stream stream, IReadOnlyDictionary<string, Tensor<T>> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        string? dtype = null) where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        Emit(stream, Plan(tensors, metadata, dtype));
    }

    /// <summary>
    /// Reads every tensor of <paramref name="path"/>; all must have the dtype of <typeparamref name="T"/>, unless
    /// <paramref name="convert"/> (then other dtypes are converted, see <see cref="SafetensorsFile.Read{T}(string, bool)"/>).
    /// The file is validated completely first; any problem throws a <see cref="CheckpointException"/> naming the file
    /// and tensor.
    /// </summary>
    /// <typeparam name="T">The element type of the results.</typeparam>
    /// <param name="path">The file to read.</param>
    /// <param name="convert">Whether other dtypes are converted to <typeparamref name="T"/>.</param>
    /// <returns>The tensors by name.</returns>
    /// <exception cref="CheckpointException">The file is not valid safetensors, or a dtype does not fit.</exception>
    public static Dictionary<string, Tensor<T>> Load<T>(string path, bool convert = false) where T : unmanaged, INumber<T>
    {
        using var file = SafetensorsFile.Open(path);
        return file.ReadAll<T>(convert);
    }

    private sealed record Layout<T>(byte[] Header, (string Name, Tensor<T> Tensor, byte[]? Encoded)[] Tensors) where T : unmanaged, INumber<T>;

    private static Layout<T> Plan<T>(IReadOnlyDictionary<string, Tensor<T>> tensors, IReadOnlyDictionary<string, string>? metadata, string? target)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(tensors);
        RequireLittleEndian();
        string own = SafetensorsDType.Of<T>(), dtype = target ?? own;
        if (!SafetensorsDType.IsKnown(dtype))
            throw new ArgumentException($"Safetensors.Save: unknown dtype '{dtype}'.", nameof(target));
        if (dtype != own && SafetensorsDType.ConversionProblem(own, dtype) is { } problem)
            throw new ArgumentException($"Safetensors.Save: cannot store {Tensor<T>.DType} tensors as {dtype}: {problem}", nameof(target));
        int size = SafetensorsDType.BitsOf(dtype) / 8;
        var list = new List<(string Name, Tensor<T> Tensor, byte[]? Encoded)>(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Safetensors.Save: a tensor name is empty.", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"Safetensors.Save: the tensor name '{MetadataKey}' clashes with the header's metadata key.", nameof(tensors));
            if (t is null) throw new ArgumentException($"Safetensors.Save: tensor '{name}' is null.", nameof(tensors));
            byte[]? encoded = null;
            if (dtype != own)
            {
                encoded = new byte[(long)t.Length * size];
                if (SafetensorsDType.Encode<T>(dtype, t.AsSpan(), encoded) is var bad and >= 0)
                    throw new ArgumentException($"Safetensors.Save: element {bad} (row-major) of tensor '{name}' (value {t.AsSpan()[bad]}) does not fit {dtype}.", nameof(tensors));
            }
            list.Add((name, t, encoded));
        }
        if (metadata is not null)
            foreach (var (k, v) in metadata)
                if (k is null || v is null) throw new ArgumentException($"Safetensors.Save: metadata entry '{k}' has a null key or value.", nameof(metadata));
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(e => e.Key, StringComparer.Ordinal)) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t, _) in list)
            {
                w.WriteStartObject(name);
                w.WriteString("dtype", dtype);
                w.WriteStartArray("shape");
                foreach (int d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                long end = offset + (long)t.Length * size;
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(end);
                w.WriteEndArray();
                w.WriteEndObject();
                offset = end;
            }
            w.WriteEndObject();
        }
        // Pad with spaces so that the data buffer starts 8-byte aligned (8 + N ≡ 0 mod 8).
        int n = (int)json.Length, padded = (n + 7) / 8 * 8;
        var header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.GetBuffer().AsSpan(0, n).CopyTo(header.AsSpan(8));
        header.AsSpan(8 + n).Fill((byte)' ');
        return new Layout<T>(header, list.ToArray());
    }

    private static void Emit<T>(Stream stream, Layout<T> layout) where T : unmanaged, INumber<T>
    {
        stream.Write(layout.Header);
        foreach (var (_, t, encoded) in layout.Tensors)
            if (encoded is null) stream.Write(MemoryMarshal.AsBytes<T>(t.AsSpan()));
            else stream.Write(encoded);
    }

    /// <summary>Safetensors data are little-endian; tensors are written and read as their in-memory bytes.</summary>
    internal static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors: only little-endian machines are supported.");
    }
}
