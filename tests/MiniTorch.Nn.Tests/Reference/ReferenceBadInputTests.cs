using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Reference;

/// <summary>Wrong shapes and bad indices are rejected with messages naming the function, the signature and the shapes.</summary>
public class ReferenceBadInputTests
{
    private static Tensor<double> Z(params int[] shape) => Tensor.Zeros<double>(shape);

    private static void Rejects(Action call, params string[] fragments)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(call);
        foreach (var f in fragments) Assert.Contains(f, ex.Message);
    }

    [Fact]
    public void RnnStepForwardNamesTheDisagreeingAxis()
    {
        // x says D = 3, Wx says D = 5.
        Rejects(() => Cs231n.RnnStepForward(Z(2, 3), Z(2, 4), Z(5, 4), Z(4, 4), Z(4)),
            "RnnStepForward", "Wx axis 0 is 5 but D = 3 (D = 3 from x)", "x (2, 3)", "Wx (5, 4)", "Wx (D, H)");
        Rejects(() => Cs231n.RnnStepForward(Z(2, 3), Z(3, 4), Z(3, 4), Z(4, 4), Z(4)), "RnnStepForward", "prev_h axis 0 is 3 but N = 2");
        Rejects(() => Cs231n.RnnStepForward(Z(2, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(5)), "RnnStepForward", "b axis 0 is 5 but H = 4");
        Rejects(() => Cs231n.RnnStepForward(Z(2, 3, 1), Z(2, 4), Z(3, 4), Z(4, 4), Z(4)), "RnnStepForward", "x must have rank 2");
    }

    [Fact]
    public void SequenceFunctionsRequireRank3InputsAndPositiveSizes()
    {
        Rejects(() => Cs231n.RnnForward(Z(2, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(4)), "RnnForward", "x must have rank 3 (N, T, D)");
        Rejects(() => Cs231n.LstmForward(Z(2, 0, 3), Z(2, 4), Z(3, 16), Z(4, 16), Z(16)), "LstmForward", "every size must be at least 1");
    }

    [Fact]
    public void LstmFunctionsCheckTheFourGateBlocks()
    {
        // Wx (3, 12) would mean 4H = 12, but prev_h says H = 4.
        Rejects(() => Cs231n.LstmStepForward(Z(2, 3), Z(2, 4), Z(2, 4), Z(3, 12), Z(4, 16), Z(16)),
            "LstmStepForward", "Wx axis 1 is 12 but 4H = 16", "Wx (D, 4H)");
        Rejects(() => Cs231n.LstmStepForward(Z(2, 3), Z(2, 4), Z(2, 5), Z(3, 16), Z(4, 16), Z(16)), "LstmStepForward", "prev_c axis 1 is 5 but H = 4");
        Rejects(() => Cs231n.LstmForward(Z(2, 5, 3), Z(2, 4), Z(3, 16), Z(4, 16), Z(15)), "LstmForward", "b axis 0 is 15 but 4H = 16");
    }

    [Fact]
    public void BackwardsRejectUpstreamGradientsOfTheWrongShape()
    {
        var (_, rnnStep) = Cs231n.RnnStepForward(Z(2, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(4));
        Rejects(() => Cs231n.RnnStepBackward(Z(2, 5), rnnStep), "RnnStepBackward", "dnext_h", "(2, 5)", "(2, 4)");
        var (_, rnn) = Cs231n.RnnForward(Z(2, 5, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(4));
        Rejects(() => Cs231n.RnnBackward(Z(2, 4, 4), rnn), "RnnBackward", "dh", "(2, 5, 4)");
        var (_, _, lstmStep) = Cs231n.LstmStepForward(Z(2, 3), Z(2, 4), Z(2, 4), Z(3, 16), Z(4, 16), Z(16));
        Rejects(() => Cs231n.LstmStepBackward(Z(2, 4), Z(4, 2), lstmStep), "LstmStepBackward", "dnext_c");
        var (_, lstm) = Cs231n.LstmForward(Z(2, 5, 3), Z(2, 4), Z(3, 16), Z(4, 16), Z(16));
        Rejects(() => Cs231n.LstmBackward(Z(5, 2, 4), lstm), "LstmBackward", "dh");
        var (_, emb) = Cs231n.WordEmbeddingForward(Tensor.FromArray([0, 1], 1, 2), Z(3, 4));
        Rejects(() => Cs231n.WordEmbeddingBackward(Z(1, 2, 3), emb), "WordEmbeddingBackward", "dout", "(1, 2, 4)");
        var (_, affine) = Cs231n.TemporalAffineForward(Z(2, 3, 4), Z(4, 5), Z(5));
        Rejects(() => Cs231n.TemporalAffineBackward(Z(2, 3, 4), affine), "TemporalAffineBackward", "dout", "(2, 3, 5)");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void WordEmbeddingRejectsIndicesOutsideTheVocabulary(int bad)
    {
        var x = Tensor.FromArray([0, 2, bad, 1], 2, 2);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Cs231n.WordEmbeddingForward(x, Z(3, 4)));
        Assert.Contains($"WordEmbeddingForward: x[1, 0] = {bad} is out of range [0, 3)", ex.Message);
        Rejects(() => Cs231n.WordEmbeddingForward(Tensor.FromArray([0, 1]), Z(3, 4)), "WordEmbeddingForward", "x must have rank 2 (N, T)");
    }

    [Fact]
    public void TemporalFunctionsCheckShapesAndLabels()
    {
        Rejects(() => Cs231n.TemporalAffineForward(Z(2, 3, 4), Z(5, 6), Z(6)), "TemporalAffineForward", "w axis 0 is 5 but D = 4");
        Rejects(() => Cs231n.TemporalSoftmaxLoss(Z(2, 3, 4), Tensor.Zeros<int>(2, 3), Z(3, 2)), "TemporalSoftmaxLoss", "mask axis 0 is 3 but N = 2");
        Rejects(() => Cs231n.TemporalSoftmaxLoss(Z(2, 3, 4), Tensor.Zeros<int>(2, 4), Z(2, 3)), "TemporalSoftmaxLoss", "y axis 1 is 4 but T = 3");
        var y = Tensor.FromArray([0, 1, 2, 3, 4, 0], 2, 3);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Cs231n.TemporalSoftmaxLoss(Z(2, 3, 4), y, Z(2, 3)));
        Assert.Contains("TemporalSoftmaxLoss: y[1, 1] = 4 is out of range [0, 4)", ex.Message);
    }
}
