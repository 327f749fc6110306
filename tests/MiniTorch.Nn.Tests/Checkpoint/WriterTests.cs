using System.Buffers.Binary;
using System.Text;
using MiniTorch.Nn.Checkpoint;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Checkpoint;

/// <summary>
/// The writer's and <see cref="AtomicFile"/>'s argument checks and branches, and the checkpoint helpers' small
/// branches (kinds, reserved metadata, missing parts), each test named after what it exercises.
/// </summary>
public class WriterTests
{
    [Fact]
    public void WriteToAStreamGivesTheBytesSaveWrites()
    {
        using var dir = new TempDir();
        var tensors = new Dictionary<string, Tensor<double>> { ["w"] = Tensor.FromArray([1.0, -2.0], 2), ["b"] = Tensor.Scalar(0.5) };
        var md = new Dictionary<string, string> { ["k"] = "v" };
        Safetensors.Save(dir.File("a"), tensors, md);
        var stream = new MemoryStream();
        Safetensors.Write(stream, tensors, md);
        Assert.Equal(File.ReadAllBytes(dir.File("a")), stream.ToArray());
        var f32 = new MemoryStream();
        Safetensors.Write(f32, tensors, dtype: "F32");
        Assert.Equal(F32Bytes(0.5f, 1f, -2f), f32.ToArray()[^12..]);       // name order: b, w
        Assert.Throws<ArgumentNullException>(() => Safetensors.Write(null!, tensors));
        Assert.Throws<ArgumentNullException>(() => Safetensors.Write<double>(new MemoryStream(), null!));
        Assert.Throws<ArgumentNullException>(() => Safetensors.Save<double>(dir.File("n"), null!));
    }

