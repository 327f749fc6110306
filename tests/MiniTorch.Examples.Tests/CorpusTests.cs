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

    [Fact]
    public void DefaultCorpusIsTheRepositorysSources()
    {
        var corpus = Corpus.FromRepository();
        Assert.Contains("namespace MiniTorch", corpus.Text);
        Assert.True(corpus.Text.Length > 10_000);
    }
}
