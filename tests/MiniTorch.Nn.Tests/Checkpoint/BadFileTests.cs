using System.Text;
using System.Text.Json.Nodes;
using MiniTorch.Nn.Checkpoint;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Checkpoint;

/// <summary>
/// Every kind of bad file is rejected with a <see cref="CheckpointException"/> naming the file (and the tensor at
/// fault), and the module it was loaded into is left bit-for-bit as it was.
/// </summary>
public class BadFileTests
{
    // TinyNet<float>: weight (3, 4) = 48 bytes, bias (4,) = 16 bytes, head.weight (4, 2) = 32 bytes.
    private static JsonObject Header() => new()
    {
        ["weight"] = Entry("F32", [3, 4], 0, 48),
        ["bias"] = Entry("F32", [4], 48, 64),
        ["head.weight"] = Entry("F32", [4, 2], 64, 96),
    };

    private static byte[] Data(int bytes) => F32Bytes(Enumerable.Range(0, bytes / 4).Select(i => 0.5f * i - 3).ToArray()).Concat(new byte[bytes % 4]).ToArray();

    private static byte[] File(JsonObject header, int dataBytes = 96) => RawFile(header.ToJsonString(), Data(dataBytes));

    private static JsonObject With(Action<JsonObject> change)
    {
        var h = Header();
        change(h);
        return h;
    }

    public static IEnumerable<object?[]> Cases()
    {
        object?[] Case(string kind, byte[] bytes, string fragment, string? tensor = null) => [kind, bytes, fragment, tensor];

        yield return Case("shorter than 8 bytes", [1, 0, 0, 0, 0], "the file is 5 bytes long, shorter than the 8-byte header length");
        yield return Case("header length beyond the file", RawFile(Header().ToJsonString(), Data(96), declaredLength: 100_000),
            "the header length 100000 goes beyond the end of the file");
        yield return Case("header length over the limit", RawFile(Header().ToJsonString(), Data(96), declaredLength: ulong.MaxValue),
            "goes beyond the end of the file");
        var badUtf8 = Encoding.UTF8.GetBytes(Header().ToJsonString());
        int at = Array.IndexOf(badUtf8, (byte)'w');
        badUtf8[at] = 0xC3; badUtf8[at + 1] = 0x28;                        // a lead byte followed by a non-continuation
        yield return Case("invalid UTF-8", RawFile(badUtf8, Data(96)), "the header is not valid UTF-8");
        yield return Case("invalid JSON", RawFile("{\"weight\": {\"dtype\": \"F32\",", Data(96)), "the header is not valid JSON");
        yield return Case("JSON with a trailing comma", RawFile(Header().ToJsonString()[..^1] + ",}", Data(96)), "the header is not valid JSON");
        yield return Case("header not an object", RawFile("[1, 2]", Data(96)), "the header does not start with '{'");
        yield return Case("entry missing data_offsets", File(With(h => h["bias"]!.AsObject().Remove("data_offsets"))),
            "the entry has no data_offsets", "bias");
        yield return Case("entry missing dtype and shape", File(With(h => { h["bias"]!.AsObject().Remove("dtype"); h["bias"]!.AsObject().Remove("shape"); })),
            "the entry has no dtype, shape", "bias");
        yield return Case("entry with an unexpected field", File(With(h => h["bias"]!["offsets"] = 3)),
            "unexpected field 'offsets'", "bias");
        yield return Case("entry not an object", File(With(h => h["bias"] = "F32")), "the entry is a String, not an object", "bias");
        yield return Case("unknown dtype", File(With(h => h["bias"]!["dtype"] = "F33")), "unknown dtype 'F33'", "bias");
        yield return Case("dtype not the requested one",
            RawFile(new JsonObject { ["weight"] = Entry("F64", [3, 4], 0, 96), ["bias"] = Entry("F64", [4], 96, 128), ["head.weight"] = Entry("F64", [4, 2], 128, 192) }.ToJsonString(), Data(192)),
            "dtype F64 in the file, but F32 (float32) was expected", "weight");
        yield return Case("negative dimension", File(With(h => h["bias"]!["shape"] = new JsonArray(-4))), "shape entry 0 (-4) is not an integer", "bias");
        yield return Case("fractional offset", File(With(h => h["bias"]!["data_offsets"] = new JsonArray(48, 64.5))), "data_offsets entry 1 (64.5) is not an integer", "bias");
        yield return Case("offsets ending before they begin", File(With(h => h["bias"]!["data_offsets"] = new JsonArray(64, 48))), "end before they begin", "bias");
        yield return Case("shape and offsets disagree", File(With(h => h["bias"]!["shape"] = new JsonArray(5))),
            "data_offsets [48, 64] span 16 bytes, but shape (5,) of F32 needs 5 × 4 = 20", "bias");
        yield return Case("offsets beyond the data", File(Header(), dataBytes: 80), "data_offsets [64, 96] go beyond the data buffer (80 bytes)", "head.weight");
        yield return Case("overlapping tensors", File(With(h => h["bias"]!["data_offsets"] = new JsonArray(40, 56))),
            "overlap those of 'weight'", "bias");
        yield return Case("a hole between tensors",
            File(With(h => { h["bias"]!["data_offsets"] = new JsonArray(52, 68); h["head.weight"]!["data_offsets"] = new JsonArray(68, 100); }), dataBytes: 100),
            "a hole of 4 bytes before it", "bias");
        yield return Case("a hole at the start",
            File(With(h => { foreach (var name in new[] { "weight", "bias", "head.weight" }) { var o = h[name]!["data_offsets"]!.AsArray(); h[name]!["data_offsets"] = new JsonArray((long)o[0]! + 8, (long)o[1]! + 8); } }), dataBytes: 104),
            "a hole of 8 bytes before it", "weight");
        yield return Case("trailing bytes", File(Header(), dataBytes: 100), "4 trailing bytes after the last tensor");
        yield return Case("duplicate name", RawFile(Header().ToJsonString()[..^1] + ",\"bias\":" + Entry("F32", [4], 96, 112).ToJsonString() + "}", Data(112)),
            "the name appears twice in the header", "bias");
        yield return Case("metadata value not a string", File(With(h => h["__metadata__"] = new JsonObject { ["epoch"] = 3 })),
            "metadata entry 'epoch' is a Number, not a string");
        yield return Case("metadata not an object", File(With(h => h["__metadata__"] = "x")), "'__metadata__' is not a JSON object");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ABadFileThrowsAndLeavesTheModuleUnchanged(string kind, byte[] bytes, string fragment, string? tensor)
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        System.IO.File.WriteAllBytes(path, bytes);
        var model = new TinyNet<float>(3);
        var before = model.Snapshot();
        var ex = Assert.Throws<CheckpointException>(() => model.Load(path));
        Assert.Contains(fragment, ex.Message);
        Assert.Contains(path, ex.Message);
        Assert.Equal(path, ex.FilePath);
        Assert.Equal(tensor, ex.TensorName);
        BitEqual(before, model.StateDict());
        Assert.True(kind.Length > 0);
    }

