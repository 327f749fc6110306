using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;

namespace MiniTorch.Examples.Translation;

/// <summary>
/// Trains a <see cref="Seq2Seq{T}"/> on (source, target) date pairs with teacher forcing: Adam on mini-batches, the
/// gradients clipped to [-5, 5], the learning rate multiplied by a decay after every epoch. Mini-batches are drawn from
/// a random order and, within windows of 20 batches, grouped by source length, so that little of each batch is padding.
/// </summary>
public sealed class Trainer
{
    private readonly Seq2Seq<float> _model;
    private readonly Adam<float> _optimizer;
    private readonly ExponentialLr<float> _schedule;
    private readonly int _batchSize;
    private readonly Rng _rng;

    /// <summary>Sets up Adam (learning rate <paramref name="lr"/>) and the per-epoch decay for <paramref name="model"/>.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="lr">Adam's learning rate.</param>
    /// <param name="lrDecay">The factor applied to the learning rate after every epoch.</param>
    /// <param name="batchSize">Pairs per mini-batch (at least 1).</param>
    /// <param name="rng">Source of the batch order.</param>
    /// <exception cref="ArgumentOutOfRangeException">batchSize is below 1.</exception>
    public Trainer(Seq2Seq<float> model, double lr, double lrDecay, int batchSize, Rng rng)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"Trainer: batchSize must be >= 1, got {batchSize}.");
        _model = model;
        _optimizer = new Adam<float>(model.Parameters(), lr);
        _schedule = new ExponentialLr<float>(_optimizer, lrDecay);
        _batchSize = batchSize;
        _rng = rng;
    }

    /// <summary>The loss of every mini-batch so far, in order.</summary>
    public List<double> LossHistory { get; } = new();

    /// <summary>Epochs completed.</summary>
    public int Epochs => _schedule.LastEpoch;

    /// <summary>The number of mini-batches in an epoch over <paramref name="count"/> pairs.</summary>
    /// <param name="count">The number of training pairs.</param>
    /// <returns>⌈count / batch size⌉.</returns>
    public int BatchesPerEpoch(int count) => (count + _batchSize - 1) / _batchSize;

    /// <summary>
    /// One pass over <paramref name="pairs"/>, one Adam step per mini-batch, then the learning-rate decay. Reports every
    /// step to <paramref name="progress"/> when given (numbered by <see cref="LossHistory"/>).
    /// </summary>
    /// <param name="pairs">The training pairs.</param>
    /// <param name="progress">Where to report each step's loss, or null.</param>
    public void Epoch(IReadOnlyList<(string Source, string Target)> pairs, IProgressSink? progress = null)
    {
        foreach (var batch in Batches(pairs.Count, i => pairs[i].Source.Length))
        {
            var (sources, _, targets) = Dates.Batch(batch.Select(i => pairs[i]).ToList());
            var loss = _model.Loss(sources, targets);
            _optimizer.ZeroGrad();
            loss.Backward();
            ClipGrad.Value(_model.Parameters(), -5, 5);
            _optimizer.Step();
            LossHistory.Add(loss.Item());
            progress?.Report(LossHistory.Count, LossHistory[^1], $"epoch {Epochs + 1}");
        }
        _schedule.Step();
    }

    // A random order cut into batches, each window of 20 batches sorted by length first; the batches are then shuffled.
    private List<int[]> Batches(int count, Func<int, int> length)
    {
        int[] order = _rng.Permutation(count);
        int window = 20 * _batchSize;
        var batches = new List<int[]>();
        for (int w = 0; w < count; w += window)
        {
            var sorted = order[w..Math.Min(w + window, count)].OrderBy(length).ToArray();
            for (int b = 0; b < sorted.Length; b += _batchSize) batches.Add(sorted[b..Math.Min(b + _batchSize, sorted.Length)]);
        }
        int[] batchOrder = _rng.Permutation(batches.Count);
        return batchOrder.Select(i => batches[i]).ToList();
    }

    /// <summary>The mean loss per pair on <paramref name="pairs"/>, without recording gradients (in batches of 500).</summary>
    /// <param name="pairs">The pairs to evaluate.</param>
    /// <returns>The loss averaged over the pairs.</returns>
    public double Evaluate(IReadOnlyList<(string Source, string Target)> pairs)
    {
        using var _ = GradMode.NoGrad();
        double total = 0;
        foreach (var chunk in pairs.Chunk(500))
        {
            var (sources, _, targets) = Dates.Batch(chunk);
            total += _model.Loss(sources, targets).Item() * chunk.Length;
        }
        return total / pairs.Count;
    }

    /// <summary>
    /// Translates every source of <paramref name="pairs"/> (in batches of 500) by greedy decoding (width 1) or beam
    /// search, up to the length of a date and END.
    /// </summary>
    /// <param name="model">The trained model.</param>
    /// <param name="pairs">The pairs whose sources are translated.</param>
    /// <param name="width">The beam width; 1 decodes greedily (and records the attention).</param>
    /// <returns>One hypothesis per pair.</returns>
    public static Seq2Seq<float>.Hypothesis[] Translate(Seq2Seq<float> model, IReadOnlyList<(string Source, string Target)> pairs, int width)
    {
        var result = new List<Seq2Seq<float>.Hypothesis>();
        foreach (var chunk in pairs.Chunk(500))
        {
            var sources = Dates.Batch(chunk).Sources;
            result.AddRange(width == 1 ? model.Greedy(sources, Dates.TargetLength) : model.BeamSearch(sources, width, Dates.TargetLength));
        }
        return [.. result];
    }

    /// <summary>Exact-match rate and character BLEU-4 of <paramref name="hypotheses"/> against the pairs' targets.</summary>
    /// <param name="hypotheses">One decoded hypothesis per pair.</param>
    /// <param name="pairs">The pairs (their targets are the references).</param>
    /// <returns>The fraction of exactly right dates and the corpus BLEU-4 over characters.</returns>
    /// <exception cref="ArgumentException">The counts differ.</exception>
    public static (double ExactMatch, double Bleu) Score(IReadOnlyList<Seq2Seq<float>.Hypothesis> hypotheses, IReadOnlyList<(string Source, string Target)> pairs)
    {
        if (hypotheses.Count != pairs.Count)
            throw new ArgumentException($"Trainer.Score: {hypotheses.Count} hypotheses for {pairs.Count} pairs.", nameof(hypotheses));
        var predicted = hypotheses.Select(h => Dates.DecodeTarget(h.Words)).ToArray();
        int exact = predicted.Zip(pairs).Count(p => p.First == p.Second.Target);
        static IReadOnlyList<string> Characters(string s) => s.Select(ch => ch.ToString()).ToArray();
        double bleu = Bleu.Score(predicted.Select(Characters).ToList(), pairs.Select(p => Characters(p.Target)).ToList());
        return ((double)exact / pairs.Count, bleu);
    }
}