    [Fact]
    public void EmptyMetadataWritesNoMetadataKeyAndTheHeaderIsPaddedToEightBytes()
    {
        for (int nameLength = 1; nameLength <= 9; nameLength++)
        {
            var stream = new MemoryStream();
            Safetensors.Write(stream, new Dictionary<string, Tensor<float>> { [new string('x', nameLength)] = Tensor.Scalar(1f) }, new Dictionary<string, string>());
            var bytes = stream.ToArray();
            long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0, n % 8);
            Assert.Equal(8 + n + 4, bytes.Length);
            string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
            Assert.DoesNotContain("__metadata__", header);
            Assert.True(header.TrimEnd(' ').EndsWith('}'));
            Assert.True(n - header.TrimEnd(' ').Length < 8);                 // at most 7 spaces of padding
        }
    }

    [Fact]
    public void ANullTensorOrMetadataValueIsRejectedBeforeTheFileIsTouched()
    {
        using var dir = new TempDir();
        var path = dir.File("x");
        Assert.Contains("tensor 'a' is null", Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(path, new Dictionary<string, Tensor<float>> { ["a"] = null! })).Message);
        Assert.Contains("metadata entry 'k' has a null key or value", Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(path, new Dictionary<string, Tensor<float>> { ["a"] = Tensor.Scalar(1f) }, new Dictionary<string, string> { ["k"] = null! })).Message);
        Assert.Contains("a tensor name is empty", Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(path, new Dictionary<string, Tensor<float>> { [""] = Tensor.Scalar(1f) })).Message);
        Assert.Empty(dir.Listing());
    }

    [Fact]
    public void AtomicFileRejectsBadArgumentsAndARootPath()
    {
        Assert.Throws<ArgumentNullException>(() => AtomicFile.Write(null!, _ => { }));
        Assert.Throws<ArgumentException>(() => AtomicFile.Write("", _ => { }));
        using var dir = new TempDir();
        Assert.Throws<ArgumentNullException>(() => AtomicFile.Write(dir.File("x"), null!));
        var ex = Assert.Throws<ArgumentException>(() => AtomicFile.Write("/", _ => { }));
        Assert.Contains("'/' has no directory", ex.Message);
        Assert.Empty(dir.Listing());
    }

    [Fact]
    public void AtomicFileWritesARelativePathNextToTheTargetAndReplacesIt()
    {
        using var dir = new TempDir();
        string previous = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = dir.Path;
            File.WriteAllText("rel.txt", "old");
            string? temp = null;
            AtomicFile.Write("rel.txt", s =>
            {
                temp = ((FileStream)s).Name;
                Assert.Equal("old", File.ReadAllText("rel.txt"));          // the old file is intact until the move
                s.Write("new"u8);
            });
            Assert.Equal("new", File.ReadAllText(Path.Combine(dir.Path, "rel.txt")));
            Assert.StartsWith(Path.Combine(dir.Path, ".rel.txt."), temp);
            Assert.EndsWith(".tmp", temp);
            Assert.Equal(["rel.txt"], dir.Listing());
        }
        finally { Environment.CurrentDirectory = previous; }
    }

    [Fact]
    public void ATempFileThatCannotBeDeletedDoesNotHideTheOriginalError()
    {
        // The writer deletes its own temporary file and replaces it with a directory: the cleanup fails with an
        // IOException, which is swallowed; the caller sees the writer's exception.
        using var dir = new TempDir();
        var path = dir.File("t.bin");
        string? temp = null;
        var ex = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            temp = ((FileStream)s).Name;
            File.Delete(temp);                      // allowed on an open file here (Linux)
            Directory.CreateDirectory(temp);
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Equal("writer failed", ex.Message);
        Assert.True(Directory.Exists(temp));        // the cleanup could not delete it, and said nothing
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void CheckpointExceptionNamesTheFileAndTheTensor()
    {
        var inner = new InvalidOperationException("x");
        var withTensor = new CheckpointException("/p/f", "w", "bad.", inner);
        Assert.Equal("Checkpoint '/p/f', tensor 'w': bad.", withTensor.Message);
        Assert.Equal(("/p/f", "w"), (withTensor.FilePath, withTensor.TensorName));
        Assert.Same(inner, withTensor.InnerException);
        var noTensor = new CheckpointException("/p/f", null, "bad.");
        Assert.Equal("Checkpoint '/p/f': bad.", noTensor.Message);
        Assert.Null(noTensor.TensorName);
        Assert.IsAssignableFrom<IOException>(noTensor);
    }

    [Fact]
    public void AFileOfAnUnknownKindIsRejectedByEveryLoader()
    {
        using var dir = new TempDir();
        var path = dir.File("odd");
        var model = new TinyNet<double>(1);
        Safetensors.Save(path, model.StateDict(), new Dictionary<string, string> { ["minitorch.kind"] = "weights-v9" });
        Assert.Contains("the file holds 'weights-v9', not module state.", Assert.Throws<CheckpointException>(() => model.Load(path)).Message);
        Assert.Contains("the file holds 'weights-v9', not torch state.", Assert.Throws<CheckpointException>(() => model.LoadTorch(path)).Message);
        Assert.Contains("the file holds 'weights-v9', not training state.", Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(path, model)).Message);
        var opt = new Sgd<double>(model.Parameters(), 0.1);
        Assert.Contains("the file holds 'weights-v9', not optimizer state.", Assert.Throws<CheckpointException>(() => opt.Load(path)).Message);
        // A file without the key passes the kind check (a plain safetensors file with the right names loads).
        Safetensors.Save(path, model.StateDict());
        model.Load(path);
    }

    [Fact]
    public void TheCheckpointHelpersRejectNullTargetsAndReservedMetadata()
    {
        using var dir = new TempDir();
        var path = dir.File("m");
        Assert.Throws<ArgumentNullException>(() => CheckpointExtensions.Save((Module<double>)null!, path));
        Assert.Throws<ArgumentNullException>(() => CheckpointExtensions.Load((Module<double>)null!, path));
        Assert.Throws<ArgumentNullException>(() => CheckpointExtensions.Save((Optimizer<double>)null!, path));
        Assert.Throws<ArgumentNullException>(() => CheckpointExtensions.Load((Optimizer<double>)null!, path));
        Assert.Throws<ArgumentNullException>(() => TrainingCheckpoint.Save<double>(path, null!));
        Assert.Throws<ArgumentNullException>(() => TrainingCheckpoint.Load<double>(path, null!));
        var model = new TinyNet<double>(1);
        var ex = Assert.Throws<ArgumentException>(() => TrainingCheckpoint.Save(path, model, metadata: new Dictionary<string, string> { ["minitorch.x"] = "1" }));
        Assert.Contains("metadata key 'minitorch.x' clashes with the reserved 'minitorch.' prefix", ex.Message);
        Assert.Empty(dir.Listing());
        // User keys that only resemble the prefix are kept.
        model.Save(path, new Dictionary<string, string> { ["minitorch"] = "a", ["MiniTorch.kind"] = "b" });
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(("a", "b", "module"), (file.Metadata["minitorch"], file.Metadata["MiniTorch.kind"], file.Metadata["minitorch.kind"]));
    }

    [Fact]
    public void TrainingCheckpointStripsEachPrefixAndNeedsTheSchedulerPartWhenAsked()
    {
        using var dir = new TempDir();
        var path = dir.File("t");
        var model = new TinyNet<double>(1);
        var opt = new Sgd<double>(model.Parameters(), 0.1, momentum: 0.9);
        TrainingCheckpoint.Save(path, model, opt);
        using (var file = SafetensorsFile.Open(path))
        {
            Assert.Equal("Sgd", file.Metadata["minitorch.optimizer"]);
            Assert.All(file.Entries, e => Assert.True(e.Name.StartsWith("model.", StringComparison.Ordinal) || e.Name.StartsWith("optim.", StringComparison.Ordinal)));
        }
        var scheduler = new StepLr<double>(opt, 2, 0.5);
        var other = new TinyNet<double>(2);
        var before = other.Snapshot();
        var ex = Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(path, other, scheduler: scheduler));
        Assert.Contains("the file holds no scheduler state (no 'sched.' keys).", ex.Message);
        BitEqual(before, other.StateDict());
        // Without an optimizer in the file, the metadata has no optimizer name, and an optimizer of another class is
        // refused by name when the file has one.
        var adam = new Adam<double>(other.Parameters());
        Assert.Contains("the file holds Sgd state, which cannot be loaded into Adam.", Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(path, other, adam)).Message);
        TrainingCheckpoint.Save(path, model);
        using (var file = SafetensorsFile.Open(path)) Assert.False(file.Metadata.ContainsKey("minitorch.optimizer"));
        // A non-strict load ignores stray keys but still loads the model part.
        var all = Safetensors.Load<double>(path);
        all["stray"] = Tensor.Scalar(1.0);
        Safetensors.Save(path, all, new Dictionary<string, string> { ["minitorch.kind"] = "training" });
        TrainingCheckpoint.Load(path, other, strict: false);
        BitEqual(model.StateDict(), other.StateDict());
    }

    [Fact]
    public void NamesAndMetadataAreWrittenAsPlainUtf8NotEscaped()
    {
        // As the reference writer does: the header holds the names' UTF-8 bytes; only JSON's own escapes (quote,
        // backslash, control characters) are escaped, never non-ASCII or HTML-sensitive characters.
        var stream = new MemoryStream();
        Safetensors.Write(stream, new Dictionary<string, Tensor<float>> { ["gewicht.ä<1>"] = Tensor.Scalar(1f) },
            new Dictionary<string, string> { ["note"] = "größe & 'x'" });
        var bytes = stream.ToArray();
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Contains("\"gewicht.ä<1>\"", header);
        Assert.Contains("\"größe & 'x'\"", header);
        Assert.DoesNotContain("\\u", header);
    }
}