    [Fact]
    public void TheUntouchedBaseFileIsValid()
    {
        // The cases above differ from this file only in what they break.
        using var dir = new TempDir();
        var path = dir.File("good.safetensors");
        System.IO.File.WriteAllBytes(path, File(Header()));
        var model = new TinyNet<float>(3);
        model.Load(path);
        Assert.Equal(0.5f * 12 - 3, model.StateDict()["bias"][0]);
    }

    [Fact]
    public void AMissingFileThrowsFileNotFound()
    {
        using var dir = new TempDir();
        var model = new TinyNet<float>(3);
        Assert.Throws<FileNotFoundException>(() => model.Load(dir.File("none.safetensors")));
    }

    public static IEnumerable<object[]> ModelMismatches() =>
    [
        ["missing: head.weight", (Action<Dictionary<string, Tensor<float>>>)(s => s.Remove("head.weight"))],
        ["unexpected: extra", (Action<Dictionary<string, Tensor<float>>>)(s => s["extra"] = Tensor.Scalar(1f))],
        ["bias: shape (5,) in the state, (4,) in the module", (Action<Dictionary<string, Tensor<float>>>)(s => s["bias"] = Tensor.Zeros<float>(5))],
    ];

    [Theory]
    [MemberData(nameof(ModelMismatches))]
    public void AValidFileThatDoesNotFitTheModuleThrowsAndChangesNothing(string fragment, Action<Dictionary<string, Tensor<float>>> change)
    {
        using var dir = new TempDir();
        var path = dir.File("other.safetensors");
        var state = new TinyNet<float>(9).Snapshot();
        change(state);
        Safetensors.Save(path, state);
        var model = new TinyNet<float>(3);
        var before = model.Snapshot();
        var ex = Assert.Throws<CheckpointException>(() => model.Load(path));
        Assert.Contains(fragment, ex.Message);
        Assert.IsType<ArgumentException>(ex.InnerException);
        BitEqual(before, model.StateDict());
    }

    [Fact]
    public void NonStrictLoadingSkipsMissingAndUnknownNames()
    {
        using var dir = new TempDir();
        var path = dir.File("partial.safetensors");
        var source = new TinyNet<float>(9).Snapshot();
        source.Remove("head.weight");
        source["extra"] = Tensor.Scalar(1f);
        Safetensors.Save(path, source);
        var model = new TinyNet<float>(3);
        var head = model.Snapshot()["head.weight"];
        model.Load(path, strict: false);
        var now = model.StateDict();
        BitEqual(new Dictionary<string, Tensor<float>> { ["weight"] = source["weight"], ["bias"] = source["bias"], ["head.weight"] = head },
            now);
    }
}
