using MiniTorch.Autograd;
using MiniTorch.Examples.Captioning;

namespace MiniTorch.Examples.Tests;

/// <summary>The example's <see cref="CaptioningRnn{T}"/>: the CS231n notebook losses, its gradients, and greedy sampling.</summary>
public class CaptioningRnnTests
{
    // ------------------------------------------------------------ the notebook's fixed-value checks

    /// <summary>
    /// The CS231n captioning notebook's check (Golden/README.md, "Fixed-value checks"): N=10, D=20, W=30, H=40,
    /// T=13, vocabulary {NULL: 0, cat: 2, dog: 3} so V=3, every parameter linspace(-1.4, 1.3, size) in its own shape,
    /// captions = arange(N·T) % V, features = linspace(low, high, N·D).
    /// </summary>
    [Theory]
    [InlineData("rnn", -1.5, 0.3, 9.83235591003)]
    [InlineData("lstm", -0.5, 1.7, 9.82445935443)]
    public void LossMatchesTheNotebook(string cell, double featureLow, double featureHigh, double expected)
    {
        const int n = 10, d = 20, w = 30, h = 40, t = 13, v = 3;
        // START and END are not used by the loss (the notebook's vocabulary has none); 1 and 2 are valid ids.
        var model = new CaptioningRnn<double>(v, d, w, h, cell, new Rng(0), nullId: 0, startId: 1, endId: 2);
        var names = new List<string>();
        foreach (var (name, p) in model.NamedParameters())
        {
            p.Data.CopyFrom(Tensor.Linspace<double>(-1.4, 1.3, p.Length).Reshape(p.Data.ShapeArray));
            names.Add(name);
        }
        string prefix = cell;
        Assert.Equal(["proj.weight", "proj.bias", "embed.weight", $"{prefix}.Wx_l0", $"{prefix}.Wh_l0", $"{prefix}.b_l0", "vocab.weight", "vocab.bias"], names);
        int g = cell == "lstm" ? 4 : 1;
        Assert.Equal([d, h], model.Projection.Weight.Data.ShapeArray);
        Assert.Equal([w, g * h], model.NamedParameters().Single(p => p.Name == $"{prefix}.Wx_l0").Parameter.Data.ShapeArray);
        Assert.Equal((w, h, 1, false), (model.Recurrent.InputSize, model.Recurrent.HiddenSize, model.Recurrent.NumLayers, model.Recurrent.Bidirectional));
        Assert.Equal([h, v], model.Vocab.Weight.Data.ShapeArray);

        var features = Tensor.Linspace<double>(featureLow, featureHigh, n * d).Reshape(n, d).AsVariable();
        var captions = Tensor.FromArray(Enumerable.Range(0, n * t).Select(i => i % v).ToArray(), n, t);
        double loss = model.Loss(features, captions).Item();
        Assert.True(Math.Abs(loss - expected) <= 1e-9, $"{cell}: loss {loss:R}, expected {expected:R}");
    }

    // ------------------------------------------------------------ gradients

    private const int N = 3, D = 4, W = 5, H = 6, V = 7, T = 6;

    /// <summary>A small model with random parameters and captions START w… END NULL… of different lengths.</summary>
    private static (CaptioningRnn<double> Model, Tensor<double> Features, Tensor<int> Captions) Small(string cell, ulong seed)
    {
        var rng = new Rng(seed);
        var model = new CaptioningRnn<double>(V, D, W, H, cell, rng);
        var features = rng.Normal<double>([N, D]);
        var captions = Tensor.Full(0, N, T);
        for (int i = 0; i < N; i++)
        {
            int words = 1 + i % (T - 2); // 1 .. T-2 words, so every row has an END and some rows have padding
            captions[i, 0] = 1;
            for (int k = 1; k <= words; k++) captions[i, k] = 3 + rng.NextInt(V - 3);
            captions[i, words + 1] = 2;
        }
        return (model, features, captions);
    }

    [Theory]
    [InlineData("rnn", 1UL)]
    [InlineData("lstm", 2UL)]
    [InlineData("gru", 8UL)]
    public void FeatureGradientMatchesCentralDifferences(string cell, ulong seed)
    {
        var (model, features, captions) = Small(cell, seed);
        GradCheck.Run(x => model.Loss(x[0], captions), [features], seed: seed).AssertScaledErrorBelow(1e-7);
    }

