using MiniTorch.Autograd;
using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Golden;

/// <summary>
/// The fixed-value checks of the CS231n captioning notebooks (listed in Golden/data/README.md): a CaptioningRNN with
/// every parameter set to linspace(-1.4, 1.3, size) must give loss 9.83235591003 (rnn) and 9.82445935443 (lstm).
/// The model is built twice, from the hand-derived reference functions and from the composed modules.
/// </summary>
public class CaptioningLossTests
{
    private const int N = 10, D = 20, W = 30, H = 40, T = 13, V = 3;

    private static Tensor<double> Lin(params int[] shape) => Tensor.Linspace<double>(-1.4, 1.3, shape.Aggregate(1, (a, s) => a * s)).Reshape(shape);

    private static (Tensor<int> In, Tensor<int> Out, Tensor<double> Mask) Captions()
    {
        var captions = Tensor.FromArray(Enumerable.Range(0, N * T).Select(i => i % V).ToArray(), N, T);
        var captionsIn = captions.Narrow(1, 0, T - 1);
        var captionsOut = captions.Narrow(1, 1, T - 1);
        var mask = captionsOut.ToArray().Select(v => v != 0 ? 1.0 : 0.0).ToArray();
        return (captionsIn, captionsOut, Tensor.FromArray(mask, N, T - 1));
    }

    [Theory]
    [InlineData("rnn", -1.5, 0.3, 9.83235591003)]
    [InlineData("lstm", -0.5, 1.7, 9.82445935443)]
    public void ReferenceFunctionsGiveTheNotebookLoss(string cell, double featLow, double featHigh, double expected)
    {
        int g = cell == "lstm" ? 4 : 1;
        var features = Tensor.Linspace<double>(featLow, featHigh, N * D).Reshape(N, D);
        var (captionsIn, captionsOut, mask) = Captions();
        var h0 = features.MatMul(Lin(D, H)) + Lin(H);
        var (x, _) = Cs231n.WordEmbeddingForward(captionsIn, Lin(V, W));
        var h = cell == "lstm"
            ? Cs231n.LstmForward(x, h0, Lin(W, g * H), Lin(H, g * H), Lin(g * H)).H
            : Cs231n.RnnForward(x, h0, Lin(W, g * H), Lin(H, g * H), Lin(g * H)).H;
        var (scores, _) = Cs231n.TemporalAffineForward(h, Lin(H, V), Lin(V));
        var (loss, _) = Cs231n.TemporalSoftmaxLoss(scores, captionsOut, mask);
        Assert.Equal(expected, loss, 1e-10);
    }

    [Theory]
    [InlineData("rnn", -1.5, 0.3, 9.83235591003)]
    [InlineData("lstm", -0.5, 1.7, 9.82445935443)]
    public void ComposedModulesGiveTheNotebookLoss(string cell, double featLow, double featHigh, double expected)
    {
        int g = cell == "lstm" ? 4 : 1;
        var rng = new Rng(0);
        var proj = new Linear<double>(D, H, rng);
        var embed = new Embedding<double>(V, W, rng);
        RecurrentBase<double> recurrent = cell == "lstm" ? new Lstm<double>(W, H, rng) : new Rnn<double>(W, H, rng);
        var vocab = new TemporalAffine<double>(H, V, rng);
        proj.Weight.Data.CopyFrom(Lin(D, H)); proj.Bias!.Data.CopyFrom(Lin(H));
        embed.Weight.Data.CopyFrom(Lin(V, W));
        recurrent.Wx.Data.CopyFrom(Lin(W, g * H)); recurrent.Wh.Data.CopyFrom(Lin(H, g * H)); recurrent.B.Data.CopyFrom(Lin(g * H));
        vocab.Weight.Data.CopyFrom(Lin(H, V)); vocab.Bias!.Data.CopyFrom(Lin(V));

        var features = Tensor.Linspace<double>(featLow, featHigh, N * D).Reshape(N, D).AsVariable();
        var (captionsIn, captionsOut, mask) = Captions();
        var h0 = proj.Forward(features);
        var x = embed.Forward(captionsIn);
        var h = recurrent is Lstm<double> lstm ? lstm.Forward(x, h0).Output : ((Rnn<double>)recurrent).Forward(x, h0).Output;
        var loss = Functional.TemporalSoftmaxLoss(vocab.Forward(h), captionsOut, mask);
        Assert.Equal(expected, loss.Item(), 1e-10);

        loss.Backward(); // the whole model back-propagates: every parameter gets a finite gradient
        foreach (var (name, p) in new Module<double>[] { proj, embed, recurrent, vocab }.SelectMany(m => m.NamedParameters()))
            Assert.True(p.Grad is { } grad && grad.AsSpan().ToArray().All(double.IsFinite), $"{name}: no finite gradient");
    }
}
