using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Nn;

/// <summary>
/// One step of a vanilla tanh RNN (PyTorch's <c>nn.RNNCell</c>), composed of tape ops only:
/// h' = tanh(x·Wx + h·Wh + b), with Wx (D, H), Wh (H, H), b (H,) in the seed's layout (see <see cref="RecurrentBase{T}"/>
/// for the layout and the initialisation U(-1/√H, 1/√H)). The hand-derived counterpart is
/// <c>MiniTorch.Reference.Cs231n.RnnStepForward</c>.
/// </summary>
public sealed class RnnCell<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the cell and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="hiddenSize">H (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    public RnnCell(int inputSize, int hiddenSize, Rng rng) : base(inputSize, hiddenSize, 1, rng) { }

    /// <summary>The next hidden state (N, H) from x (N, D) and the previous state h (N, H); h defaults to zeros.</summary>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    /// <param name="x">The input of this step (N, D).</param>
    /// <param name="h">The previous hidden state (N, H), or null for zeros.</param>
    /// <returns>The new hidden state (N, H).</returns>
    public Variable<T> Forward(Variable<T> x, Variable<T>? h = null)
    {
        Check("RnnCell.Forward", [A("x", x.Data, "N,D"), A("h", h?.Data, "N,H")], Sizes);
        return Step(Ops.AddMatMul(B, x, Wx), h, Wh);
    }

    /// <summary>tanh(xw + h·Wh) with xw = x·Wx + b already computed (one AddMatMul); a missing h is zero, so its product is skipped.</summary>
    internal static Variable<T> Step(Variable<T> xw, Variable<T>? h, Variable<T> wh) =>
        (h is null ? xw : Ops.AddMatMul(xw, h, wh)).Tanh();
}

/// <summary>
/// A vanilla tanh RNN over a whole sequence (PyTorch's <c>nn.RNN</c> with batch_first and one layer), composed of tape
/// ops only: h_t = tanh(x_t·Wx + h_{t-1}·Wh + b). The input projection of all T steps is one (N·T, D)·(D, H) matrix
/// multiply; each step then adds h_{t-1}·Wh. Layout and initialisation as <see cref="RnnCell{T}"/>; the hand-derived
/// counterpart is <c>MiniTorch.Reference.Cs231n.RnnForward</c>.
/// </summary>
public sealed class Rnn<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="hiddenSize">H (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    public Rnn(int inputSize, int hiddenSize, Rng rng) : base(inputSize, hiddenSize, 1, rng) { }

    /// <summary>Runs the RNN over x (N, T, D) from h0 (N, H), zeros by default.</summary>
    /// <returns>Output: the hidden states of all steps (N, T, H); HN: the final state h_T (N, H).</returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    /// <param name="x">The input sequence (N, T, D).</param>
    /// <param name="h0">The initial hidden state (N, H), or null for zeros.</param>
    public (Variable<T> Output, Variable<T> HN) Forward(Variable<T> x, Variable<T>? h0 = null)
    {
        var dims = Check("Rnn.Forward", [A("x", x.Data, "N,T,D"), A("h0", h0?.Data, "N,H")], Sizes);
        int steps = dims["T"];
        // The input projections of all steps in one product, time-major (T, N, H) so each step's slice is a view.
        var xw = Ops.AddMatMul(B, x.Permute(1, 0, 2), Wx);
        var hs = new Variable<T>[steps];
        var h = h0;
        for (int t = 0; t < steps; t++) hs[t] = h = RnnCell<T>.Step(xw.Select(0, t), h, Wh);
        return (Ops.Stack(hs, 1), h!);
    }
}
