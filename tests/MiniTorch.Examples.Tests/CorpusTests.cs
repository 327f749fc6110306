using System.Text;
using MiniTorch.Examples.CharRnn;

namespace MiniTorch.Examples.Tests;

/// <summary>The char-rnn example's corpus: vocabulary, file errors and the default corpus.</summary>
public class CorpusTests
{
    [Fact]
    public void VocabularyIsTheSortedDistinctCharacters()
    {
        var corpus = new Corpus("hello world", "test");
        Assert.Equal(" dehlorw".ToCharArray(), corpus.Characters);
        Assert.Equal(8, corpus.VocabularySize);
        Assert.Equal(3, corpus.Id('h'));
        Assert.Throws<ArgumentException>(() => corpus.Id('z'));
    }

    [Fact]
    public void UnreadableTextFilesGiveIoErrors()
    {
        string dir = Directory.CreateTempSubdirectory("minitorch-corpus").FullName;
        try
        {
            Assert.Throws<FileNotFoundException>(() => Corpus.FromFile(Path.Combine(dir, "missing.txt")));
            string bad = Path.Combine(dir, "bad.txt");
            File.WriteAllBytes(bad, [0x61, 0xFF, 0xFE, 0x62]);
            Assert.Throws<InvalidDataException>(() => Corpus.FromFile(bad));
            string tiny = Path.Combine(dir, "tiny.txt");
            File.WriteAllText(tiny, "a", Encoding.UTF8);
            Assert.Throws<InvalidDataException>(() => Corpus.FromFile(tiny));
            string good = Path.Combine(dir, "good.txt");
            File.WriteAllText(good, "äbc", new UTF8Encoding(false));
            Assert.Equal("äbc", Corpus.FromFile(good).Text);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// The default corpus is the committed file, byte for byte, built into the program. The README's CharRnn figures
    /// were measured on this exact text: if you change the file, re-measure them and update the hash here.
    /// </summary>
    [Fact]
    public void DefaultCorpusIsTheCommittedFrozenFile()
    {
        var corpus = Corpus.Default();
        string root = ExamplePaths.RepositoryRoot() ?? throw new InvalidOperationException("tests run inside the repository");
        byte[] file = File.ReadAllBytes(Path.Combine(root, Corpus.DefaultPath));
        Assert.Equal(Encoding.UTF8.GetString(file), corpus.Text);
        Assert.Equal("c9d83772c0c2cdcd6c40286162a46f09f3bfd3adabdcbb14784bf5fcb517f841",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file)));
        Assert.Contains("namespace MiniTorch.Nn", corpus.Text);
        Assert.InRange(corpus.Text.Length, 20_000, 100_000);
    }
}
