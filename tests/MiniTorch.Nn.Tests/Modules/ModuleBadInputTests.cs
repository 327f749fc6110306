using MiniTorch.Autograd;

namespace MiniTorch.Nn.Tests.Modules;

/// <summary>Modules reject bad sizes and inputs before recording anything, with messages naming module and shapes.</summary>
public class ModuleBadInputTests
{
    private static Variable<double> V(params int[] shape) => Tensor.Zeros<double>(shape).AsVariable();

    private static void Rejects(Action call, params string[] fragments)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(call);
        foreach (var f in fragments) Assert.Contains(f, ex.Message);
    }

    [Fact]
    public void ConstructorsRejectNonPositiveSizes()
    {
        var rng = new Rng(0);
        Rejects(() => _ = new Lstm<double>(0, 4, rng), "Lstm", "inputSize must be at least 1, got 0");
        Rejects(() => _ = new Rnn<double>(3, -2, rng), "Rnn", "hiddenSize must be at least 1, got -2");
        Rejects(() => _ = new Linear<double>(3, 0, rng), "Linear", "outFeatures");
        Rejects(() => _ = new Embedding<double>(0, 3, rng), "Embedding", "numEmbeddings");
        Assert.Throws<ArgumentNullException>(() => new LstmCell<double>(2, 3, null!));
    }

    [Fact]
    public void SequenceModulesCheckInputAndInitialStates()
    {
        var rng = new Rng(0);
        var lstm = new Lstm<double>(3, 4, rng);
        // The parameters require grad, so a forward that got past its checks would have recorded ops on the tape.
        Rejects(() => lstm.Forward(V(2, 5, 6)), "Lstm.Forward", "x axis 2 is 6 but D = 3 (D = 3 from input_size)", "x (2, 5, 6)");
        Rejects(() => lstm.Forward(V(2, 6)), "Lstm.Forward", "x must have rank 3 (N, T, D)");
        Rejects(() => lstm.Forward(V(2, 5, 3), V(3, 4)), "Lstm.Forward", "h0 axis 0 is 3 but N = 2 (N = 2 from x)");
        Rejects(() => lstm.Forward(V(2, 5, 3), null, V(2, 5)), "Lstm.Forward", "c0 axis 1 is 5 but H = 4 (H = 4 from hidden_size)", "h0 (omitted)");
        var rnn = new Rnn<double>(3, 4, rng);
        Rejects(() => rnn.Forward(V(2, 5, 2)), "Rnn.Forward", "x axis 2 is 2 but D = 3");
        Rejects(() => rnn.Forward(V(2, 5, 3), V(2, 3)), "Rnn.Forward", "h0 axis 1 is 3 but H = 4");
    }

    [Fact]
    public void CellsCheckTheirInputs()
    {
        var rng = new Rng(0);
        Rejects(() => new RnnCell<double>(3, 4, rng).Forward(V(2, 2)), "RnnCell.Forward", "x axis 1 is 2 but D = 3");
        Rejects(() => new LstmCell<double>(3, 4, rng).Forward(V(2, 3), V(2, 4), V(1, 4)), "LstmCell.Forward", "c axis 0 is 1 but N = 2");
    }

    [Fact]
    public void LinearAndTemporalAffineCheckTheirInputs()
    {
        var rng = new Rng(0);
        Rejects(() => new Linear<double>(3, 4, rng).Forward(V(2, 5)), "Linear.Forward", "(…, 3)", "(2, 5)");
        Rejects(() => new TemporalAffine<double>(3, 4, rng).Forward(V(2, 3)), "TemporalAffine.Forward", "x must have rank 3 (N, T, D)");
        Rejects(() => new TemporalAffine<double>(3, 4, rng).Forward(V(2, 5, 4)), "TemporalAffine.Forward", "x axis 2 is 4 but D = 3");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    public void EmbeddingRejectsIndicesOutsideTheTable(int bad)
    {
        var emb = new Embedding<double>(5, 3, new Rng(0));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => emb.Forward(Tensor.FromArray([0, 4, 2, bad], 2, 2)));
        Assert.Contains($"Embedding.Forward: index {bad} at flat position 3 of indices (2, 2) is out of range [0, 5)", ex.Message);
        Assert.Null(emb.Weight.Grad);
    }

    [Fact]
    public void TemporalSoftmaxLossChecksShapesAndLabels()
    {
        Rejects(() => Functional.TemporalSoftmaxLoss(V(2, 3, 4), Tensor.Zeros<int>(3, 2)), "TemporalSoftmaxLoss", "y axis 0 is 3 but N = 2");
        Rejects(() => Functional.TemporalSoftmaxLoss(V(2, 3, 4), Tensor.Zeros<int>(2, 3), Tensor.Zeros<double>(2, 4)), "TemporalSoftmaxLoss", "mask axis 1 is 4 but T = 3");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.TemporalSoftmaxLoss(V(2, 3, 4), Tensor.Full(4, 2, 3)));
        Assert.Contains("out of range [0, 4)", ex.Message);
    }
}
