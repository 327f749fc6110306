namespace MiniTorch.Examples;

/// <summary>Corpus-level BLEU (Papineni et al. 2002) with one reference per candidate, uniform weights up to 4-grams.</summary>
public static class Bleu
{
    /// <summary>
    /// BLEU-N of <paramref name="candidates"/> against <paramref name="references"/>: the geometric mean of the modified
    /// n-gram precisions (clipped counts, summed over the corpus) times the brevity penalty exp(1 - r/c) when c &lt; r.
    /// Returns 0 when some precision is 0.
    /// </summary>
    /// <param name="candidates">The candidate sentences, each a list of tokens.</param>
    /// <param name="references">One reference sentence per candidate.</param>
    /// <param name="maxN">The longest n-gram counted (BLEU-4 by default).</param>
    /// <returns>The corpus BLEU score in [0, 1].</returns>
    /// <exception cref="ArgumentException">The numbers of candidates and references differ, or maxN is below 1.</exception>
    public static double Score(IReadOnlyList<IReadOnlyList<string>> candidates, IReadOnlyList<IReadOnlyList<string>> references, int maxN = 4)
    {
        if (candidates.Count != references.Count)
            throw new ArgumentException($"Bleu: {candidates.Count} candidates but {references.Count} references.");
        if (maxN < 1) throw new ArgumentException($"Bleu: maxN must be >= 1, got {maxN}.", nameof(maxN));
        var matched = new long[maxN];
        var total = new long[maxN];
        long candidateLength = 0, referenceLength = 0;
        for (int s = 0; s < candidates.Count; s++)
        {
            var c = candidates[s];
            var r = references[s];
            candidateLength += c.Count;
            referenceLength += r.Count;
            for (int n = 1; n <= maxN; n++)
            {
                var refCounts = NGrams(r, n);
                foreach (var (gram, count) in NGrams(c, n))
                {
                    matched[n - 1] += Math.Min(count, refCounts.GetValueOrDefault(gram));
                    total[n - 1] += count;
                }
            }
        }
        double logPrecision = 0;
        for (int n = 0; n < maxN; n++)
        {
            if (matched[n] == 0 || total[n] == 0) return 0;
            logPrecision += Math.Log((double)matched[n] / total[n]) / maxN;
        }
        double brevity = candidateLength >= referenceLength ? 1 : Math.Exp(1 - (double)referenceLength / Math.Max(candidateLength, 1));
        return brevity * Math.Exp(logPrecision);
    }

    private static Dictionary<string, int> NGrams(IReadOnlyList<string> words, int n)
    {
        var counts = new Dictionary<string, int>();
        for (int i = 0; i + n <= words.Count; i++)
        {
            string key = string.Join(' ', words.Skip(i).Take(n));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }
}
