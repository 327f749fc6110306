using MiniTorch.Autograd;
using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Modules;

/// <summary>The README's "LSTM example", kept compiling and true (Console output replaced by assertions).</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void LstmExample()
    {
        var rng = new Rng(42);
        var lstm = new Lstm<double>(inputSize: 3, hiddenSize: 5, rng);     // Wx (3, 20), Wh (5, 20), b (20,); gates i, f, o, g
        var x = rng.Normal<double>([2, 4, 3]).RequiresGrad();              // (N, T, D)
        var (h, hT, cT) = lstm.Forward(x);                                 // h (N, T, H); h0 = c0 = 0 by default
        var dh = rng.Normal<double>([2, 4, 5]);
        var loss = (h * dh.AsVariable()).Sum();                            // L = Σ h ⊙ dh
        loss.Backward();
        var dWx = lstm.Wx.Grad!;                                           // dL/dWx from the tape, (3, 20)

        // The seed's hand-derived backward on the same weights gives the same gradient:
        var (_, cache) = Cs231n.LstmForward(x.Data, Tensor.Zeros<double>(2, 5), lstm.Wx.Data, lstm.Wh.Data, lstm.B.Data);
        var grads = Cs231n.LstmBackward(dh, cache);
        double err = GradCheck.ScaledError(grads.DWx.AsSpan(), dWx.AsSpan()); // max|a-b| / max|a|, ~1e-16

        Assert.Equal("(2, 5)", hT.Data.ShapeString);
        Assert.Equal("(2, 5)", cT.Data.ShapeString);
        Assert.True(err < 1e-12, $"scaled error {err}");
        Assert.Contains(dWx.AsSpan().ToArray(), v => v != 0);
    }
}
