using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using MiniTorch.Autograd;

namespace MiniTorch.Nn.Tests.Checkpoint;

/// <summary>A fresh directory under the system temp directory, deleted with everything in it on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "minitorch-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The names of the files in the directory (hidden temporary files included), sorted.</summary>
    public string[] Listing() => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

/// <summary>A two-level module with three parameters, for checkpoint tests.</summary>
internal sealed class TinyNet<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private sealed class Head : Module<T>
    {
        public Head(Rng rng) { RegisterParameter("weight", rng.Normal<T>([4, 2])); }
    }

    public TinyNet(ulong seed)
    {
        var rng = new Rng(seed);
        RegisterParameter("weight", rng.Normal<T>([3, 4]));
        RegisterParameter("bias", rng.Normal<T>([4]));
        RegisterModule("head", new Head(rng));
    }

    /// <summary>A deep copy of the parameters, to compare against later.</summary>
    public Dictionary<string, Tensor<T>> Snapshot() => StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
}

internal static class CheckpointTestKit
{
    /// <summary>Asserts the tensors have the same names, shapes and bytes (NaN payloads and signed zeros included).</summary>
    public static void BitEqual<T>(IReadOnlyDictionary<string, Tensor<T>> expected, IReadOnlyDictionary<string, Tensor<T>> actual)
        where T : unmanaged, INumber<T>
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, t) in expected)
        {
            Assert.True(t.SameShape(actual[name]), $"{name}: shape {t.ShapeString} vs {actual[name].ShapeString}");
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.AsSpan()).SequenceEqual(
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual[name].AsSpan())), $"{name}: bytes differ");
        }
    }

    /// <summary>
    /// Builds a safetensors file by hand: 8-byte little-endian length of <paramref name="header"/>'s UTF-8 bytes
    /// (plus <paramref name="padding"/> spaces), the header, the padding, then <paramref name="data"/>.
    /// </summary>
    public static byte[] RawFile(string header, byte[] data, int padding = 0, ulong? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header + new string(' ', padding));
        return RawFile(h, data, declaredLength);
    }

    /// <summary>As above with the header given as bytes (for invalid UTF-8).</summary>
    public static byte[] RawFile(byte[] header, byte[] data, ulong? declaredLength = null)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>Little-endian bytes of float values.</summary>
    public static byte[] F32Bytes(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    /// <summary>A header entry as a JSON object.</summary>
    public static JsonObject Entry(string dtype, int[] shape, long begin, long end) => new()
    {
        ["dtype"] = dtype,
        ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
        ["data_offsets"] = new JsonArray(begin, end),
    };
}
