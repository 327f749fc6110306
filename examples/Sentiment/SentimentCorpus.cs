namespace MiniTorch.Examples.Sentiment;

/// <summary>The sentence shapes of the generated corpus; each has its own labelling rule (see <see cref="SentimentGrammar"/>).</summary>
public enum Construction
{
    /// <summary>"the plot was [very] good": the adjective's polarity.</summary>
    Plain,
    /// <summary>"the plot was not good": the opposite of the adjective's polarity.</summary>
    Negated,
    /// <summary>"i did not think the plot was good": negation two words away from what it flips; the opposite polarity.</summary>
    DistantNegation,
    /// <summary>"the plot was not only good but great" (same polarity twice): that polarity; the "not" flips nothing.</summary>
    NotOnly,
    /// <summary>"the plot was good , not great" or "... good , not bad": the first adjective's polarity; the "not" applies only to the second.</summary>
    Contrast,
    /// <summary>"it was not the acting that was bad , it was the plot": the adjective's polarity; the "not" applies to the subject.</summary>
    NotTheSubject,
    /// <summary>"the plot was [not] good but the acting was [not] bad": the second clause's polarity, after its own negation.</summary>
    But,
}

/// <summary>One sentence of the corpus: its words, its label (1 positive, 0 negative) and its construction.</summary>
/// <param name="Words">The words (tokens, punctuation included).</param>
/// <param name="Label">1 for positive, 0 for negative.</param>
/// <param name="Kind">The construction that made it.</param>
/// <param name="Subject">The subject noun, which with <paramref name="Adjective"/> decides the train/held-out split.</param>
/// <param name="Adjective">The first adjective.</param>
public sealed record Sentence(string[] Words, int Label, Construction Kind, string Subject, string Adjective)
{
    /// <summary>Whether the sentence contains "not" (the held-out negation subset).</summary>
    public bool HasNegation => Words.Contains("not");

    /// <summary>The sentence as text, words separated by spaces.</summary>
    public string Text => string.Join(' ', Words);

    /// <inheritdoc/>
    public override string ToString() => $"{Text} -> {(Label == 1 ? "positive" : "negative")}";
}

/// <summary>
/// A small grammar of movie-review sentences whose labels depend on word order: the same words in another order, or the
/// same "not" at another place, can mean the opposite ("the plot was good , not bad" vs "the plot was bad , not good";
/// "the plot was not bad" vs "it was not the plot that was bad , it was the music"). An order-blind model cannot
/// tell such pairs apart.
/// </summary>
public static class SentimentGrammar
{
    /// <summary>Adjectives of positive polarity, the weaker first (NotOnly pairs a weaker with a stronger one).</summary>
    public static readonly string[] Positive = ["good", "fine", "nice", "decent", "great", "excellent", "wonderful", "brilliant"];

    /// <summary>Adjectives of negative polarity, the weaker first.</summary>
    public static readonly string[] Negative = ["bad", "poor", "dull", "weak", "awful", "terrible", "dreadful", "horrible"];

    /// <summary>The nouns a sentence talks about.</summary>
    public static readonly string[] Subjects = ["movie", "film", "plot", "acting", "ending", "music", "script", "cast", "dialogue", "story"];

    /// <summary>The constructions and how often <see cref="Sample"/> draws each (weights summing to 1).</summary>
    public static readonly (Construction Kind, double Weight)[] Mix =
    [
        (Construction.Plain, 0.18), (Construction.Negated, 0.20), (Construction.DistantNegation, 0.10), (Construction.NotOnly, 0.10),
        (Construction.Contrast, 0.16), (Construction.NotTheSubject, 0.10), (Construction.But, 0.16),
    ];

    /// <summary>Every word the grammar can produce, in a fixed order (the vocabulary).</summary>
    public static readonly string[] Vocabulary =
        [.. new[] { "the", "was", "not", "very", "i", "did", "think", "only", "but", "also", ",", "it", "that" }, .. Positive, .. Negative, .. Subjects];

    /// <summary>+1 for a positive adjective, -1 for a negative one.</summary>
    /// <param name="adjective">A word of <see cref="Positive"/> or <see cref="Negative"/>.</param>
    /// <returns>The polarity.</returns>
    /// <exception cref="ArgumentException">The word is not one of the grammar's adjectives.</exception>
    public static int Polarity(string adjective) =>
        Positive.Contains(adjective) ? 1 : Negative.Contains(adjective) ? -1
        : throw new ArgumentException($"SentimentGrammar: '{adjective}' is not one of the grammar's adjectives.", nameof(adjective));

