using MiniTorch.Autograd;
using MiniTorch.Examples.Translation;

namespace MiniTorch.Examples.Tests;

/// <summary>The translation example's <see cref="Seq2Seq{T}"/>: attention, masking, gradients, decoding, and accuracy.</summary>
public class TranslationTests
{
    private const int SourceVocab = 6, TargetVocab = 7, Embedding = 3, Hidden = 4;

    /// <summary>
    /// A tiny random model (float64; with <paramref name="std"/> every parameter is redrawn from N(0, std²), which
    /// makes the attention far from uniform), sources of lengths 1, 3, 5 and 2 padded to 5 positions, and targets START w… END
    /// then padding, of 1 to 3 words.
    /// </summary>
    private static (Seq2Seq<double> Model, Tensor<int> Sources, Tensor<int> Targets) Small(ulong seed, double? std = null)
    {
        var rng = new Rng(seed);
        var model = new Seq2Seq<double>(SourceVocab, TargetVocab, Embedding, Hidden, rng);
        if (std is { } sd) foreach (var p in model.Parameters()) p.Data.CopyFrom(rng.Normal<double>(p.Data.ShapeArray, std: sd));
        int[] lengths = [1, 3, 5, 2];
        var sources = Tensor.Full(0, lengths.Length, 5);
        var targets = Tensor.Full(0, lengths.Length, 5);
        for (int i = 0; i < lengths.Length; i++)
        {
            for (int t = 0; t < lengths[i]; t++) sources[i, t] = 1 + rng.NextInt(SourceVocab - 1);
            int words = 1 + i % 3;
            targets[i, 0] = 1;
            for (int t = 1; t <= words; t++) targets[i, t] = 3 + rng.NextInt(TargetVocab - 3);
            targets[i, words + 1] = 2;
        }
        return (model, sources, targets);
    }

    // ------------------------------------------------------------ attention and masking

    [Fact]
    public void AttentionRowsSumToOneAndPaddingGetsNothing()
    {
        var (model, sources, targets) = Small(1, std: 2); // large weights: peaked, far-from-uniform attention
        var encoded = model.Encode(sources);
        var (_, alpha, _, _) = model.Decode(encoded, targets.Narrow(1, 0, 4));
        Assert.Equal([4, 4, 5], alpha.Data.ShapeArray);
        int[] lengths = [1, 3, 5, 2];
        Assert.Equal(lengths, encoded.Lengths);
        for (int i = 0; i < 4; i++)
            for (int t = 0; t < 4; t++)
            {
                double sum = 0;
                for (int s = 0; s < 5; s++)
                {
                    if (s >= lengths[i]) Assert.Equal(0.0, alpha.Data[i, t, s]); // exactly zero, not just small
                    else Assert.True(alpha.Data[i, t, s] > 0);
                    sum += alpha.Data[i, t, s];
                }
                Assert.Equal(1.0, sum, 1e-12);
            }
        // Row 0 has a single valid position: all its attention is there.
        Assert.All(Enumerable.Range(0, 4), t => Assert.Equal(1.0, alpha.Data[0, t, 0], 1e-15));
    }

    [Fact]
    public void ExtraPaddingChangesNeitherTheLossNorTheGradients()
    {
        // The same batch with three more padding columns on the sources: masked out of the attention, never read by
        // the encoder before a valid position, so the loss and every gradient are the same.
        var (model, sources, targets) = Small(2);
        var wider = Tensor.Full(0, 4, 8);
        for (int i = 0; i < 4; i++) for (int t = 0; t < 5; t++) wider[i, t] = sources[i, t];
        var a = model.Loss(sources, targets);
        a.Backward();
        var gradA = model.Parameters().Select(p => p.Grad!.Clone()).ToArray();
        model.ZeroGrad();
        var b = model.Loss(wider, targets);
        b.Backward();
        Assert.Equal(a.Item(), b.Item(), 1e-12);
        foreach (var ((name, p), g) in model.NamedParameters().Zip(gradA))
            Assert.True(GradCheck.ScaledError(g.AsSpan(), p.Grad!.AsSpan()) < 1e-12, name);
    }

