using System.Text;

namespace MiniTorch.Examples.CharRnn;

/// <summary>The training text and its character vocabulary.</summary>
public sealed class Corpus
{
    private readonly Dictionary<char, int> _index;

    /// <summary>Builds the vocabulary of <paramref name="text"/> (sorted characters).</summary>
    public Corpus(string text, string source)
    {
        if (text.Length < 2) throw new InvalidDataException($"the text from {source} has fewer than 2 characters.");
        Text = text;
        Source = source;
        Characters = text.Distinct().Order().ToArray();
        _index = Characters.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
    }

    /// <summary>The whole text.</summary>
    public string Text { get; }
    /// <summary>Where the text came from.</summary>
    public string Source { get; }
    /// <summary>The distinct characters; a character's id is its position here.</summary>
    public char[] Characters { get; }
    /// <summary>Vocabulary size.</summary>
    public int VocabularySize => Characters.Length;

    /// <summary>The id of a character of the vocabulary.</summary>
    public int Id(char c) => _index.TryGetValue(c, out int id) ? id
        : throw new ArgumentException($"CharRnn: character '{c}' is not in the vocabulary of {Source}.");

    /// <summary>Reads a UTF-8 text file.</summary>
    public static Corpus FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such text file: {path}");
        string text;
        try { text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true)); }
        catch (DecoderFallbackException) { throw new InvalidDataException($"{path} is not valid UTF-8."); }
        return new Corpus(text, path);
    }

    /// <summary>
    /// The default corpus, assembled from the repository this example ships in: MiniTorch's own C# sources (the
    /// src folder), found by walking up from the working directory or the program's folder to MiniTorch.sln.
    /// Nothing is downloaded.
    /// </summary>
    public static Corpus FromRepository()
    {
        string root = ExamplePaths.RepositoryRoot()
            ?? throw new FileNotFoundException("could not find the MiniTorch repository (MiniTorch.sln) to build the default corpus; pass --text PATH.");
        string src = Path.Combine(root, "src");
        var files = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Order(StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (var f in files) text.Append(File.ReadAllText(f)).Append('\n');
        return new Corpus(text.ToString(), $"the C# sources under {src}");
    }
}