    /// <summary>
    /// Builds one sentence of construction <paramref name="kind"/> from its parts and labels it by that construction's rule.
    /// </summary>
    /// <param name="kind">The construction.</param>
    /// <param name="subject">The (first) subject.</param>
    /// <param name="first">The first adjective.</param>
    /// <param name="second">The second adjective (NotOnly, Contrast, But; ignored otherwise).</param>
    /// <param name="subject2">The second subject (NotTheSubject, But; ignored otherwise).</param>
    /// <param name="very">Put "very" before the adjective (Plain only: "not very bad" is not clearly positive).</param>
    /// <param name="notFirst">Negate the first clause (But).</param>
    /// <param name="notSecond">Negate the second clause (But).</param>
    /// <returns>The sentence with its label.</returns>
    /// <exception cref="ArgumentException">A word is not in the grammar, or NotOnly is given adjectives of different polarity.</exception>
    public static Sentence Make(Construction kind, string subject, string first, string second = "", string subject2 = "",
        bool very = false, bool notFirst = false, bool notSecond = false)
    {
        if (!Subjects.Contains(subject)) throw new ArgumentException($"SentimentGrammar: '{subject}' is not one of the grammar's subjects.", nameof(subject));
        int p1 = Polarity(first);
        string[] adjective1 = very && kind == Construction.Plain ? ["very", first] : [first];
        (string[] Words, int Polarity) made = kind switch
        {
            Construction.Plain => ((string[])[.. The(subject), "was", .. adjective1], p1),
            Construction.Negated => ([.. The(subject), "was", "not", .. adjective1], -p1),
            Construction.DistantNegation => (["i", "did", "not", "think", .. The(subject), "was", .. adjective1], -p1),
            Construction.NotOnly => Polarity(second) == p1
                ? ([.. The(subject), "was", "not", "only", first, "but", "also", second], p1)
                : throw new ArgumentException($"SentimentGrammar: NotOnly needs two adjectives of the same polarity, got '{first}' and '{second}'.", nameof(second)),
            Construction.Contrast => ([.. The(subject), "was", first, ",", "not", Checked(second)], p1),
            Construction.NotTheSubject => (["it", "was", "not", .. The(subject), "that", "was", first, ",", "it", "was", .. The(Other(subject2, subject))], p1),
            Construction.But => ([.. The(subject), "was", .. Not(notFirst), first, "but", .. The(Other(subject2, subject)), "was", .. Not(notSecond), Checked(second)],
                notSecond ? -Polarity(second) : Polarity(second)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "SentimentGrammar: unknown construction."),
        };
        return new Sentence(made.Words, made.Polarity > 0 ? 1 : 0, kind, subject, first);

        static string[] The(string noun) => ["the", noun];
        static string[] Not(bool not) => not ? ["not"] : [];
        static string Checked(string adjective) { Polarity(adjective); return adjective; }
        static string Other(string noun, string first) => Subjects.Contains(noun) && noun != first ? noun
            : throw new ArgumentException($"SentimentGrammar: the second subject must be a grammar subject other than '{first}', got '{noun}'.", nameof(subject2));
    }

    /// <summary>Draws one sentence: a construction by <see cref="Mix"/>, then its words uniformly.</summary>
    /// <param name="rng">The random source.</param>
    /// <returns>The sentence.</returns>
    public static Sentence Sample(Rng rng)
    {
        double u = rng.NextDouble();
        var kind = Mix[^1].Kind;
        foreach (var (k, w) in Mix)
        {
            if (u < w) { kind = k; break; }
            u -= w;
        }
        string subject = Pick(Subjects, rng);
        string subject2 = Pick(Subjects.Where(s => s != subject).ToArray(), rng);
        bool positive = rng.NextInt(2) == 1;
        string first = Pick(positive ? Positive : Negative, rng);
        string second = kind switch
        {
            // "not only good but great": a stronger adjective of the same polarity.
            Construction.NotOnly => Pick((positive ? Positive : Negative)[4..], rng),
            _ => Pick(rng.NextInt(2) == 1 ? Positive : Negative, rng),
        };
        if (kind == Construction.NotOnly && second == first) second = (positive ? Positive : Negative)[^1];
        return Make(kind, subject, first, second, subject2, very: rng.NextInt(4) == 0, notFirst: rng.NextInt(2) == 1, notSecond: rng.NextInt(2) == 1);
    }

    private static string Pick(string[] words, Rng rng) => words[rng.NextInt(words.Length)];
}

/// <summary>
/// A training set and a held-out set drawn from <see cref="SentimentGrammar"/>. The split is by (subject, first adjective)
/// pair: a quarter of the pairs, chosen by the seed, appear only in held-out sentences, so no held-out sentence was seen in
/// training and a model must have learnt how "not" composes rather than memorised phrases.
/// </summary>
public sealed class SentimentCorpus
{
    /// <summary>Generates <paramref name="trainCount"/> training and <paramref name="heldOutCount"/> held-out sentences.</summary>
    /// <param name="trainCount">Training sentences (at least 1).</param>
    /// <param name="heldOutCount">Held-out sentences (at least 1).</param>
    /// <param name="seed">Fixes the pairs held out and every sentence.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is below 1.</exception>
    public SentimentCorpus(int trainCount, int heldOutCount, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heldOutCount, 1);
        var rng = new Rng(seed);
        var pairs = SentimentGrammar.Subjects.SelectMany(s => SentimentGrammar.Positive.Concat(SentimentGrammar.Negative).Select(a => (s, a))).ToArray();
        var order = rng.Permutation(pairs.Length);
        HeldOutPairs = order.Take(pairs.Length / 4).Select(i => pairs[i]).ToHashSet();
        Train = Draw(trainCount, heldOut: false, rng);
        HeldOut = Draw(heldOutCount, heldOut: true, rng);
    }

    /// <summary>The (subject, first adjective) pairs that only held-out sentences use.</summary>
    public IReadOnlySet<(string Subject, string Adjective)> HeldOutPairs { get; }

    /// <summary>The training sentences.</summary>
    public IReadOnlyList<Sentence> Train { get; }

    /// <summary>The held-out sentences.</summary>
    public IReadOnlyList<Sentence> HeldOut { get; }

    /// <summary>The id of each word of <see cref="SentimentGrammar.Vocabulary"/> (its position there).</summary>
    public static readonly IReadOnlyDictionary<string, int> WordIds =
        SentimentGrammar.Vocabulary.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);

    private List<Sentence> Draw(int count, bool heldOut, Rng rng)
    {
        var result = new List<Sentence>(count);
        while (result.Count < count)
        {
            var s = SentimentGrammar.Sample(rng);
            if (HeldOutPairs.Contains((s.Subject, s.Adjective)) == heldOut) result.Add(s);
        }
        return result;
    }
}