    /// <summary>
    /// Every parameter's tape gradient against central differences of the loss (float64, random upstream),
    /// through GradCheck's overload for variables the model owns.
    /// </summary>
    [Theory]
    [InlineData("rnn", 3UL)]
    [InlineData("lstm", 4UL)]
    [InlineData("gru", 9UL)]
    public void ParameterGradientsMatchCentralDifferences(string cell, ulong seed)
    {
        var (model, features, captions) = Small(cell, seed);
        var x = features.AsVariable();
        var named = model.NamedParameters().ToList();
        var report = GradCheck.Run(() => model.Loss(x, captions), named.Select(p => p.Parameter).ToList(), seed: seed);
        foreach (var r in report.Inputs)
            Assert.True(r.ScaledError < 1e-7, $"{cell} {named[r.Index].Name}: scaled error {r.ScaledError:E2}");
        Assert.Equal(named.Count, report.Inputs.Count);
    }

    [Fact]
    public void PaddingDoesNotChangeTheLossOrTheGradients()
    {
        // The same two captions, once padded to 6 tokens and once to 9: NULL positions are masked out entirely.
        var (model, features, captions) = Small("lstm", 5);
        var longer = Tensor.Full(0, N, T + 3);
        for (int i = 0; i < N; i++) for (int k = 0; k < T; k++) longer[i, k] = captions[i, k];
        var a = model.Loss(features.AsVariable(), captions);
        a.Backward();
        var gradA = model.Parameters().Select(p => p.Grad!.Clone()).ToArray();
        model.ZeroGrad();
        var b = model.Loss(features.AsVariable(), longer);
        b.Backward();
        Assert.Equal(a.Item(), b.Item(), 1e-12);
        foreach (var (p, g) in model.Parameters().Zip(gradA))
            Assert.True(GradCheck.ScaledError(g.AsSpan(), p.Grad!.AsSpan()) < 1e-12, p.Name);
    }

    // ------------------------------------------------------------ greedy sampling

    [Theory]
    [InlineData("rnn", 6UL)]
    [InlineData("lstm", 7UL)]
    [InlineData("gru", 10UL)]
    public void GreedySampleIsTheArgmaxOfTeacherForcedScores(string cell, ulong seed)
    {
        // Step-by-step decoding must agree with the sequence forward: feeding START and the sampled words back in one
        // pass, the most likely next word at each step is the sampled one, until END; after END only NULL follows.
        const int rows = 10, maxLength = 9;
        var rng = new Rng(seed);
        var model = new CaptioningRnn<double>(V, D, W, H, cell, rng);
        var features = rng.Normal<double>([rows, D], std: 2);

        // Shift END's bias by the median of the first step's margins (best other word minus END), so that about half
        // of the captions end at once (their padding is checked) and the others go on for several steps.
        var first = model.Scores(features.AsVariable(), Tensor.Full(model.StartId, rows, 1)).Data;
        var margins = Enumerable.Range(0, rows)
            .Select(i => Enumerable.Range(0, V).Where(k => k != model.EndId).Max(k => first[i, 0, k]) - first[i, 0, model.EndId])
            .Order().ToArray();
        model.Vocab.Bias!.Data[model.EndId] += (margins[rows / 2 - 1] + margins[rows / 2]) / 2;

        var sampled = model.Sample(features, maxLength);
        Assert.Equal([rows, maxLength], sampled.ShapeArray);
        var input = Tensor.Full(model.StartId, rows, maxLength);
        for (int i = 0; i < rows; i++) for (int t = 1; t < maxLength; t++) input[i, t] = sampled[i, t - 1];
        var best = model.Scores(features.AsVariable(), input).Data.ArgMax(2);
        for (int i = 0; i < rows; i++)
        {
            bool ended = false;
            for (int t = 0; t < maxLength; t++)
            {
                if (ended) { Assert.Equal(model.NullId, sampled[i, t]); continue; }
                Assert.Equal(best[i, t], sampled[i, t]);
                ended = sampled[i, t] == model.EndId;
            }
        }
        int endedAtOnce = Enumerable.Range(0, rows).Count(i => sampled[i, 0] == model.EndId);
        Assert.InRange(endedAtOnce, 1, rows - 1);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new CaptioningRnn<double>(V, D, W, H, "transformer", new Rng(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CaptioningRnn<double>(V, D, W, H, "rnn", new Rng(0), endId: V));
        var (model, features, captions) = Small("rnn", 8);
        var e = Assert.Throws<ArgumentException>(() => model.Loss(features.Narrow(0, 0, 2).AsVariable(), captions));
        Assert.Contains("(2, 4)", e.Message);
        Assert.Throws<ArgumentException>(() => model.Loss(features.AsVariable(), captions.Narrow(1, 0, 1)));
        Assert.Throws<ArgumentException>(() => model.Sample(features, 0));
    }
}