    [Fact]
    public void TargetPaddingIsMaskedOutOfTheLoss()
    {
        // Changing what a padded target position would have to predict changes nothing: those positions carry no loss.
        var (model, sources, targets) = Small(3);
        double before = model.Loss(sources, targets).Item();
        var longer = Tensor.Full(0, 4, 7);
        for (int i = 0; i < 4; i++) for (int t = 0; t < 5; t++) longer[i, t] = targets[i, t];
        Assert.Equal(before, model.Loss(sources, longer).Item(), 1e-12);
        // …while a real word does count.
        targets[0, 1] = targets[0, 1] == 3 ? 4 : 3;
        Assert.NotEqual(before, model.Loss(sources, targets).Item());
    }

    // ------------------------------------------------------------ gradients

    /// <summary>
    /// Every parameter's gradient against central differences of the loss (float64, random upstream gradient). The
    /// parameters are drawn from N(0, 1) rather than the layers' small initialisation, so that the attention is peaked
    /// and W_a's gradient is not ~1e-4 (where central differences' rounding alone gives scaled errors ~1e-6).
    /// </summary>
    [Theory]
    [InlineData(4UL)]
    [InlineData(5UL)]
    public void ParameterGradientsMatchCentralDifferences(ulong seed)
    {
        var (model, sources, targets) = Small(seed, std: 1);
        var named = model.NamedParameters().ToList();
        var report = GradCheck.Run(() => model.Loss(sources, targets), named.Select(p => p.Parameter).ToList(), seed: seed);
        Assert.Equal(named.Count, report.Inputs.Count);
        foreach (var r in report.Inputs)
            Assert.True(r.ScaledError < 1e-7, $"{named[r.Index].Name}: scaled error {r.ScaledError:E2}");
    }

    // ------------------------------------------------------------ decoding

    /// <summary>
    /// Shifts END's output bias by the median of the first step's margins (END minus the best other word), so that about
    /// half of the translations end at once and the others go on for several steps.
    /// </summary>
    private static void HalfEndAtOnce(Seq2Seq<double> model, Tensor<int> sources)
    {
        int n = sources.Dim(0);
        var first = model.Decode(model.Encode(sources), Tensor.Full(model.StartId, n, 1)).Logits.Data;
        var margins = Enumerable.Range(0, n)
            .Select(i => first[i, 0, model.EndId] - Enumerable.Range(0, TargetVocab).Where(k => k != model.EndId).Max(k => first[i, 0, k]))
            .Order().ToArray();
        model.Output.Bias!.Data[model.EndId] -= (margins[n / 2 - 1] + margins[n / 2]) / 2;
    }

    [Theory]
    [InlineData(6UL)]
    [InlineData(7UL)]
    public void GreedyAndBeamScoresAreTheModelsLogProbabilities(ulong seed)
    {
        var (model, sources, _) = Small(seed, std: 1.5);
        HalfEndAtOnce(model, sources);
        foreach (var hypotheses in new[] { model.Greedy(sources, 6), model.BeamSearch(sources, 3, 6) })
        {
            var targets = Tensor.Full(0, 4, 7);
            for (int i = 0; i < 4; i++)
            {
                targets[i, 0] = model.StartId;
                for (int t = 0; t < hypotheses[i].Words.Length; t++) targets[i, t + 1] = hypotheses[i].Words[t];
            }
            // Teacher forcing scores NULL positions as padding, so only words other than NULL may be compared.
            var scored = Enumerable.Range(0, 4).Where(i => !hypotheses[i].Words.Contains(model.NullId)).ToList();
            Assert.NotEmpty(scored);
            var logp = model.LogProbability(sources, targets);
            foreach (int i in scored) Assert.Equal(logp[i], hypotheses[i].Score, 1e-10);
        }
    }

