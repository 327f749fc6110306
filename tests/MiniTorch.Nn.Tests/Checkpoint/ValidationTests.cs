using System.Buffers.Binary;
using System.Text;
using MiniTorch.Nn.Checkpoint;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Checkpoint;

/// <summary>
/// The validation branches of <see cref="SafetensorsFile.Open"/> not already reached by <see cref="BadFileTests"/>,
/// each row named after the check it exercises, plus the accessors of a valid file and the writer's argument checks.
/// </summary>
public class ValidationTests
{
    private static string Entry(string dtype, string shape, string offsets) => $$"""{"dtype":"{{dtype}}","shape":{{shape}},"data_offsets":{{offsets}}}""";

    public static TheoryData<string> Checks() => new(Bad().Select(c => c.Check));

    private static IEnumerable<(string Check, byte[] Bytes, string Fragment, string? Tensor)> Bad()
    {
        byte[] Raw(string header, int data = 8) => RawFile(header, new byte[data]);
        string One(string entry) => $$"""{"a":{{entry}}}""";

        yield return ("header length zero: no '{'", RawFile("", new byte[8]), "the header does not start with '{'", null);
        yield return ("header starting with a space", Raw(" " + One(Entry("F32", "[2]", "[0,8]"))), "the header does not start with '{'", null);
        yield return ("header length one byte beyond the end of the file", RawFile("{}", [], declaredLength: 3), "the header length 3 goes beyond the end of the file (10 bytes, so at most 2).", null);
        yield return ("header length exactly to the end of the file", RawFile(One(Entry("F32", "[0]", "[0,0]")), []), "", null);
        yield return ("JSON nested deeper than 8", Raw("""{"a":{"b":[[[[[[[[1]]]]]]]]}}"""), "the header is not valid JSON", null);
        yield return ("metadata twice", Raw("""{"__metadata__":{},"__metadata__":{}, "a":""" + Entry("F32", "[2]", "[0,8]") + "}"), "'__metadata__' appears twice in the header", null);
        yield return ("metadata key twice", Raw("""{"__metadata__":{"k":"1","k":"2"}, "a":""" + Entry("F32", "[2]", "[0,8]") + "}"), "metadata entry 'k' appears twice", null);
        yield return ("field twice", Raw("""{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"""), "field 'dtype' appears twice", "a");
        yield return ("shape twice", Raw("""{"a":{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}}"""), "field 'shape' appears twice", "a");
        yield return ("data_offsets twice", Raw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"data_offsets":[0,8]}}"""), "field 'data_offsets' appears twice", "a");
        yield return ("missing shape only", Raw("""{"a":{"dtype":"F32","data_offsets":[0,8]}}"""), "the entry has no shape.", "a");
        yield return ("missing dtype only", Raw("""{"a":{"shape":[2],"data_offsets":[0,8]}}"""), "the entry has no dtype.", "a");
        yield return ("missing everything", Raw("""{"a":{}}"""), "the entry has no dtype, shape, data_offsets.", "a");
        yield return ("dtype not a string", Raw(One("""{"dtype":32,"shape":[2],"data_offsets":[0,8]}""")), "dtype is not a string.", "a");
        yield return ("shape not an array", Raw(One(Entry("F32", "2", "[0,8]"))), "shape is not an array.", "a");
        yield return ("shape entry not a number", Raw(One(Entry("F32", "[\"2\"]", "[0,8]"))), "shape entry 0 (\"2\") is not an integer in [0, 2147483647].", "a");
        yield return ("shape entry beyond int32", Raw(One(Entry("F32", "[1,2147483648]", "[0,8]"))), "shape entry 1 (2147483648) is not an integer", "a");
        yield return ("shape entry fractional", Raw(One(Entry("F32", "[2.5]", "[0,8]"))), "shape entry 0 (2.5) is not an integer", "a");
        yield return ("element count overflows", Raw(One(Entry("U8", "[2147483647,2147483647,2147483647]", "[0,8]"))), "has too many elements.", "a");
        yield return ("byte count overflows", Raw(One(Entry("F64", "[2147483647,2147483647,2]", "[0,8]"))), "is too large.", "a");
        yield return ("F4 elements not filling whole bytes", Raw(One(Entry("F4", "[3]", "[0,2]")), 2), "shape (3,) of F4 (4-bit) elements does not fill whole bytes.", "a");
        yield return ("F6 elements not filling whole bytes", Raw(One(Entry("F6_E2M3", "[2]", "[0,2]")), 2), "of F6_E2M3 (6-bit) elements does not fill whole bytes.", "a");
        yield return ("data_offsets not an array", Raw(One(Entry("F32", "[2]", "8"))), "data_offsets is not an array of two integers.", "a");
        yield return ("data_offsets of three", Raw(One(Entry("F32", "[2]", "[0,8,8]"))), "data_offsets is not an array of two integers.", "a");
        yield return ("data_offsets of one", Raw(One(Entry("F32", "[2]", "[8]"))), "data_offsets is not an array of two integers.", "a");
        yield return ("negative data_offsets", Raw(One(Entry("F32", "[2]", "[-8,0]"))), "data_offsets entry 0 (-8) is not an integer in [0, 9223372036854775807].", "a");
        yield return ("data_offsets entry a string", Raw(One(Entry("F32", "[2]", "[0,\"8\"]"))), "data_offsets entry 1 (\"8\") is not an integer", "a");
        yield return ("offsets too short for the shape", Raw(One(Entry("F32", "[2]", "[0,4]")), 4), "data_offsets [0, 4] span 4 bytes, but shape (2,) of F32 needs 2 × 4 = 8.", "a");
        yield return ("F4 half-byte sizes in the message", Raw(One(Entry("F4", "[4]", "[0,4]")), 4), "needs 4 × 0.5 = 2.", "a");
        yield return ("a tensor ending one byte past the buffer", Raw(One(Entry("F32", "[2]", "[0,8]")), 7), "data_offsets [0, 8] go beyond the data buffer (7 bytes).", "a");
        yield return ("two tensors at the same offsets",
            Raw("""{"a":""" + Entry("F32", "[2]", "[0,8]") + ""","b":""" + Entry("F32", "[2]", "[0,8]") + "}", 8), "overlap those of 'a' (which end at 8)", "b");
        yield return ("a tensor nested inside another (offset order is begin order, not end order)",
            Raw("""{"a":""" + Entry("F32", "[4]", "[0,16]") + ""","b":""" + Entry("F32", "[1]", "[4,8]") + "}", 16), "its bytes [4, 8) overlap those of 'a' (which end at 16)", "b");
        yield return ("a hole after a tensor",
            Raw("""{"a":""" + Entry("F32", "[1]", "[0,4]") + ""","b":""" + Entry("F32", "[1]", "[5,9]") + "}", 9), "a hole of 1 bytes before it (it begins at 5, the previous tensor 'a' ends at 4)", "b");
        yield return ("a hole at the start (no previous tensor)", Raw(One(Entry("F32", "[1]", "[4,8]")), 8), "the previous tensors end at 0", "a");
        yield return ("one trailing byte", Raw(One(Entry("F32", "[2]", "[0,8]")), 9), "1 trailing bytes after the last tensor (the tensors cover 8 of the 9 data bytes).", null);
        yield return ("data but no tensors", Raw("{}", 4), "4 trailing bytes after the last tensor (the tensors cover 0 of the 4 data bytes).", null);
        yield return ("header length over the limit within the file", HugeHeaderPrefix(), $"the header length {Safetensors.MaxHeaderBytes + 1} exceeds the limit of {Safetensors.MaxHeaderBytes} bytes.", null);
    }

    // Only the 8-byte prefix matters: the file is made sparse and long enough to pass the end-of-file check.
    private static byte[] HugeHeaderPrefix()
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, Safetensors.MaxHeaderBytes + 1);
        return b;
    }

    [Theory]
    [MemberData(nameof(Checks))]
    public void OpenRejectsTheFileNamingTheCheck(string check)
    {
        var (_, bytes, fragment, tensor) = Bad().Single(c => c.Check == check);
        using var dir = new TempDir();
        var path = dir.File("f.safetensors");
        using (var s = new FileStream(path, FileMode.CreateNew))
        {
            s.Write(bytes);
            if (check.StartsWith("header length over the limit", StringComparison.Ordinal)) s.SetLength(8 + Safetensors.MaxHeaderBytes + 8);
        }
        if (fragment.Length == 0)
        {
            using var ok = SafetensorsFile.Open(path);                   // the boundary case is valid
            Assert.Equal(0, ok.Read<float>("a").Length);
            return;
        }
        var ex = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(fragment, ex.Message);
        Assert.Equal(tensor, ex.TensorName);
        Assert.Equal(path, ex.FilePath);
        Assert.StartsWith(tensor is null ? $"Checkpoint '{path}': " : $"Checkpoint '{path}', tensor '{tensor}': ", ex.Message);
        // The file was closed: it can be deleted and rewritten at once.
        File.Delete(path);
    }

    [Fact]
    public void AValidFileExposesItsLayout()
    {
        using var dir = new TempDir();
        var path = dir.File("ok.safetensors");
        string header = """{"b":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]},"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]},"__metadata__":{"m":"v"}}""";
        File.WriteAllBytes(path, RawFile(header, [7, 0, 0, 0, .. F32Bytes(1.5f, -2f)], padding: 3));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(path, file.FilePath);
        Assert.Equal(8 + Encoding.UTF8.GetByteCount(header) + 3, file.DataStart);
        Assert.Equal(["a", "b"], file.Entries.Select(e => e.Name));                 // offset order
        var b = file["b"];
        Assert.Equal(("b", "F32", 4L, 12L), (b.Name, b.DType, b.Begin, b.End));
        Assert.Equal([1, 2], b.Shape);
        Assert.True(file.Contains("a"));
        Assert.False(file.Contains("m"));
        Assert.False(file.Contains("__metadata__"));
        Assert.Equal("v", file.Metadata["m"]);
        Assert.Equal(7, file.Read<int>("a").Item());
        Assert.Equal([1.5f, -2f], file.Read<float>("b").ToArray());
        Assert.Equal([1.5f, -2f], file.Read<float>("b", convert: true).ToArray());   // the same dtype: no conversion
        var missing = Assert.Throws<CheckpointException>(() => file["zz"]);
        Assert.Equal("zz", missing.TensorName);
        Assert.Contains("no such tensor in the file.", missing.Message);
        // Reading everything: the dtypes are checked first, before any data.
        var ex = Assert.Throws<CheckpointException>(file.ReadAll<float>);
        Assert.Equal("a", ex.TensorName);
        Assert.Contains("dtype I32 in the file cannot be read as F32", Assert.Throws<CheckpointException>(() => file.ReadAll<float>(convert: true)).Message);
        Assert.Equal([7L], file.Read<long>("a", convert: true).ToArray());
    }

    [Fact]
    public void OpenRejectsANullOrEmptyPathAndAMissingFile()
    {
        Assert.Throws<ArgumentNullException>(() => SafetensorsFile.Open(null!));
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Open(""));
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(dir.File("none")));
    }

    [Fact]
    public void ATensorLargerThanAnArrayIsRejectedWhenRead()
    {
        // 2^31 - 1 one-byte elements: a valid layout (the data is a sparse file), but more than Array.MaxLength.
        using var dir = new TempDir();
        var path = dir.File("big.safetensors");
        const long n = int.MaxValue;
        var prefix = RawFile($$$"""{"big":{"dtype":"U8","shape":[{{{n}}}],"data_offsets":[0,{{{n}}}]}}""", []);
        using (var s = new FileStream(path, FileMode.CreateNew))
        {
            s.Write(prefix);
            s.SetLength(prefix.Length + n);
        }
        using var file = SafetensorsFile.Open(path);
        var ex = Assert.Throws<CheckpointException>(() => file.Read<byte>("big"));
        Assert.Contains("shape (2147483647,) has more elements than a tensor can hold.", ex.Message);
    }

    [Fact]
    public void ALengthPrefixAloneIsAnEmptyHeaderNotAShortFile()
    {
        // Exactly 8 bytes (header length 0): long enough for the prefix, so the complaint is the empty header.
        using var dir = new TempDir();
        var path = dir.File("eight.safetensors");
        File.WriteAllBytes(path, new byte[8]);
        var ex = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains("the header does not start with '{'", ex.Message);
        File.WriteAllBytes(path, new byte[7]);
        Assert.Contains("the file is 7 bytes long, shorter than the 8-byte header length.",
            Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose()).Message);
    }

    [Fact]
    public void AHeaderOfExactlyTheLimitIsReadNotRefused()
    {
        // A header length equal to MaxHeaderBytes is allowed (only longer ones are refused): this one is read and then
        // fails on its content (zeros), not on its size. The file is sparse.
        using var dir = new TempDir();
        var path = dir.File("limit.safetensors");
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, Safetensors.MaxHeaderBytes);
        using (var s = new FileStream(path, FileMode.CreateNew))
        {
            s.Write(prefix);
            s.SetLength(8 + Safetensors.MaxHeaderBytes);
        }
        var ex = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains("the header does not start with '{'", ex.Message);
    }

    [Fact]
    public void AnEmptyTensorAtTheSameOffsetAsAnotherSortsFirstAndIsNoOverlap()
    {
        // Entries with equal begin offsets are ordered by their end: the empty one [0, 0) before [0, 8), whatever the
        // header order, so the layout check sees no overlap.
        using var dir = new TempDir();
        var path = dir.File("tie.safetensors");
        File.WriteAllBytes(path, RawFile("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""",
            F32Bytes(1f, 2f)));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["e", "a"], file.Entries.Select(e => e.Name));
        Assert.Equal([1f, 2f], file.Read<float>("a").ToArray());
        Assert.Equal([0], file.Read<float>("e").ShapeArray);
    }

    [Fact]
    public void AFileTruncatedAfterOpenFailsWhileReadingNamingTheTensor()
    {
        // The layout was valid when opened; another writer shortens the file before the data is read (the tensor is
        // larger than the reader's 64 KiB buffer, so its end is read from the file, which is no longer there).
        using var dir = new TempDir();
        var path = dir.File("cut.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor<float>> { ["w"] = Tensor.Zeros<float>(40_000) });
        using var file = SafetensorsFile.Open(path);
        using (var w = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) w.SetLength(file.DataStart + 100_000);
        var ex = Assert.Throws<CheckpointException>(() => file.Read<float>("w"));
        Assert.Equal("w", ex.TensorName);
        Assert.Contains("the file ended while reading the tensor's data.", ex.Message);
        Assert.IsType<EndOfStreamException>(ex.InnerException);
    }

    [Fact]
    public void TheSizeCheckCountsElementsNotBytesOrOffsetsAndAllowsExactlyTheLargestArray()
    {
        // A sparse file: "a" has exactly Array.MaxLength one-byte elements (allowed, never read here), "b" 2^20 F64
        // elements (8 MiB: 64 Mi bits, far fewer elements), "c" one byte beyond offset 2^31 (its offsets are large, its
        // element count is 1).
        using var dir = new TempDir();
        var path = dir.File("sizes.safetensors");
        long m = Array.MaxLength, b = 1 << 20, cAt = m + 8 * b;
        string header = $$$"""{"a":{"dtype":"U8","shape":[{{{m}}}],"data_offsets":[0,{{{m}}}]},"b":{"dtype":"F64","shape":[{{{b}}}],"data_offsets":[{{{m}}},{{{cAt}}}]},"c":{"dtype":"U8","shape":[1],"data_offsets":[{{{cAt}}},{{{cAt + 1}}}]}}""";
        var prefix = RawFile(header, []);
        using (var s = new FileStream(path, FileMode.CreateNew))
        {
            s.Write(prefix);
            s.SetLength(prefix.Length + cAt + 1);
        }
        using var file = SafetensorsFile.Open(path);
        Assert.Equal((int)b, file.Read<double>("b").Length);
        Assert.Equal([(byte)0], file.Read<byte>("c").ToArray());
        // Reading everything checks every entry first: "a" (exactly the limit) passes, "z" (another dtype) does not.
        var only = dir.File("limit.safetensors");
        var prefix2 = RawFile($$$"""{"a":{"dtype":"U8","shape":[{{{m}}}],"data_offsets":[0,{{{m}}}]},"z":{"dtype":"I8","shape":[],"data_offsets":[{{{m}}},{{{m + 1}}}]}}""", []);
        using (var s = new FileStream(only, FileMode.CreateNew))
        {
            s.Write(prefix2);
            s.SetLength(prefix2.Length + m + 1);
        }
        using var limit = SafetensorsFile.Open(only);
        var ex = Assert.Throws<CheckpointException>(limit.ReadAll<byte>);
        Assert.Equal("z", ex.TensorName);
        Assert.Contains("dtype I8 in the file, but U8 (Byte) was expected", ex.Message);
    }
}
