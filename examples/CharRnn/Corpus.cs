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

    /// <summary>Where the default corpus is in the repository (it is also built into the program).</summary>
    public const string DefaultPath = "examples/CharRnn/corpus/minitorch-nn.txt";

    /// <summary>
    /// The default corpus: <see cref="DefaultPath"/>, MiniTorch's src/Nn sources (modules and optimizers, about 70 KB)
    /// frozen as a copy, so that the README's figures do not move when the sources change. The file is built into the
    /// program, so it works outside the repository too. Nothing is downloaded.
    /// </summary>
    /// <returns>The corpus.</returns>
    /// <exception cref="InvalidDataException">The built-in copy is missing (a broken build).</exception>
    public static Corpus Default()
    {
        using var stream = typeof(Corpus).Assembly.GetManifestResourceStream("CharRnn.corpus.minitorch-nn.txt")
            ?? throw new InvalidDataException($"CharRnn: the built-in corpus ({DefaultPath}) is missing from the program; rebuild it.");
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true));
        return new Corpus(reader.ReadToEnd(), $"{DefaultPath} (MiniTorch's src/Nn, frozen)");
    }
}
