using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Nn.Checkpoint;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Checkpoint;

public class SafetensorsTests
{
    private static Dictionary<string, Tensor<float>> SpecialFloats() => new()
    {
        ["specials"] = Tensor.FromArray([
            float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(unchecked((int)0xFF80_0001)),
            -0f, 0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity,
            float.NegativeInfinity, 1e-40f], 3, 4),
        ["scalar"] = Tensor.Scalar(3.25f),
        ["empty"] = Tensor.Zeros<float>(0, 3),
        ["cube"] = new Rng(1).Normal<float>([2, 3, 4]),
        ["unicode name é/ü.✓"] = Tensor.FromArray([1f, 2f]),
    };

    [Fact]
    public void Float32RoundTripIsBitExact()
    {
        using var dir = new TempDir();
        var path = dir.File("f32.safetensors");
        var tensors = SpecialFloats();
        Safetensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü \"quoted\"" });
        BitEqual(tensors, Safetensors.Load<float>(path));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("ü \"quoted\"", file.Metadata["note"]);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.All(file.Entries, e => Assert.Equal("F32", e.DType));
        Assert.Equal([0, 3], file["empty"].Shape);
        Assert.Empty(file["scalar"].Shape);
    }

    [Fact]
    public void Float64RoundTripIsBitExact()
    {
        using var dir = new TempDir();
        var path = dir.File("f64.safetensors");
        var tensors = new Dictionary<string, Tensor<double>>
        {
            ["specials"] = Tensor.FromArray([double.NaN, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_BEEF), -0.0,
                double.Epsilon, double.MaxValue, double.NegativeInfinity, 1e-310, Math.PI], 2, 2, 2),
            ["w"] = new Rng(2).Normal<double>([5, 7]),
            ["s"] = Tensor.Scalar(-1.0),
        };
        Safetensors.Save(path, tensors);
        BitEqual(tensors, Safetensors.Load<double>(path));
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Metadata);
        Assert.All(file.Entries, e => Assert.Equal("F64", e.DType));
    }

    [Fact]
    public void Int32TensorsRoundTrip()
    {
        using var dir = new TempDir();
        var path = dir.File("i32.safetensors");
        var tensors = new Dictionary<string, Tensor<int>> { ["idx"] = Tensor.FromArray([int.MinValue, -1, 0, 7, int.MaxValue, 3], 2, 3) };
        Safetensors.Save(path, tensors);
        BitEqual(tensors, Safetensors.Load<int>(path));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("I32", file["idx"].DType);
    }

    [Fact]
    public void WrittenBytesFollowTheSpec()
    {
        // Parse our own output by hand: length prefix, space-padded JSON header ending 8-byte aligned, sorted packed data.
        using var dir = new TempDir();
        var path = dir.File("spec.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor<float>>
        {
            ["zeta"] = Tensor.FromArray([1.5f, -2f], 2, 1),
            ["alpha"] = Tensor.FromArray([0.25f, 8f, -0f]),
        }, new Dictionary<string, string> { ["k"] = "v" });
        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8);
        var headerText = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.Equal(headerText.TrimEnd(' '), headerText.TrimEnd(' ').Trim());
        using var doc = JsonDocument.Parse(headerText);
        var root = doc.RootElement;
        Assert.Equal("v", root.GetProperty("__metadata__").GetProperty("k").GetString());
        var alpha = root.GetProperty("alpha");
        Assert.Equal("F32", alpha.GetProperty("dtype").GetString());
        Assert.Equal([3], alpha.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([0L, 12L], alpha.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        var zeta = root.GetProperty("zeta");
        Assert.Equal([2, 1], zeta.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([12L, 20L], zeta.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(8 + n + 20, bytes.Length);
        Assert.Equal(F32Bytes(0.25f, 8f, -0f, 1.5f, -2f), bytes[(int)(8 + n)..]);
    }

    [Fact]
    public void AHandBuiltFileMatchingTheSpecLoads()
    {
        // Entries in an order unlike their offsets, metadata last, extra whitespace and trailing space padding.
        using var dir = new TempDir();
        var path = dir.File("hand.safetensors");
        string header = """
            { "b" : {"dtype":"F32", "shape":[2], "data_offsets":[8,16]},
              "a": {"data_offsets": [0, 8], "shape": [1, 2], "dtype": "F32"},
              "z": {"dtype": "F32", "shape": [0], "data_offsets": [16, 16]},
              "__metadata__": {"format": "pt"} }
            """;
        File.WriteAllBytes(path, RawFile(header, F32Bytes(1f, -2f, 0.5f, 1e30f), padding: 5));
        var loaded = Safetensors.Load<float>(path);
        Assert.Equal([1f, -2f], loaded["a"].ToArray());
        Assert.Equal([1, 2], loaded["a"].ShapeArray);
        Assert.Equal([0.5f, 1e30f], loaded["b"].ToArray());
        Assert.Equal([0], loaded["z"].ShapeArray);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b", "z"], file.Entries.Select(e => e.Name));
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void TheReaderReportsEveryDTypeAndReadsOnlyMatchingOnes()
    {
        using var dir = new TempDir();
        var path = dir.File("mixed.safetensors");
        string header = """
            {"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},
             "i":{"dtype":"I64","shape":[1],"data_offsets":[4,12]},
             "f":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},
             "p":{"dtype":"F4","shape":[2],"data_offsets":[16,17]},
             "q":{"dtype":"BOOL","shape":[3],"data_offsets":[17,20]}}
            """;
        var data = new byte[20];
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(4), -5);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(12), 2.5f);
        File.WriteAllBytes(path, RawFile(header, data));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["F16", "I64", "F32", "F4", "BOOL"], file.Entries.Select(e => e.DType));
        Assert.Equal([2.5f], file.Read<float>("f").ToArray());
        Assert.Equal([-5L], file.Read<long>("i").ToArray());
        var ex = Assert.Throws<CheckpointException>(() => file.Read<float>("i"));
        Assert.Contains("tensor 'i': dtype I64 in the file, but F32 (float32) was expected", ex.Message);
        Assert.Equal("i", ex.TensorName);
        Assert.Throws<CheckpointException>(() => file.Read<float>("missing"));
        // Loading everything as float32 fails on the first non-F32 tensor before any data is read.
        Assert.Throws<CheckpointException>(file.ReadAll<float>);
    }

    [Fact]
    public void SavingRejectsBadNamesBeforeTouchingTheDisk()
    {
        using var dir = new TempDir();
        var path = dir.File("x.safetensors");
        Assert.Contains("clashes with the header's metadata key",
            Assert.Throws<ArgumentException>(() => Safetensors.Save(path, new Dictionary<string, Tensor<float>> { ["__metadata__"] = Tensor.Scalar(1f) })).Message);
        Assert.Throws<ArgumentException>(() => Safetensors.Save(path, new Dictionary<string, Tensor<float>> { [""] = Tensor.Scalar(1f) }));
        Assert.Empty(dir.Listing());
    }

    private static readonly Gen<Tensor<double>> AnyBitsTensor =
        from rank in Gen.Choose(0, 3)
        from shape in Gen.Choose(0, 4).ArrayOf(rank)
        from bits in Gen.Choose(int.MinValue, int.MaxValue).Two().ArrayOf(shape.Aggregate(1, (a, b) => a * b))
        let values = bits.Select(b => BitConverter.Int64BitsToDouble(((long)b.Item1 << 32) | (uint)b.Item2)).ToArray()
        select rank == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, shape);

    private static readonly Arbitrary<Dictionary<string, Tensor<double>>> AnyDictionary =
        Gen.Choose(0, 4).SelectMany(n => AnyBitsTensor.ArrayOf(n)).Select(ts =>
            ts.Select((t, i) => (Name: $"t{i}.{t.Rank}", t)).ToDictionary(x => x.Name, x => x.t)).ToArbitrary();

    [Property(MaxTest = 40)]
    public Property AnyTensorsRoundTripBitExactly() =>
        Prop.ForAll(AnyDictionary, tensors =>
        {
            using var dir = new TempDir();
            var path = dir.File("p.safetensors");
            Safetensors.Save(path, tensors);
            BitEqual(tensors, Safetensors.Load<double>(path));
            Assert.Equal(["p.safetensors"], dir.Listing());
        });
}
