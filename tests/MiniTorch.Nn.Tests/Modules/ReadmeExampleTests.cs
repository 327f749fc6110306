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
        var lstm = new Lstm<double>(inputSize: 3, hiddenSize: 5, rng);     // Wx_l0 (3, 20), Wh_l0 (5, 20), b_l0 (20,); gates i, f, o, g
        var x = rng.Normal<double>([2, 4, 3]).RequiresGrad();              // (N, T, D)
        var (h, hT, cT) = lstm.Forward(x);                                 // h (N, T, H), hT and cT (1, N, H); h0 = c0 = 0
        var dh = rng.Normal<double>([2, 4, 5]);
        var loss = (h * dh.AsVariable()).Sum();                            // L = Σ h ⊙ dh
        loss.Backward();
        var dWx = lstm.Wx.Grad!;                                           // dL/dWx from the tape, (3, 20)

        // The seed's hand-derived backward on the same weights gives the same gradient:
        var (_, cache) = Cs231n.LstmForward(x.Data, Tensor.Zeros<double>(2, 5), lstm.Wx.Data, lstm.Wh.Data, lstm.B.Data);
        var grads = Cs231n.LstmBackward(dh, cache);
        double err = GradCheck.ScaledError(grads.DWx.AsSpan(), dWx.AsSpan()); // max|a-b| / max|a|, ~1e-16

        Assert.Equal("(1, 2, 5)", hT.Data.ShapeString);
        Assert.Equal("(1, 2, 5)", cT.Data.ShapeString);
        Assert.True(err < 1e-12, $"scaled error {err}");
        Assert.Contains(dWx.AsSpan().ToArray(), v => v != 0);
    }

    /// <summary>The README's "Stacked, bidirectional, variable-length: a GRU" example.</summary>
    [Fact]
    public void StackedBidirectionalGruExample()
    {
        var rng = new Rng(0);
        var gru = new Gru<double>(inputSize: 8, hiddenSize: 16, rng, numLayers: 2, bidirectional: true, dropout: 0.2);
        var x = rng.Normal<double>([4, 10, 8]).RequiresGrad();             // (N, T, D), batch first
        var lengths = Tensor.FromArray([10, 7, 7, 3], 4);                  // each sequence's length (pack_padded_sequence)
        var (output, hN) = gru.Forward(x, lengths: lengths);               // output (4, 10, 32): forward ‖ reverse, zero past a length
                                                                           // hN (2 layers · 2 directions, 4, 16) at each last valid step
        (output.Sum() + hN.Sum()).Backward();                              // dropout masks came from rng: a seeded run repeats exactly
        IRecurrentLayer<double> layer = gru;                               // the contract of Rnn, Lstm and Gru: (output, final state)
        var (_, state) = layer.Forward(x, new RecurrentState<double>(hN), lengths);  // state.H; state.C holds an LSTM's cell state
        gru.Eval();                                                        // no dropout in evaluation mode

        Assert.Equal("(4, 10, 32)", output.Data.ShapeString);
        Assert.Equal("(4, 16)", hN.Data.Select(0, 3).ShapeString);
        Assert.Equal("(4, 4, 16)", hN.Data.ShapeString);
        Assert.Equal("(4, 4, 16)", state.H.Data.ShapeString);
        Assert.Null(state.C);
        Assert.All(output.Data.Narrow(0, 3, 1).Narrow(1, 3, 7).Clone().ToArray(), v => Assert.Equal(0.0, v)); // sequence 3 has length 3
        Assert.Equal("(32, 48)", gru.Weight(1).Wx.Data.ShapeString);
        Assert.Contains(x.Grad!.ToArray(), v => v != 0);
        Assert.False(gru.Training);
    }
}
