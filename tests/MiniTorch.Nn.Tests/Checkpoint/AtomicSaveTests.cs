using MiniTorch.Nn.Checkpoint;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Checkpoint;

public class AtomicSaveTests
{
    [Fact]
    public void SavingLeavesOnlyTheTargetFileAndOverwrites()
    {
        using var dir = new TempDir();
        var path = dir.File("model.safetensors");
        var first = new TinyNet<float>(1);
        first.Save(path);
        Assert.Equal(["model.safetensors"], dir.Listing());
        var second = new TinyNet<float>(2);
        second.Save(path);
        Assert.Equal(["model.safetensors"], dir.Listing());
        var loaded = new TinyNet<float>(3);
        loaded.Load(path);
        BitEqual(second.StateDict(), loaded.StateDict());
    }

    [Fact]
    public void AMissingDirectoryFailsWithoutCreatingAnything()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "no-such-dir", "model.safetensors");
        var ex = Assert.Throws<DirectoryNotFoundException>(() => new TinyNet<float>(1).Save(path));
        Assert.Contains(Path.GetFullPath(path), ex.Message);   // names the target, not the temporary file
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "no-such-dir")));
        Assert.Empty(dir.Listing());
    }

    [Fact]
    public void ATensorNameClashKeepsTheExistingFile()
    {
        using var dir = new TempDir();
        var path = dir.File("t.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor<double>> { ["a"] = Tensor.Scalar(1.0) });
        var before = File.ReadAllBytes(path);
        var clash = new Dictionary<string, Tensor<double>> { ["a"] = Tensor.Scalar(2.0), ["__metadata__"] = Tensor.Scalar(3.0) };
        Assert.Throws<ArgumentException>(() => Safetensors.Save(path, clash));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["t.safetensors"], dir.Listing());
    }

    [Fact]
    public void AReservedMetadataKeyKeepsTheExistingFile()
    {
        using var dir = new TempDir();
        var path = dir.File("m.safetensors");
        var model = new TinyNet<double>(1);
        model.Save(path);
        var before = File.ReadAllBytes(path);
        var ex = Assert.Throws<ArgumentException>(() => new TinyNet<double>(2).Save(path, new Dictionary<string, string> { ["minitorch.kind"] = "x" }));
        Assert.Contains("reserved", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["m.safetensors"], dir.Listing());
    }

    [Fact]
    public void AFailureWhileWritingRemovesTheTempFileAndKeepsTheOldOne()
    {
        using var dir = new TempDir();
        var path = dir.File("w.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        string? tempSeen = null;
        var ex = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[4096]);
            s.Flush();
            tempSeen = ((FileStream)s).Name;
            Assert.True(File.Exists(tempSeen));
            Assert.Equal(dir.Path, Path.GetDirectoryName(tempSeen));     // same directory, so the move is a rename
            throw new IOException("disk full (simulated)");
        }));
        Assert.Equal("disk full (simulated)", ex.Message);
        Assert.NotNull(tempSeen);
        Assert.False(File.Exists(tempSeen));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["w.bin"], dir.Listing());
    }

    [Fact]
    public void AFailedMoveRemovesTheTempFile()
    {
        // The target is a directory: the temp file is written, the move is refused.
        using var dir = new TempDir();
        var target = Path.Combine(dir.Path, "taken");
        Directory.CreateDirectory(target);
        Assert.ThrowsAny<IOException>(() => Safetensors.Save(target, new Dictionary<string, Tensor<float>> { ["a"] = Tensor.Scalar(1f) }));
        Assert.Empty(dir.Listing());
        Assert.True(Directory.Exists(target));
    }
}