    [Theory]
    [InlineData(8UL)]
    [InlineData(9UL)]
    [InlineData(10UL)]
    public void BeamWidthOneIsGreedy(ulong seed)
    {
        var (model, sources, _) = Small(seed, std: 1.5);
        HalfEndAtOnce(model, sources);
        var greedy = model.Greedy(sources, 6);
        var beam = model.BeamSearch(sources, 1, 6);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(greedy[i].Words, beam[i].Words);
            Assert.Equal(greedy[i].Score, beam[i].Score, 1e-12);
        }
        Assert.Contains(greedy, h => h.Words.Length == 1);
        Assert.Contains(greedy, h => h.Words.Length > 1);
    }

    [Fact]
    public void GreedyAttentionCoversTheValidSourceOnly()
    {
        var (model, sources, _) = Small(11);
        var greedy = model.Greedy(sources, 4);
        int[] lengths = [1, 3, 5, 2];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(greedy[i].Words.Length, greedy[i].Attention!.Length);
            Assert.All(greedy[i].Attention!, row => { Assert.Equal(lengths[i], row.Length); Assert.Equal(1.0, row.Sum(), 1e-12); });
        }
    }

    [Fact]
    public void BadInputsAreRejected()
    {
        var (model, sources, targets) = Small(12);
        var gap = sources.Clone();
        gap[0, 3] = 1; // an id after row 0's padding at position 1
        Assert.Contains("after its padding", Assert.Throws<ArgumentException>(() => model.Loss(gap, targets)).Message);
        var empty = sources.Clone();
        empty[1, 0] = 0; empty[1, 1] = 0; empty[1, 2] = 0;
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => model.Encode(empty)).Message);
        Assert.Throws<ArgumentException>(() => model.Loss(sources, targets.Narrow(0, 0, 3)));
        Assert.Throws<ArgumentException>(() => model.Loss(sources, targets.Narrow(1, 0, 1)));
        Assert.Throws<ArgumentException>(() => model.BeamSearch(sources, 0, 5));
        Assert.Throws<ArgumentException>(() => model.Greedy(sources, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Seq2Seq<double>(SourceVocab, TargetVocab, Embedding, Hidden, new Rng(0), endId: TargetVocab));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Seq2Seq<double>(SourceVocab, TargetVocab, 0, Hidden, new Rng(0)));
    }

    // ------------------------------------------------------------ trained on dates

    /// <summary>A small model trained once on dates (hidden 32, 3000 pairs, 3 epochs of batches of 32: 282 Adam steps), shared by the tests below.</summary>
    public sealed class TrainedOnDates
    {
        public TrainedOnDates()
        {
            var (trainDays, heldOutDays) = Dates.SplitDays(300, new Rng(1));
            var rng = new Rng(2);
            var train = Dates.Sample(trainDays, 3000, rng);
            HeldOut = Dates.Sample(heldOutDays, 300, rng);
            Model = new Seq2Seq<float>(Dates.SourceVocabulary, Dates.TargetVocabulary, 16, 32, new Rng(3), Dates.Null, Dates.Start, Dates.End);
            var trainer = new Trainer(Model, 1e-2, 0.7, 32, new Rng(4));
            for (int epoch = 0; epoch < 3; epoch++) trainer.Epoch(train);
            Greedy = Trainer.Translate(Model, HeldOut, 1);
            Beam = Trainer.Translate(Model, HeldOut, 4);
        }

        public Seq2Seq<float> Model { get; }
        public List<(string Source, string Target)> HeldOut { get; }
        public Seq2Seq<float>.Hypothesis[] Greedy { get; }
        public Seq2Seq<float>.Hypothesis[] Beam { get; }
    }
}

/// <summary>Accuracy and beam search on the model of <see cref="TranslationTests.TrainedOnDates"/>.</summary>
public class TrainedTranslationTests(TranslationTests.TrainedOnDates trained) : IClassFixture<TranslationTests.TrainedOnDates>
{
    [Fact]
    public void HeldOutExactMatchIsAboveTheFloor()
    {
        // Held-out dates were never seen in training (in any spelling). Seed-fixed run: see the floor's margin below.
        var (exact, bleu) = Trainer.Score(trained.Greedy, trained.HeldOut);
        Assert.True(exact > 0.80, $"greedy exact match {exact:P1}");
        Assert.True(bleu > 0.90, $"greedy BLEU {bleu:F3}");
        var (beamExact, _) = Trainer.Score(trained.Beam, trained.HeldOut);
        Assert.True(beamExact > 0.80, $"beam exact match {beamExact:P1}");
    }

    [Fact]
    public void BeamSearchNeverScoresBelowGreedy()
    {
        // Not a theorem of beam search, but it holds for a trained model: beam 4's translation is at least as likely.
        for (int i = 0; i < trained.HeldOut.Count; i++)
            Assert.True(trained.Beam[i].Score >= trained.Greedy[i].Score - 1e-4,
                $"{trained.HeldOut[i].Source}: beam {trained.Beam[i].Score} < greedy {trained.Greedy[i].Score}");
        Assert.Contains(Enumerable.Range(0, trained.HeldOut.Count), i => trained.Beam[i].Score > trained.Greedy[i].Score + 1e-4);
    }
}
