using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;

namespace MiniTorch.Examples.Sentiment;

/// <summary>Mini-batches of sentences of equal length (no padding needed) and the training and evaluation loops.</summary>
public static class Training
{
    /// <summary>One mini-batch: word ids (n, T), labels (n) and the sentences' positions in the list they came from.</summary>
    /// <param name="Ids">Word ids, (n, T).</param>
    /// <param name="Labels">Labels, (n).</param>
    /// <param name="Rows">Where each sentence is in the source list.</param>
    public sealed record Batch(Tensor<int> Ids, Tensor<int> Labels, int[] Rows);

    /// <summary>
    /// Groups <paramref name="sentences"/> by length and cuts each group into batches of at most
    /// <paramref name="batchSize"/>; with <paramref name="rng"/> the sentences and the batches are shuffled.
    /// </summary>
    /// <param name="sentences">The sentences.</param>
    /// <param name="batchSize">Largest batch (at least 1).</param>
    /// <param name="rng">Shuffles when given; null keeps the order.</param>
    /// <returns>The batches; every sentence is in exactly one.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1.</exception>
    public static List<Batch> Batches(IReadOnlyList<Sentence> sentences, int batchSize, Rng? rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = rng is null ? Enumerable.Range(0, sentences.Count).ToArray() : rng.Permutation(sentences.Count);
        var batches = new List<Batch>();
        foreach (var group in order.GroupBy(i => sentences[i].Words.Length).OrderBy(g => g.Key))
            foreach (var chunk in group.Chunk(batchSize))
            {
                int length = group.Key;
                var ids = new int[chunk.Length * length];
                var labels = new int[chunk.Length];
                for (int r = 0; r < chunk.Length; r++)
                {
                    var words = sentences[chunk[r]].Words;
                    for (int t = 0; t < length; t++) ids[r * length + t] = SentimentCorpus.WordIds[words[t]];
                    labels[r] = sentences[chunk[r]].Label;
                }
                batches.Add(new Batch(Tensor.FromArray(ids, chunk.Length, length), Tensor.FromArray(labels, chunk.Length), chunk));
            }
        if (rng is not null)
        {
            var shuffled = rng.Permutation(batches.Count);
            batches = shuffled.Select(i => batches[i]).ToList();
        }
        return batches;
    }

    /// <summary>One epoch of Adam steps over <paramref name="sentences"/> in shuffled batches; returns the mean loss.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="optimizer">Its optimizer.</param>
    /// <param name="sentences">The training sentences.</param>
    /// <param name="batchSize">Largest batch.</param>
    /// <param name="rng">Shuffles.</param>
    /// <param name="afterStep">Called after every step with the step's loss.</param>
    /// <returns>The mean of the steps' losses.</returns>
    public static double Epoch(SentenceClassifier model, Optimizer<float> optimizer, IReadOnlyList<Sentence> sentences, int batchSize, Rng rng,
        Action<double>? afterStep = null)
    {
        double sum = 0;
        var batches = Batches(sentences, batchSize, rng);
        foreach (var batch in batches)
        {
            var loss = model.Forward(batch.Ids).CrossEntropy(batch.Labels);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            double value = loss.Item();
            sum += value;
            afterStep?.Invoke(value);
        }
        return sum / batches.Count;
    }

    /// <summary>Whether <paramref name="model"/> labels each sentence right (in the order of <paramref name="sentences"/>).</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="sentences">The sentences.</param>
    /// <returns>One flag per sentence.</returns>
    public static bool[] Correct(SentenceClassifier model, IReadOnlyList<Sentence> sentences)
    {
        var correct = new bool[sentences.Count];
        using var _ = GradMode.NoGrad();
        foreach (var batch in Batches(sentences, 256, rng: null))
        {
            var scores = model.Forward(batch.Ids).Data.ToArray();
            for (int r = 0; r < batch.Rows.Length; r++)
            {
                int predicted = scores[2 * r + 1] > scores[2 * r] ? 1 : 0;
                correct[batch.Rows[r]] = predicted == sentences[batch.Rows[r]].Label;
            }
        }
        return correct;
    }

    /// <summary>The fraction of true flags among those <paramref name="where"/> selects (NaN when it selects none).</summary>
    /// <param name="correct">Per-sentence flags from <see cref="Correct"/>.</param>
    /// <param name="sentences">The same sentences.</param>
    /// <param name="where">Which sentences count.</param>
    /// <returns>The accuracy in [0, 1].</returns>
    public static double Accuracy(bool[] correct, IReadOnlyList<Sentence> sentences, Func<Sentence, bool> where)
    {
        int n = 0, right = 0;
        for (int i = 0; i < sentences.Count; i++)
            if (where(sentences[i])) { n++; if (correct[i]) right++; }
        return n == 0 ? double.NaN : (double)right / n;
    }
}
