
namespace MiniTorch.Examples.Tests;

/// <summary>Corpus BLEU on cases whose n-gram counts are worked out by hand in the comments.</summary>
public class BleuTests
{
    private static IReadOnlyList<string> S(string words) => words.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static double Score(string[] candidates, string[] references, int maxN = 4) =>
        Bleu.Score(candidates.Select(S).ToList(), references.Select(S).ToList(), maxN);

    [Fact]
    public void IdenticalCaptionsScoreOne() =>
        Assert.Equal(1.0, Score(["a big red circle left of a small blue square"], ["a big red circle left of a small blue square"]), 1e-15);

    [Fact]
    public void OneWrongLastWord()
    {
        // "a b c d e" vs "a b c d f": unigrams 4/5, bigrams 3/4, trigrams 2/3, 4-grams 1/2; equal lengths, no penalty.
        double expected = Math.Pow(4.0 / 5 * 3.0 / 4 * 2.0 / 3 * 1.0 / 2, 0.25);
        Assert.Equal(expected, Score(["a b c d e"], ["a b c d f"]), 1e-15);
    }

    [Fact]
    public void ShortCandidatePaysTheBrevityPenalty()
    {
        // "a b c d" vs "a b c d e f": every precision is 1; c = 4 < r = 6, so BP = exp(1 - 6/4).
        Assert.Equal(Math.Exp(1 - 6.0 / 4), Score(["a b c d"], ["a b c d e f"]), 1e-15);
    }

    [Fact]
    public void CountsAreClippedByTheReference()
    {
        // Papineni's example: 7 x "the" against a reference with "the" twice: unigram precision 2/7; c = 7 >= r = 6.
        Assert.Equal(2.0 / 7, Score(["the the the the the the the"], ["the cat is on the mat"], maxN: 1), 1e-15);
    }

    [Fact]
    public void CountsAreSummedOverTheCorpusBeforeDividing()
    {
        // Pair 1 matches fully (4, 3, 2, 1 n-grams); pair 2 "a b c e" vs "a b c d" matches 3/4, 2/3, 1/2, 0/1.
        // Corpus precisions: 7/8, 5/6, 3/4, 1/2 (the second sentence alone would score 0).
        double expected = Math.Pow(7.0 / 8 * 5.0 / 6 * 3.0 / 4 * 1.0 / 2, 0.25);
        Assert.Equal(expected, Score(["a b c d", "a b c e"], ["a b c d", "a b c d"]), 1e-15);
    }

    [Fact]
    public void NoMatchingFourGramScoresZero()
    {
        Assert.Equal(0.0, Score(["a b c x d"], ["a b c d"]));
        Assert.Equal(0.0, Score(["a b c"], ["a b c"])); // no 4-grams at all
    }

    [Fact]
    public void DifferentNumbersOfCandidatesAndReferencesAreRejected() =>
        Assert.Throws<ArgumentException>(() => Score(["a b c d"], ["a b c d", "a b c d"]));
}
