using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace MiniTorch.Nn.Checkpoint;

/// <summary>One tensor's header entry in a safetensors file.</summary>
public sealed class SafetensorsEntry
{
    private readonly int[] _shape;

    internal SafetensorsEntry(string name, string dtype, int[] shape, long begin, long end)
    {
        Name = name; DType = dtype; _shape = shape; Begin = begin; End = end;
    }

    /// <summary>The tensor's name (a header key).</summary>
    public string Name { get; }

    /// <summary>The safetensors dtype, e.g. "F32" (see <see cref="SafetensorsDType"/>).</summary>
    public string DType { get; }

    /// <summary>The shape (row-major; empty for a scalar).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Start of the tensor's bytes, relative to the data buffer.</summary>
    public long Begin { get; }

    /// <summary>One past the end of the tensor's bytes, relative to the data buffer.</summary>
    public long End { get; }

    internal int[] ShapeArray => (int[])_shape.Clone();
}

/// <summary>
/// An open safetensors file whose header and layout have been validated: every entry has exactly "dtype" (a known
/// dtype), "shape" (non-negative integers) and "data_offsets" ([begin, end] with end − begin = numel·size), the
/// entries tile the data buffer exactly (no holes, overlaps, out-of-range offsets or trailing bytes), names are
/// unique, and "__metadata__" maps strings to strings. Any violation throws a <see cref="CheckpointException"/>
/// from <see cref="Open"/>. Tensors of any dtype can be listed; <see cref="Read{T}(string, bool)"/> converts nothing and checks
/// that the dtype is the requested element type's.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsFile(string path, FileStream stream, long dataStart, List<SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        FilePath = path; _stream = stream; DataStart = dataStart;
        Entries = entries;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Metadata = metadata;
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string FilePath { get; }

    /// <summary>The file offset of the data buffer (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>The tensors in file (offset) order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The "__metadata__" map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <returns>Whether the file lists it.</returns>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The entry of tensor <paramref name="name"/>; a <see cref="CheckpointException"/> if absent.</summary>
    /// <param name="name">The tensor's name.</param>
    public SafetensorsEntry this[string name] =>
        _byName.TryGetValue(name, out var e) ? e : throw new CheckpointException(FilePath, name, "no such tensor in the file.");

    /// <summary>Opens <paramref name="path"/> and validates its header and layout (see the class summary).</summary>
    /// <param name="path">The safetensors file.</param>
    /// <returns>The open file, its header read and checked (dispose it).</returns>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Safetensors.RequireLittleEndian();
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            var (dataStart, entries, metadata) = ReadHeader(path, stream);
            return new SafetensorsFile(path, stream, dataStart, entries, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static (long, List<SafetensorsEntry>, Dictionary<string, string>) ReadHeader(string path, FileStream stream)
    {
        CheckpointException Bad(string? tensor, string problem, Exception? inner = null) => new(path, tensor, problem, inner);

        long length = stream.Length;
        if (length < 8) throw Bad(null, $"the file is {length} bytes long, shorter than the 8-byte header length.");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > (ulong)(length - 8))
            throw Bad(null, $"the header length {n} goes beyond the end of the file ({length} bytes, so at most {length - 8}).");
        if (n > (ulong)Safetensors.MaxHeaderBytes)
            throw Bad(null, $"the header length {n} exceeds the limit of {Safetensors.MaxHeaderBytes} bytes.");
        var header = new byte[n];
        stream.ReadExactly(header);
        if (!Utf8.IsValid(header)) throw Bad(null, "the header is not valid UTF-8.");
        if (header.Length == 0 || header[0] != (byte)'{') throw Bad(null, "the header does not start with '{'.");

        JsonDocument doc;
        try { doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { throw Bad(null, $"the header is not valid JSON: {e.Message}", e); }

        long dataStart = 8 + (long)n, bufferLength = length - dataStart;
        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(null, "the header is not a JSON object.");
            bool sawMetadata = false;
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                string name = prop.Name;
                if (name == Safetensors.MetadataKey)
                {
                    if (sawMetadata) throw Bad(null, $"'{Safetensors.MetadataKey}' appears twice in the header.");
                    sawMetadata = true;
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad(null, $"'{Safetensors.MetadataKey}' is not a JSON object.");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) throw Bad(null, $"metadata entry '{m.Name}' is a {m.Value.ValueKind}, not a string.");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw Bad(null, $"metadata entry '{m.Name}' appears twice.");
                    }
                    continue;
                }
                if (!names.Add(name)) throw Bad(name, "the name appears twice in the header.");
                entries.Add(ParseEntry(name, prop.Value, Bad));
            }
        }

        foreach (var e in entries)
            if (e.End > bufferLength)
                throw Bad(e.Name, $"data_offsets [{e.Begin}, {e.End}] go beyond the data buffer ({bufferLength} bytes).");
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        string? previous = null;
        foreach (var e in entries)
        {
            if (e.Begin > expected)
                throw Bad(e.Name, $"a hole of {e.Begin - expected} bytes before it (it begins at {e.Begin}, the previous tensor{(previous is null ? "s end" : $" '{previous}' ends")} at {expected}).");
            if (e.Begin < expected)
                throw Bad(e.Name, $"its bytes [{e.Begin}, {e.End}) overlap those of '{previous}' (which end at {expected}).");
            expected = e.End;
            previous = e.Name;
        }
        if (expected != bufferLength)
            throw Bad(null, $"{bufferLength - expected} trailing bytes after the last tensor (the tensors cover {expected} of the {bufferLength} data bytes).");
        return (dataStart, entries, metadata);
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement value, Func<string?, string, Exception?, CheckpointException> bad)
    {
        CheckpointException Bad(string problem) => bad(name, problem, null);
        if (value.ValueKind != JsonValueKind.Object) throw Bad($"the entry is a {value.ValueKind}, not an object.");
        JsonElement? dtypeEl = null, shapeEl = null, offsetsEl = null;
        foreach (var f in value.EnumerateObject())
        {
            switch (f.Name)
            {
                case "dtype" when dtypeEl is null: dtypeEl = f.Value; break;
                case "shape" when shapeEl is null: shapeEl = f.Value; break;
                case "data_offsets" when offsetsEl is null: offsetsEl = f.Value; break;
                case "dtype" or "shape" or "data_offsets": throw Bad($"field '{f.Name}' appears twice.");
                default: throw Bad($"unexpected field '{f.Name}' (an entry has exactly dtype, shape and data_offsets).");
            }
        }
        var missing = new List<string>();
        if (dtypeEl is null) missing.Add("dtype");
        if (shapeEl is null) missing.Add("shape");
        if (offsetsEl is null) missing.Add("data_offsets");
        if (missing.Count > 0) throw Bad($"the entry has no {string.Join(", ", missing)}.");

        if (dtypeEl!.Value.ValueKind != JsonValueKind.String) throw Bad("dtype is not a string.");
        string dtype = dtypeEl.Value.GetString()!;
        if (!SafetensorsDType.IsKnown(dtype)) throw Bad($"unknown dtype '{dtype}'.");

        if (shapeEl!.Value.ValueKind != JsonValueKind.Array) throw Bad("shape is not an array.");
        var shape = new int[shapeEl.Value.GetArrayLength()];
        long numel = 1;
        int i = 0;
        foreach (var d in shapeEl.Value.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int size) || size < 0)
                throw Bad($"shape entry {i} ({d.GetRawText()}) is not an integer in [0, {int.MaxValue}].");
            shape[i++] = size;
            try { numel = checked(numel * size); }
            catch (OverflowException) { throw Bad($"shape {Shapes.Str(shape)} has too many elements."); }
        }

        if (offsetsEl!.Value.ValueKind != JsonValueKind.Array || offsetsEl.Value.GetArrayLength() != 2)
            throw Bad("data_offsets is not an array of two integers.");
        var offsets = new long[2];
        i = 0;
        foreach (var o in offsetsEl.Value.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long v) || v < 0)
                throw Bad($"data_offsets entry {i} ({o.GetRawText()}) is not an integer in [0, {long.MaxValue}].");
            offsets[i++] = v;
        }
        if (offsets[1] < offsets[0]) throw Bad($"data_offsets [{offsets[0]}, {offsets[1]}] end before they begin.");

        int bits = SafetensorsDType.BitsOf(dtype);
        long totalBits;
        try { totalBits = checked(numel * bits); }
        catch (OverflowException) { throw Bad($"shape {Shapes.Str(shape)} is too large."); }
        if (totalBits % 8 != 0) throw Bad($"shape {Shapes.Str(shape)} of {dtype} ({bits}-bit) elements does not fill whole bytes.");
        long bytes = totalBits / 8;
        if (offsets[1] - offsets[0] != bytes)
            throw Bad($"data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]} bytes, but shape {Shapes.Str(shape)} of {dtype} needs {numel} × {bits / 8.0:0.###} = {bytes}.");
        return new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/>; a <see cref="CheckpointException"/> if it is absent or its dtype is not
    /// <typeparamref name="T"/>'s (the message gives both).
    /// </summary>
    /// <typeparam name="T">The element type; the tensor's dtype must be <see cref="SafetensorsDType.Of{T}"/>.</typeparam>
    /// <param name="name">The tensor's name.</param>
    /// <returns>A new tensor with the file's shape and values.</returns>
    /// <exception cref="CheckpointException">No such tensor, or another dtype.</exception>
    public Tensor<T> Read<T>(string name) where T : unmanaged, INumber<T> => Read<T>(name, convert: false);

    /// <summary>
    /// Reads tensor <paramref name="name"/>, converting its elements to <typeparamref name="T"/> when
    /// <paramref name="convert"/> is set and the dtypes differ (see <see cref="SafetensorsDType"/> for which conversions
    /// exist: e.g. F32, F16 or BF16 into double, F64 into float, I64 into int).
    /// </summary>
    /// <typeparam name="T">The element type of the result.</typeparam>
    /// <param name="name">The tensor's name.</param>
    /// <param name="convert">Whether another dtype is converted (otherwise it is an error).</param>
    /// <returns>A new tensor with the file's shape and (converted) values.</returns>
    /// <exception cref="CheckpointException">
    /// No such tensor; another dtype and <paramref name="convert"/> is false; a dtype that does not convert to
    /// <typeparamref name="T"/>; an integer that does not fit <typeparamref name="T"/>.
    /// </exception>
    public Tensor<T> Read<T>(string name, bool convert) where T : unmanaged, INumber<T>
    {
        var e = this[name];
        CheckReadable<T>(e, convert);
        return ReadData<T>(e);
    }

    /// <summary>
    /// Reads every tensor; all dtypes are checked against <typeparamref name="T"/> before any data is read.
    /// </summary>
    /// <typeparam name="T">The element type; every dtype must be <see cref="SafetensorsDType.Of{T}"/>.</typeparam>
    /// <returns>The tensors by name.</returns>
    /// <exception cref="CheckpointException">A tensor of another dtype.</exception>
    public Dictionary<string, Tensor<T>> ReadAll<T>() where T : unmanaged, INumber<T> => ReadAll<T>(convert: false);

    /// <summary>
    /// Reads every tensor, converting other dtypes to <typeparamref name="T"/> when <paramref name="convert"/> is set
    /// (as <see cref="Read{T}(string, bool)"/>); every dtype is checked before any data is read.
    /// </summary>
    /// <typeparam name="T">The element type of the results.</typeparam>
    /// <param name="convert">Whether other dtypes are converted (otherwise they are an error).</param>
    /// <returns>The tensors by name.</returns>
    /// <exception cref="CheckpointException">As <see cref="Read{T}(string, bool)"/>, for the first tensor at fault.</exception>
    public Dictionary<string, Tensor<T>> ReadAll<T>(bool convert) where T : unmanaged, INumber<T>
    {
        foreach (var e in Entries) CheckReadable<T>(e, convert);
        var result = new Dictionary<string, Tensor<T>>(Entries.Count, StringComparer.Ordinal);
        foreach (var e in Entries) result[e.Name] = ReadData<T>(e);
        return result;
    }

    private void CheckReadable<T>(SafetensorsEntry e, bool convert) where T : unmanaged, INumber<T>
    {
        string expected = SafetensorsDType.Of<T>();
        if (e.DType != expected)
        {
            if (!convert)
                throw new CheckpointException(FilePath, e.Name, $"dtype {e.DType} in the file, but {expected} ({Tensor<T>.DType}) was expected (ask for conversion to convert it).");
            if (SafetensorsDType.ConversionProblem(e.DType, expected) is { } problem)
                throw new CheckpointException(FilePath, e.Name, $"dtype {e.DType} in the file cannot be read as {expected} ({Tensor<T>.DType}): {problem}");
        }
        long numel = (e.End - e.Begin) * 8 / SafetensorsDType.BitsOf(e.DType);
        if (numel > Array.MaxLength)
            throw new CheckpointException(FilePath, e.Name, $"shape {Shapes.Str(e.ShapeArray)} has more elements than a tensor can hold.");
    }

    private Tensor<T> ReadData<T>(SafetensorsEntry e) where T : unmanaged, INumber<T>
    {
        var t = new Tensor<T>(e.ShapeArray);
        bool same = e.DType == SafetensorsDType.Of<T>();
        var bytes = same ? MemoryMarshal.AsBytes(t.AsSpan()) : new byte[e.End - e.Begin];
        _stream.Position = DataStart + e.Begin;
        try { _stream.ReadExactly(bytes); }
        catch (EndOfStreamException x) { throw new CheckpointException(FilePath, e.Name, "the file ended while reading the tensor's data.", x); }
        if (!same && SafetensorsDType.Decode<T>(e.DType, bytes, t.AsSpan()) is var bad and >= 0)
            throw new CheckpointException(FilePath, e.Name, $"element {bad} (row-major) of the {e.DType} tensor does not fit {Tensor<T>.DType}.");
        return t;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
