using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Nn;

/// <summary>
/// One LSTM step (PyTorch's <c>nn.LSTMCell</c>), composed of tape ops only. a = x·Wx + h·Wh + b (N, 4H) is split with
/// Narrow into the seed's gate order i, f, o, g: i = σ(a_i), f = σ(a_f), o = σ(a_o), g = tanh(a_g);
/// c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c'). Wx (D, 4H), Wh (H, 4H), b (4H,) as in the seed (see
/// <see cref="RecurrentBase{T}"/> for the layout and the initialisation U(-1/√H, 1/√H)). The hand-derived counterpart
/// is <c>MiniTorch.Reference.Cs231n.LstmStepForward</c>.
/// </summary>
public sealed class LstmCell<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the cell and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="hiddenSize">H (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    public LstmCell(int inputSize, int hiddenSize, Rng rng) : base(inputSize, hiddenSize, 4, rng) { }

    /// <summary>The next hidden and cell states, each (N, H), from x (N, D) and h, c (N, H) (zeros by default).</summary>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    /// <param name="x">The input of this step (N, D).</param>
    /// <param name="h">The previous hidden state (N, H), or null for zeros.</param>
    /// <param name="c">The previous cell state (N, H), or null for zeros.</param>
    /// <returns>H: the new hidden state; C: the new cell state.</returns>
    public (Variable<T> H, Variable<T> C) Forward(Variable<T> x, Variable<T>? h = null, Variable<T>? c = null)
    {
        Check("LstmCell.Forward", [A("x", x.Data, "N,D"), A("h", h?.Data, "N,H"), A("c", c?.Data, "N,H")], Sizes);
        return Step(Ops.AddMatMul(B, x, Wx), h, c, Wh);
    }

    /// <summary>
    /// One step from xw = x·Wx + b (N, 4H): a = xw + h·Wh (one AddMatMul; skipped when h is missing, i.e. zero), then the
    /// fused pointwise ops c' = f ⊙ c + i ⊙ g (<see cref="Ops.LstmCellState{T}"/>; f ⊙ c skipped for a missing c) and
    /// h' = o ⊙ tanh(c') (<see cref="Ops.LstmCellOutput{T}"/>).
    /// </summary>
    internal static (Variable<T> H, Variable<T> C) Step(Variable<T> xw, Variable<T>? h, Variable<T>? c, Variable<T> wh)
    {
        var a = h is null ? xw : Ops.AddMatMul(xw, h, wh);
        var cNext = Ops.LstmCellState(a, c);
        return (Ops.LstmCellOutput(a, cNext), cNext);
    }
}

/// <summary>
/// An LSTM over a whole sequence (PyTorch's <c>nn.LSTM</c> with batch_first and one layer, but the seed's layout and
/// gate order), composed of tape ops only. The input projection of all T steps is one (N·T, D)·(D, 4H) matrix multiply;
/// each step adds h_{t-1}·Wh and applies <see cref="LstmCell{T}"/>'s gate equations. Layout and initialisation as
/// <see cref="LstmCell{T}"/>; the hand-derived counterpart is <c>MiniTorch.Reference.Cs231n.LstmForward</c> (which
/// starts from c0 = 0, this module's default).
/// </summary>
public sealed class Lstm<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="hiddenSize">H (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    public Lstm(int inputSize, int hiddenSize, Rng rng) : base(inputSize, hiddenSize, 4, rng) { }

    /// <summary>Runs the LSTM over x (N, T, D) from h0 and c0 (N, H), zeros by default.</summary>
    /// <returns>
    /// Output: the hidden states of all steps (N, T, H); HN and CN: the final hidden and cell states h_T and c_T (N, H).
    /// </returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    /// <param name="x">The input sequence (N, T, D).</param>
    /// <param name="h0">The initial hidden state (N, H), or null for zeros.</param>
    /// <param name="c0">The initial cell state (N, H), or null for zeros.</param>
    public (Variable<T> Output, Variable<T> HN, Variable<T> CN) Forward(Variable<T> x, Variable<T>? h0 = null, Variable<T>? c0 = null)
    {
        var dims = Check("Lstm.Forward", [A("x", x.Data, "N,T,D"), A("h0", h0?.Data, "N,H"), A("c0", c0?.Data, "N,H")], Sizes);
        int steps = dims["T"];
        // The input projections of all steps in one product, time-major (T, N, 4H) so each step's slice is a view.
        var xw = Ops.AddMatMul(B, x.Permute(1, 0, 2), Wx);
        var hs = new Variable<T>[steps];
        Variable<T>? h = h0, c = c0;
        for (int t = 0; t < steps; t++)
        {
            (h, c) = LstmCell<T>.Step(xw.Select(0, t), h, c, Wh);
            hs[t] = h;
        }
        return (Ops.Stack(hs, 1), h!, c!);
    }
}
