using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Reference;

/// <summary>
/// Every argument's shape check of every reference function, one bad argument at a time, asserted on the whole message:
/// the function's name, the disagreement (argument, axis, sizes and where the symbol was bound), the expected signature
/// with every argument's name and symbolic shape, and every shape actually passed. So a check that is dropped, or an
/// argument name or symbolic shape that is misspelt, fails here and not in a user's debugging session.
/// </summary>
public class ReferenceValidationTests
{
    private static Tensor<double> Z(params int[] shape) => Tensor.Zeros<double>(shape);
    private static Tensor<int> I(params int[] shape) => Tensor.Zeros<int>(shape);

    /// <summary>Asserts that <paramref name="call"/> throws an ArgumentException whose message is exactly Signature's text.</summary>
    private static void Rejects(string op, string signature, string disagreement, string got, Action call)
    {
        var ex = Assert.Throws<ArgumentException>(call);
        Assert.Equal($"{op}: {disagreement}. Expected {signature}; got {got}.", ex.Message);
    }

    private static void RejectsUpstream(string expected, Action call)
    {
        var ex = Assert.Throws<ArgumentException>(call);
        Assert.Equal(expected, ex.Message);
    }

    [Fact]
    public void RnnStepForwardChecksEveryArgument()
    {
        const string op = "RnnStepForward", sig = "x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,)";
        Rejects(op, sig, "x must have rank 2 (N, D), got rank 3", "x (2, 3, 1), prev_h (2, 4), Wx (3, 4), Wh (4, 4), b (4,)",
            () => Cs231n.RnnStepForward(Z(2, 3, 1), Z(2, 4), Z(3, 4), Z(4, 4), Z(4)));
        Rejects(op, sig, "prev_h axis 0 is 3 but N = 2 (N = 2 from x)", "x (2, 3), prev_h (3, 4), Wx (3, 4), Wh (4, 4), b (4,)",
            () => Cs231n.RnnStepForward(Z(2, 3), Z(3, 4), Z(3, 4), Z(4, 4), Z(4)));
        Rejects(op, sig, "Wx axis 0 is 5 but D = 3 (D = 3 from x)", "x (2, 3), prev_h (2, 4), Wx (5, 4), Wh (4, 4), b (4,)",
            () => Cs231n.RnnStepForward(Z(2, 3), Z(2, 4), Z(5, 4), Z(4, 4), Z(4)));
        Rejects(op, sig, "Wh axis 1 is 5 but H = 4 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), Wx (3, 4), Wh (4, 5), b (4,)",
            () => Cs231n.RnnStepForward(Z(2, 3), Z(2, 4), Z(3, 4), Z(4, 5), Z(4)));
        Rejects(op, sig, "b axis 0 is 5 but H = 4 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), Wx (3, 4), Wh (4, 4), b (5,)",
            () => Cs231n.RnnStepForward(Z(2, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(5)));
    }

    [Fact]
    public void RnnForwardChecksEveryArgument()
    {
        const string op = "RnnForward", sig = "x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,)";
        Rejects(op, sig, "x must have rank 3 (N, T, D), got rank 2", "x (2, 3), h0 (2, 4), Wx (3, 4), Wh (4, 4), b (4,)",
            () => Cs231n.RnnForward(Z(2, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(4)));
        Rejects(op, sig, "h0 axis 0 is 3 but N = 2 (N = 2 from x)", "x (2, 5, 3), h0 (3, 4), Wx (3, 4), Wh (4, 4), b (4,)",
            () => Cs231n.RnnForward(Z(2, 5, 3), Z(3, 4), Z(3, 4), Z(4, 4), Z(4)));
        Rejects(op, sig, "Wx axis 0 is 5 but D = 3 (D = 3 from x)", "x (2, 5, 3), h0 (2, 4), Wx (5, 4), Wh (4, 4), b (4,)",
            () => Cs231n.RnnForward(Z(2, 5, 3), Z(2, 4), Z(5, 4), Z(4, 4), Z(4)));
        Rejects(op, sig, "Wh axis 0 is 5 but H = 4 (H = 4 from h0)", "x (2, 5, 3), h0 (2, 4), Wx (3, 4), Wh (5, 4), b (4,)",
            () => Cs231n.RnnForward(Z(2, 5, 3), Z(2, 4), Z(3, 4), Z(5, 4), Z(4)));
        Rejects(op, sig, "b axis 0 is 5 but H = 4 (H = 4 from h0)", "x (2, 5, 3), h0 (2, 4), Wx (3, 4), Wh (4, 4), b (5,)",
            () => Cs231n.RnnForward(Z(2, 5, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(5)));
    }

    [Fact]
    public void LstmStepForwardChecksEveryArgument()
    {
        const string op = "LstmStepForward", sig = "x (N, D), prev_h (N, H), prev_c (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,)";
        Rejects(op, sig, "x must have rank 2 (N, D), got rank 3", "x (2, 3, 1), prev_h (2, 4), prev_c (2, 4), Wx (3, 16), Wh (4, 16), b (16,)",
            () => Cs231n.LstmStepForward(Z(2, 3, 1), Z(2, 4), Z(2, 4), Z(3, 16), Z(4, 16), Z(16)));
        Rejects(op, sig, "prev_h axis 0 is 3 but N = 2 (N = 2 from x)", "x (2, 3), prev_h (3, 4), prev_c (2, 4), Wx (3, 16), Wh (4, 16), b (16,)",
            () => Cs231n.LstmStepForward(Z(2, 3), Z(3, 4), Z(2, 4), Z(3, 16), Z(4, 16), Z(16)));
        Rejects(op, sig, "prev_c axis 1 is 5 but H = 4 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), prev_c (2, 5), Wx (3, 16), Wh (4, 16), b (16,)",
            () => Cs231n.LstmStepForward(Z(2, 3), Z(2, 4), Z(2, 5), Z(3, 16), Z(4, 16), Z(16)));
        Rejects(op, sig, "Wx axis 1 is 12 but 4H = 16 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), prev_c (2, 4), Wx (3, 12), Wh (4, 16), b (16,)",
            () => Cs231n.LstmStepForward(Z(2, 3), Z(2, 4), Z(2, 4), Z(3, 12), Z(4, 16), Z(16)));
        Rejects(op, sig, "Wh axis 1 is 12 but 4H = 16 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), prev_c (2, 4), Wx (3, 16), Wh (4, 12), b (16,)",
            () => Cs231n.LstmStepForward(Z(2, 3), Z(2, 4), Z(2, 4), Z(3, 16), Z(4, 12), Z(16)));
        Rejects(op, sig, "b axis 0 is 15 but 4H = 16 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), prev_c (2, 4), Wx (3, 16), Wh (4, 16), b (15,)",
            () => Cs231n.LstmStepForward(Z(2, 3), Z(2, 4), Z(2, 4), Z(3, 16), Z(4, 16), Z(15)));
    }

    [Fact]
    public void LstmForwardChecksEveryArgument()
    {
        const string op = "LstmForward", sig = "x (N, T, D), h0 (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,)";
        Rejects(op, sig, "x axis 1 (T) has size 0; every size must be at least 1", "x (2, 0, 3), h0 (2, 4), Wx (3, 16), Wh (4, 16), b (16,)",
            () => Cs231n.LstmForward(Z(2, 0, 3), Z(2, 4), Z(3, 16), Z(4, 16), Z(16)));
        Rejects(op, sig, "h0 must have rank 2 (N, H), got rank 3", "x (2, 5, 3), h0 (2, 4, 1), Wx (3, 16), Wh (4, 16), b (16,)",
            () => Cs231n.LstmForward(Z(2, 5, 3), Z(2, 4, 1), Z(3, 16), Z(4, 16), Z(16)));
        Rejects(op, sig, "Wx axis 0 is 4 but D = 3 (D = 3 from x)", "x (2, 5, 3), h0 (2, 4), Wx (4, 16), Wh (4, 16), b (16,)",
            () => Cs231n.LstmForward(Z(2, 5, 3), Z(2, 4), Z(4, 16), Z(4, 16), Z(16)));
        Rejects(op, sig, "Wh axis 0 is 5 but H = 4 (H = 4 from h0)", "x (2, 5, 3), h0 (2, 4), Wx (3, 16), Wh (5, 16), b (16,)",
            () => Cs231n.LstmForward(Z(2, 5, 3), Z(2, 4), Z(3, 16), Z(5, 16), Z(16)));
        Rejects(op, sig, "b axis 0 is 15 but 4H = 16 (H = 4 from h0)", "x (2, 5, 3), h0 (2, 4), Wx (3, 16), Wh (4, 16), b (15,)",
            () => Cs231n.LstmForward(Z(2, 5, 3), Z(2, 4), Z(3, 16), Z(4, 16), Z(15)));
    }

    [Fact]
    public void GruStepForwardChecksEveryArgument()
    {
        const string op = "GruStepForward", sig = "x (N, D), prev_h (N, H), Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,)";
        Rejects(op, sig, "x must have rank 2 (N, D), got rank 1", "x (6,), prev_h (2, 4), Wx (3, 12), Wh (4, 12), bx (12,), bh (12,)",
            () => Cs231n.GruStepForward(Z(6), Z(2, 4), Z(3, 12), Z(4, 12), Z(12), Z(12)));
        Rejects(op, sig, "prev_h axis 0 is 3 but N = 2 (N = 2 from x)", "x (2, 3), prev_h (3, 4), Wx (3, 12), Wh (4, 12), bx (12,), bh (12,)",
            () => Cs231n.GruStepForward(Z(2, 3), Z(3, 4), Z(3, 12), Z(4, 12), Z(12), Z(12)));
        Rejects(op, sig, "Wx axis 1 is 9 but 3H = 12 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), Wx (3, 9), Wh (4, 12), bx (12,), bh (12,)",
            () => Cs231n.GruStepForward(Z(2, 3), Z(2, 4), Z(3, 9), Z(4, 12), Z(12), Z(12)));
        Rejects(op, sig, "Wh axis 1 is 13 but 3H = 12 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), Wx (3, 12), Wh (4, 13), bx (12,), bh (12,)",
            () => Cs231n.GruStepForward(Z(2, 3), Z(2, 4), Z(3, 12), Z(4, 13), Z(12), Z(12)));
        Rejects(op, sig, "bx axis 0 is 11 but 3H = 12 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), Wx (3, 12), Wh (4, 12), bx (11,), bh (12,)",
            () => Cs231n.GruStepForward(Z(2, 3), Z(2, 4), Z(3, 12), Z(4, 12), Z(11), Z(12)));
        Rejects(op, sig, "bh axis 0 is 13 but 3H = 12 (H = 4 from prev_h)", "x (2, 3), prev_h (2, 4), Wx (3, 12), Wh (4, 12), bx (12,), bh (13,)",
            () => Cs231n.GruStepForward(Z(2, 3), Z(2, 4), Z(3, 12), Z(4, 12), Z(12), Z(13)));
    }

    [Fact]
    public void GruForwardChecksEveryArgument()
    {
        const string op = "GruForward", sig = "x (N, T, D), h0 (N, H), Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,)";
        Rejects(op, sig, "x must have rank 3 (N, T, D), got rank 2", "x (2, 3), h0 (2, 4), Wx (3, 12), Wh (4, 12), bx (12,), bh (12,)",
            () => Cs231n.GruForward(Z(2, 3), Z(2, 4), Z(3, 12), Z(4, 12), Z(12), Z(12)));
        Rejects(op, sig, "h0 axis 1 (H) has size 0; every size must be at least 1", "x (2, 5, 3), h0 (2, 0), Wx (3, 12), Wh (4, 12), bx (12,), bh (12,)",
            () => Cs231n.GruForward(Z(2, 5, 3), Z(2, 0), Z(3, 12), Z(4, 12), Z(12), Z(12)));
        Rejects(op, sig, "Wx axis 0 is 2 but D = 3 (D = 3 from x)", "x (2, 5, 3), h0 (2, 4), Wx (2, 12), Wh (4, 12), bx (12,), bh (12,)",
            () => Cs231n.GruForward(Z(2, 5, 3), Z(2, 4), Z(2, 12), Z(4, 12), Z(12), Z(12)));
        Rejects(op, sig, "Wh axis 0 is 3 but H = 4 (H = 4 from h0)", "x (2, 5, 3), h0 (2, 4), Wx (3, 12), Wh (3, 12), bx (12,), bh (12,)",
            () => Cs231n.GruForward(Z(2, 5, 3), Z(2, 4), Z(3, 12), Z(3, 12), Z(12), Z(12)));
        Rejects(op, sig, "bx must have rank 1 (3H,), got rank 2", "x (2, 5, 3), h0 (2, 4), Wx (3, 12), Wh (4, 12), bx (12, 1), bh (12,)",
            () => Cs231n.GruForward(Z(2, 5, 3), Z(2, 4), Z(3, 12), Z(4, 12), Z(12, 1), Z(12)));
        Rejects(op, sig, "bh axis 0 is 8 but 3H = 12 (H = 4 from h0)", "x (2, 5, 3), h0 (2, 4), Wx (3, 12), Wh (4, 12), bx (12,), bh (8,)",
            () => Cs231n.GruForward(Z(2, 5, 3), Z(2, 4), Z(3, 12), Z(4, 12), Z(12), Z(8)));
    }

    [Fact]
    public void TemporalAffineForwardChecksEveryArgument()
    {
        const string op = "TemporalAffineForward", sig = "x (N, T, D), w (D, M), b (M,)";
        Rejects(op, sig, "x must have rank 3 (N, T, D), got rank 2", "x (2, 3), w (4, 5), b (5,)",
            () => Cs231n.TemporalAffineForward(Z(2, 3), Z(4, 5), Z(5)));
        Rejects(op, sig, "w axis 0 is 5 but D = 4 (D = 4 from x)", "x (2, 3, 4), w (5, 6), b (6,)",
            () => Cs231n.TemporalAffineForward(Z(2, 3, 4), Z(5, 6), Z(6)));
        Rejects(op, sig, "b axis 0 is 6 but M = 5 (M = 5 from w)", "x (2, 3, 4), w (4, 5), b (6,)",
            () => Cs231n.TemporalAffineForward(Z(2, 3, 4), Z(4, 5), Z(6)));
    }

    [Fact]
    public void TemporalSoftmaxLossChecksEveryArgument()
    {
        const string op = "TemporalSoftmaxLoss", sig = "x (N, T, V), y (N, T), mask (N, T)";
        Rejects(op, sig, "x must have rank 3 (N, T, V), got rank 2", "x (2, 3), y (2, 3), mask (2, 3)",
            () => Cs231n.TemporalSoftmaxLoss(Z(2, 3), I(2, 3), Z(2, 3)));
        Rejects(op, sig, "y axis 1 is 4 but T = 3 (T = 3 from x)", "x (2, 3, 4), y (2, 4), mask (2, 3)",
            () => Cs231n.TemporalSoftmaxLoss(Z(2, 3, 4), I(2, 4), Z(2, 3)));
        Rejects(op, sig, "mask axis 0 is 3 but N = 2 (N = 2 from x)", "x (2, 3, 4), y (2, 3), mask (3, 2)",
            () => Cs231n.TemporalSoftmaxLoss(Z(2, 3, 4), I(2, 3), Z(3, 2)));
    }

    [Fact]
    public void WordEmbeddingForwardChecksEveryArgument()
    {
        const string op = "WordEmbeddingForward", sig = "x (N, T), W (V, D)";
        Rejects(op, sig, "x must have rank 2 (N, T), got rank 1", "x (4,), W (3, 4)",
            () => Cs231n.WordEmbeddingForward(I(4), Z(3, 4)));
        Rejects(op, sig, "W must have rank 2 (V, D), got rank 3", "x (2, 2), W (3, 4, 1)",
            () => Cs231n.WordEmbeddingForward(I(2, 2), Z(3, 4, 1)));
        Rejects(op, sig, "W axis 1 (D) has size 0; every size must be at least 1", "x (2, 2), W (3, 0)",
            () => Cs231n.WordEmbeddingForward(I(2, 2), Z(3, 0)));
    }

    [Fact]
    public void EveryBackwardNamesItselfTheUpstreamGradientAndBothShapes()
    {
        const string tail = "but the forward output it belongs to has shape";
        var (_, rnnStep) = Cs231n.RnnStepForward(Z(2, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(4));
        RejectsUpstream($"RnnStepBackward: dnext_h has shape (2, 5) {tail} (2, 4).", () => Cs231n.RnnStepBackward(Z(2, 5), rnnStep));
        var (_, rnn) = Cs231n.RnnForward(Z(2, 5, 3), Z(2, 4), Z(3, 4), Z(4, 4), Z(4));
        RejectsUpstream($"RnnBackward: dh has shape (2, 4, 4) {tail} (2, 5, 4).", () => Cs231n.RnnBackward(Z(2, 4, 4), rnn));
        var (_, _, lstmStep) = Cs231n.LstmStepForward(Z(2, 3), Z(2, 4), Z(2, 4), Z(3, 16), Z(4, 16), Z(16));
        RejectsUpstream($"LstmStepBackward: dnext_h has shape (2, 5) {tail} (2, 4).", () => Cs231n.LstmStepBackward(Z(2, 5), Z(2, 4), lstmStep));
        RejectsUpstream($"LstmStepBackward: dnext_c has shape (4, 2) {tail} (2, 4).", () => Cs231n.LstmStepBackward(Z(2, 4), Z(4, 2), lstmStep));
        var (_, lstm) = Cs231n.LstmForward(Z(2, 5, 3), Z(2, 4), Z(3, 16), Z(4, 16), Z(16));
        RejectsUpstream($"LstmBackward: dh has shape (5, 2, 4) {tail} (2, 5, 4).", () => Cs231n.LstmBackward(Z(5, 2, 4), lstm));
        var (_, gruStep) = Cs231n.GruStepForward(Z(2, 3), Z(2, 4), Z(3, 12), Z(4, 12), Z(12), Z(12));
        RejectsUpstream($"GruStepBackward: dnext_h has shape (2, 3) {tail} (2, 4).", () => Cs231n.GruStepBackward(Z(2, 3), gruStep));
        var (_, gru) = Cs231n.GruForward(Z(2, 5, 3), Z(2, 4), Z(3, 12), Z(4, 12), Z(12), Z(12));
        RejectsUpstream($"GruBackward: dh has shape (2, 5, 3) {tail} (2, 5, 4).", () => Cs231n.GruBackward(Z(2, 5, 3), gru));
        var (_, emb) = Cs231n.WordEmbeddingForward(Tensor.FromArray([0, 1], 1, 2), Z(3, 4));
        RejectsUpstream($"WordEmbeddingBackward: dout has shape (1, 2, 3) {tail} (1, 2, 4).", () => Cs231n.WordEmbeddingBackward(Z(1, 2, 3), emb));
        var (_, affine) = Cs231n.TemporalAffineForward(Z(2, 3, 4), Z(4, 5), Z(5));
        RejectsUpstream($"TemporalAffineBackward: dout has shape (2, 3, 4) {tail} (2, 3, 5).", () => Cs231n.TemporalAffineBackward(Z(2, 3, 4), affine));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void WordEmbeddingForwardNamesTheBadIndexItsPositionAndTheTable(int bad)
    {
        var x = Tensor.FromArray([0, 2, 1, bad, 1, 0], 2, 3);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Cs231n.WordEmbeddingForward(x, Z(3, 4)));
        Assert.Equal("x", ex.ParamName);
        Assert.Equal($"WordEmbeddingForward: x[1, 0] = {bad} is out of range [0, 3) for W (3, 4). (Parameter 'x')", ex.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void TemporalSoftmaxLossNamesTheBadLabelItsPositionAndTheScores(int bad)
    {
        var y = Tensor.FromArray([0, 3, bad, 1, 2, 0], 2, 3);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Cs231n.TemporalSoftmaxLoss(Z(2, 3, 4), y, Z(2, 3)));
        Assert.Equal("y", ex.ParamName);
        Assert.Equal($"TemporalSoftmaxLoss: y[0, 2] = {bad} is out of range [0, 4) for scores x (2, 3, 4). (Parameter 'y')", ex.Message);
    }
}
