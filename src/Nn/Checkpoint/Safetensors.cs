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
    public static void Save<T>(string path, IReadOnlyDictionary<string, Tensor<T>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, INumber<T>
    {
        var layout = Plan(tensors, metadata);
        AtomicFile.Write(path, s => Emit(s, layout));
    }

    /// <summary>Writes the safetensors bytes of <paramref name="tensors"/> to <paramref name="stream"/> (not atomic).</summary>
    public static void Write<T>(Stream stream, IReadOnlyDictionary<string, Tensor<T>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        Emit(stream, Plan(tensors, metadata));
    }

    /// <summary>
    /// Reads every tensor of <paramref name="path"/>; all must have the dtype of <typeparamref name="T"/>. The file is
    /// validated completely first; any problem throws a <see cref="CheckpointException"/> naming the file and tensor.
    /// </summary>
    public static Dictionary<string, Tensor<T>> Load<T>(string path) where T : unmanaged, INumber<T>
    {
        using var file = SafetensorsFile.Open(path);
        return file.ReadAll<T>();
    }

    private sealed record Layout<T>(byte[] Header, (string Name, Tensor<T> Tensor)[] Tensors) where T : unmanaged, INumber<T>;

    private static Layout<T> Plan<T>(IReadOnlyDictionary<string, Tensor<T>> tensors, IReadOnlyDictionary<string, string>? metadata)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(tensors);
        RequireLittleEndian();
        string dtype = SafetensorsDType.Of<T>();
        int size = Marshal.SizeOf<T>();
        var list = new List<(string Name, Tensor<T> Tensor)>(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Safetensors.Save: a tensor name is empty.", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"Safetensors.Save: the tensor name '{MetadataKey}' clashes with the header's metadata key.", nameof(tensors));
            if (t is null) throw new ArgumentException($"Safetensors.Save: tensor '{name}' is null.", nameof(tensors));
            list.Add((name, t));
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
            foreach (var (name, t) in list)
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
        foreach (var (_, t) in layout.Tensors) stream.Write(MemoryMarshal.AsBytes<T>(t.AsSpan()));
    }

    /// <summary>Safetensors data are little-endian; tensors are written and read as their in-memory bytes.</summary>
    internal static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors: only little-endian machines are supported.");
    }
}
