using System.Buffers.Binary;
using MiniTorch.Nn.Checkpoint;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Checkpoint;

/// <summary>
/// The dtype table, one path at a time: every dtype's size, which element types map to which dtype, and for each
/// convertible dtype reading (decode), writing (encode), converting and rejecting, through files.
/// </summary>
public class DTypeTests
{
    public static TheoryData<string, int, bool> Table() => new()
    {
        { "BOOL", 8, true }, { "U8", 8, true }, { "I8", 8, true }, { "F8_E5M2", 8, false }, { "F8_E4M3", 8, false }, { "F8_E8M0", 8, false },
        { "F4", 4, false }, { "F6_E2M3", 6, false }, { "F6_E3M2", 6, false },
        { "I16", 16, true }, { "U16", 16, true }, { "F16", 16, true }, { "BF16", 16, true },
        { "I32", 32, true }, { "U32", 32, true }, { "F32", 32, true },
        { "I64", 64, true }, { "U64", 64, true }, { "F64", 64, true }, { "C64", 64, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void EveryDTypeIsKnownWithItsSizeAndWhetherItConverts(string dtype, int bits, bool convertible)
    {
        Assert.True(SafetensorsDType.IsKnown(dtype));
        Assert.Equal(bits, SafetensorsDType.BitsOf(dtype));
        Assert.Equal(convertible, SafetensorsDType.IsConvertible(dtype));
        Assert.False(SafetensorsDType.IsKnown(dtype.ToLowerInvariant()));   // case-sensitive
    }

    [Fact]
    public void AnUnknownDTypeHasNoSizeAndTheMessageListsTheValidOnes()
    {
        Assert.False(SafetensorsDType.IsKnown("F33"));
        Assert.False(SafetensorsDType.IsConvertible("F33"));
        var ex = Assert.Throws<ArgumentException>(() => SafetensorsDType.BitsOf("F33"));
        Assert.Contains("unknown dtype 'F33' (valid: BOOL, U8, I8, F8_E5M2", ex.Message);
        Assert.Equal("dtype", ex.ParamName);
    }

    [Fact]
    public void EachElementTypeHasItsDType()
    {
        Assert.Equal("F32", SafetensorsDType.Of<float>());
        Assert.Equal("F64", SafetensorsDType.Of<double>());
        Assert.Equal("F16", SafetensorsDType.Of<Half>());
        Assert.Equal("I8", SafetensorsDType.Of<sbyte>());
        Assert.Equal("U8", SafetensorsDType.Of<byte>());
        Assert.Equal("I16", SafetensorsDType.Of<short>());
        Assert.Equal("U16", SafetensorsDType.Of<ushort>());
        Assert.Equal("I32", SafetensorsDType.Of<int>());
        Assert.Equal("U32", SafetensorsDType.Of<uint>());
        Assert.Equal("I64", SafetensorsDType.Of<long>());
        Assert.Equal("U64", SafetensorsDType.Of<ulong>());
        Assert.Contains("element type Decimal has no safetensors dtype", Assert.Throws<NotSupportedException>(SafetensorsDType.Of<decimal>).Message);
    }

    [Theory]
    [InlineData("F32", "F64", null)]
    [InlineData("BF16", "F16", null)]
    [InlineData("I64", "I32", null)]
    [InlineData("BOOL", "U8", null)]
    [InlineData("I64", "F64", "I64 cannot be converted to F64: integer and floating-point dtypes do not convert into each other.")]
    [InlineData("F32", "I32", "F32 cannot be converted to I32: integer and floating-point dtypes do not convert into each other.")]
    [InlineData("F8_E4M3", "F32", "F8_E4M3 cannot be converted (only BOOL, U8-U64, I8-I64, F16, BF16, F32 and F64 can).")]
    [InlineData("F32", "C64", "C64 cannot be converted (only BOOL, U8-U64, I8-I64, F16, BF16, F32 and F64 can).")]
    public void ConversionIsBetweenIntegersOrBetweenFloatsOnly(string from, string to, string? problem) =>
        Assert.Equal(problem, SafetensorsDType.ConversionProblem(from, to));

    // ------------------------------------------------------------------ integers: every dtype's range, both ways

    public static TheoryData<string, long, ulong> IntegerRanges() => new()
    {
        // dtype, min, max (as the largest value of the type)
        { "U8", 0, byte.MaxValue }, { "I8", sbyte.MinValue, (ulong)sbyte.MaxValue }, { "U16", 0, ushort.MaxValue },
        { "I16", short.MinValue, (ulong)short.MaxValue }, { "U32", 0, uint.MaxValue }, { "I32", int.MinValue, int.MaxValue },
        { "U64", 0, ulong.MaxValue }, { "I64", long.MinValue, long.MaxValue },
    };

    [Theory]
    [MemberData(nameof(IntegerRanges))]
    public void IntegerDTypesStoreTheirWholeRangeInTwosComplementAndRejectOneBeyond(string dtype, long min, ulong max)
    {
        using var dir = new TempDir();
        var path = dir.File("ints.safetensors");
        int size = SafetensorsDType.BitsOf(dtype) / 8;
        if (dtype != "U64")
        {
            // From long tensors: min, -1 (for signed), 0, 1, max.
            var values = new List<long> { min, 0, 1, (long)max };
            if (min < 0) values.Add(-1);
            Safetensors.Save(path, new Dictionary<string, Tensor<long>> { ["v"] = Tensor.FromArray(values.ToArray()) }, dtype: dtype);
            var bytes = File.ReadAllBytes(path);
            var data = bytes.AsSpan(bytes.Length - values.Count * size);
            for (int i = 0; i < values.Count; i++)
            {
                var expected = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(expected, values[i]);
                Assert.True(expected.AsSpan(0, size).SequenceEqual(data.Slice(i * size, size)), $"{dtype} bytes of {values[i]}");
            }
            using (var file = SafetensorsFile.Open(path))
            {
                Assert.Equal(dtype, file["v"].DType);
                Assert.Equal(values, file.Read<long>("v", convert: true).ToArray());
            }
            // One beyond either end is refused before the file is touched, naming the element.
            foreach (var bad in new[] { min - 1, (long)max + 1 })
            {
                if ((bad == min - 1 && min == long.MinValue) || (ulong)(long)max == max && (long)max == long.MaxValue && bad == (long)max + 1) continue;
                var before = File.ReadAllBytes(path);
                var ex = Assert.Throws<ArgumentException>(() => Safetensors.Save(path,
                    new Dictionary<string, Tensor<long>> { ["w"] = Tensor.FromArray([0L, bad]) }, dtype: dtype));
                Assert.Contains($"element 1 (row-major) of tensor 'w' (value {bad}) does not fit {dtype}", ex.Message);
                Assert.Equal(before, File.ReadAllBytes(path));
            }
        }
        else
        {
            Safetensors.Save(path, new Dictionary<string, Tensor<ulong>> { ["v"] = Tensor.FromArray([0UL, 1UL, ulong.MaxValue]) }, dtype: "U64");
            Assert.Equal([0UL, 1UL, ulong.MaxValue], Safetensors.Load<ulong>(path).Single().Value.ToArray());
            var ex = Assert.Throws<CheckpointException>(() => Safetensors.Load<long>(path, convert: true));
            Assert.Contains("element 2 (row-major) of the U64 tensor does not fit Int64", ex.Message);
            Assert.Throws<ArgumentException>(() => Safetensors.Save(path, new Dictionary<string, Tensor<long>> { ["n"] = Tensor.FromArray([-1L]) }, dtype: "U64"));
        }
    }

    [Fact]
    public void ReadingIntegersIntoANarrowerTypeRejectsTheFirstValueThatDoesNotFit()
    {
        using var dir = new TempDir();
        var path = dir.File("i64.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor<long>> { ["ok"] = Tensor.FromArray([-3L, 2_000_000_000L]), ["big"] = Tensor.FromArray([5L, 1L << 31, -1L]) });
        using var file = SafetensorsFile.Open(path);
        Assert.Equal([-3, 2_000_000_000], file.Read<int>("ok", convert: true).ToArray());
        var ex = Assert.Throws<CheckpointException>(() => file.Read<int>("big", convert: true));
        Assert.Contains("tensor 'big': element 1 (row-major) of the I64 tensor does not fit int32.", ex.Message);
        Assert.Contains("element 0 (row-major) of the I64 tensor does not fit Byte", Assert.Throws<CheckpointException>(() => file.Read<byte>("ok", convert: true)).Message);
        // Without convert: the dtype is an error naming both.
        Assert.Contains("dtype I64 in the file, but I32 (int32) was expected (ask for conversion to convert it).",
            Assert.Throws<CheckpointException>(() => file.Read<int>("ok")).Message);
    }

    [Fact]
    public void BoolStoresNonZeroAsOneAndReadsAsZeroOrOne()
    {
        using var dir = new TempDir();
        var path = dir.File("bool.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor<int>> { ["m"] = Tensor.FromArray([0, 1, -7, 300]) }, dtype: "BOOL");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0, 1, 1, 1], bytes[^4..]);
        Assert.Equal([0, 1, 1, 1], Safetensors.Load<int>(path, convert: true)["m"].ToArray());
        Assert.Equal([(byte)0, 1, 1, 1], Safetensors.Load<byte>(path, convert: true)["m"].ToArray());
    }

    [Fact]
    public void SignedBytesAndShortsSignExtendWhenRead()
    {
        using var dir = new TempDir();
        var path = dir.File("small.safetensors");
        string header = """{"i8":{"dtype":"I8","shape":[2],"data_offsets":[0,2]},"u8":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},"i16":{"dtype":"I16","shape":[1],"data_offsets":[4,6]},"u16":{"dtype":"U16","shape":[1],"data_offsets":[6,8]},"i32":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},"u32":{"dtype":"U32","shape":[1],"data_offsets":[12,16]}}""";
        byte[] data = [0xFF, 0x80, 0xFF, 0x80, 0x00, 0x80, 0x00, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        File.WriteAllBytes(path, RawFile(header, data));
        var all = Safetensors.Load<long>(path, convert: true);
        Assert.Equal([-1L, -128L], all["i8"].ToArray());
        Assert.Equal([255L, 128L], all["u8"].ToArray());
        Assert.Equal([-32768L], all["i16"].ToArray());
        Assert.Equal([32768L], all["u16"].ToArray());
        Assert.Equal([-1L], all["i32"].ToArray());
        Assert.Equal([4294967295L], all["u32"].ToArray());
    }

    // ------------------------------------------------------------------ floating point

    [Fact]
    public void Float64ValuesStoredAsF32F16AndBF16RoundToNearestEven()
    {
        using var dir = new TempDir();
        var path = dir.File("floats.safetensors");
        double tieBf16 = 1 + Math.Pow(2, -8), tieBf16Up = 1 + 3 * Math.Pow(2, -8);
        var values = new[] { 1.0, -0.0, Math.PI, tieBf16, tieBf16Up, double.PositiveInfinity, double.NaN, 1e300, 65520.0, (double)float.MaxValue };
        var t = new Dictionary<string, Tensor<double>> { ["v"] = Tensor.FromArray(values) };

        Safetensors.Save(path, t, dtype: "BF16");
        ushort[] bf16 = Words(File.ReadAllBytes(path), values.Length);
        //   1.0    -0.0    π→0x4049  tie→even  tie→up   +inf    NaN(quiet)  1e300→inf  65520 (0x477FF000) rounds up  max float rounds up to inf
        Assert.Equal(new ushort[] { 0x3F80, 0x8000, 0x4049, 0x3F80, 0x3F82, 0x7F80, 0xFFC0, 0x7F80, 0x4780, 0x7F80 }, bf16);
        var back = Safetensors.Load<double>(path, convert: true)["v"].ToArray();
        Assert.Equal(new[] { 1.0, -0.0, 3.140625, 1.0, 1 + 2 * Math.Pow(2, -7), double.PositiveInfinity }, back[..6]);
        Assert.True(double.IsNaN(back[6]));
        Assert.True(double.IsNegative(back[1]));

        Safetensors.Save(path, t, dtype: "F16");
        ushort[] f16 = Words(File.ReadAllBytes(path), values.Length);
        Assert.Equal(new ushort[] { 0x3C00, 0x8000, 0x4248, 0x3C04, 0x3C0C, 0x7C00 }, f16[..6]);   // half keeps 10 mantissa bits: the BF16 ties are exact
        Assert.Equal(0x7C00, f16[7]);           // 1e300 overflows to +inf
        Assert.Equal(0x7C00, f16[8]);           // 65520 rounds up past the largest half (65504)
        var halfBack = Safetensors.Load<double>(path, convert: true)["v"].ToArray();
        Assert.Equal(3.140625, halfBack[2]);
        Assert.Equal((double)(Half)tieBf16Up, halfBack[4]);

        Safetensors.Save(path, t, dtype: "F32");
        var f32 = Safetensors.Load<float>(path)["v"].ToArray();
        Assert.Equal(values.Select(v => (float)v), f32);
        Assert.Equal(values.Select(v => (double)(float)v), Safetensors.Load<double>(path, convert: true)["v"].ToArray());

        // Float32 into F64 and back into float32 is exact; F64 read as Half converts too.
        var floats = new Dictionary<string, Tensor<float>> { ["f"] = Tensor.FromArray([1.5f, -2.25e-30f, float.Epsilon]) };
        Safetensors.Save(path, floats, dtype: "F64");
        using (var file = SafetensorsFile.Open(path)) Assert.Equal("F64", file["f"].DType);
        BitEqual(floats, Safetensors.Load<float>(path, convert: true));
        Assert.Equal([(Half)1.5f, (Half)0f, (Half)0f], Safetensors.Load<Half>(path, convert: true)["f"].ToArray());
    }

    private static ushort[] Words(byte[] file, int count)
    {
        var data = file.AsSpan(file.Length - 2 * count);
        var w = new ushort[count];
        for (int i = 0; i < count; i++) w[i] = BinaryPrimitives.ReadUInt16LittleEndian(data[(2 * i)..]);
        return w;
    }

    [Fact]
    public void Float16FilesReadIntoFloatAndDouble()
    {
        using var dir = new TempDir();
        var path = dir.File("half.safetensors");
        var halves = new Dictionary<string, Tensor<Half>> { ["h"] = Tensor.FromArray([(Half)0.5f, Half.NegativeInfinity, (Half)65504f, Half.Epsilon]) };
        Safetensors.Save(path, halves);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("F16", file["h"].DType);
        Assert.Equal([0.5f, float.NegativeInfinity, 65504f, (float)Half.Epsilon], file.Read<float>("h", convert: true).ToArray());
        Assert.Equal([0.5, double.NegativeInfinity, 65504.0, (double)Half.Epsilon], file.Read<double>("h", convert: true).ToArray());
        Assert.Contains("dtype F16 in the file, but F32 (float32) was expected", Assert.Throws<CheckpointException>(() => file.Read<float>("h")).Message);
    }

    [Theory]
    [InlineData("F8_E4M3")]
    [InlineData("C64")]
    [InlineData("F4")]
    public void UnconvertibleDTypesAreListedButRejected(string dtype)
    {
        using var dir = new TempDir();
        var path = dir.File("odd.safetensors");
        int bytes = SafetensorsDType.BitsOf(dtype) * 2 / 8;
        File.WriteAllBytes(path, RawFile($$$"""{"x":{"dtype":"{{{dtype}}}","shape":[2],"data_offsets":[0,{{{bytes}}}]}}""", new byte[bytes]));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(dtype, file["x"].DType);
        var ex = Assert.Throws<CheckpointException>(() => file.Read<float>("x", convert: true));
        Assert.Contains($"dtype {dtype} in the file cannot be read as F32 (float32): {dtype} cannot be converted", ex.Message);
        Assert.Equal("x", ex.TensorName);
        Assert.Contains($"cannot store float64 tensors as {dtype}", Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(dir.File("w"), new Dictionary<string, Tensor<double>> { ["a"] = Tensor.Scalar(1.0) }, dtype: dtype)).Message);
        Assert.False(File.Exists(dir.File("w")));
    }

    [Fact]
    public void SavingRejectsAnUnknownOrMismatchedDTypeBeforeTouchingTheDisk()
    {
        using var dir = new TempDir();
        var path = dir.File("x.safetensors");
        var ex = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, new Dictionary<string, Tensor<float>> { ["a"] = Tensor.Scalar(1f) }, dtype: "f32"));
        Assert.Contains("unknown dtype 'f32'", ex.Message);
        Assert.Contains("cannot store float32 tensors as I32: F32 cannot be converted to I32",
            Assert.Throws<ArgumentException>(() => Safetensors.Save(path, new Dictionary<string, Tensor<float>> { ["a"] = Tensor.Scalar(1f) }, dtype: "I32")).Message);
        Assert.Contains("cannot store int32 tensors as F32",
            Assert.Throws<ArgumentException>(() => Safetensors.Save(path, new Dictionary<string, Tensor<int>> { ["a"] = Tensor.Scalar(1) }, dtype: "F32")).Message);
        Assert.Empty(dir.Listing());
        // The element type's own dtype, named explicitly, is the plain path.
        Safetensors.Save(path, new Dictionary<string, Tensor<float>> { ["a"] = Tensor.Scalar(1f) }, dtype: "F32");
        Assert.Equal(1f, Safetensors.Load<float>(path)["a"].Item());
    }

    [Fact]
    public void ANaNStoredAsBF16StaysANaNEvenWhenRoundingWouldCarryOutOfIt()
    {
        // A NaN with every payload bit set: rounding its low half up would carry into the sign bit (giving -0); the NaN
        // branch keeps its upper 16 bits and sets the quiet bit instead.
        using var dir = new TempDir();
        var path = dir.File("nan.safetensors");
        float nan = BitConverter.Int32BitsToSingle(0x7FFFFFFF), negNan = BitConverter.UInt32BitsToSingle(0xFFFF8001);
        Safetensors.Save(path, new Dictionary<string, Tensor<float>> { ["n"] = Tensor.FromArray([nan, negNan]) }, dtype: "BF16");
        Assert.Equal(new ushort[] { 0x7FFF, 0xFFFF }, Words(File.ReadAllBytes(path), 2));
        Assert.All(Safetensors.Load<float>(path, convert: true)["n"].ToArray(), v => Assert.True(float.IsNaN(v)));
    }
}
