using System.Numerics;
using MiniTorch.Autograd.Fusion;
using static MiniTorch.Signature;

namespace MiniTorch.Nn;

/// <summary>
/// One LSTM step (PyTorch's <c>nn.LSTMCell</c>), composed of ops: one matrix product for the recurrence, then the gate
/// math as elementwise ops, compiled into one op by <see cref="Fuse"/>. a = x·Wx + h·Wh + b (N, 4H) is split with
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
    /// <param name="init">Draws each parameter (see <see cref="RecurrentInit{T}"/>); null: U(-1/√H, 1/√H).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="init"/> returned a tensor of the wrong shape.</exception>
    public LstmCell(int inputSize, int hiddenSize, Rng rng, RecurrentInit<T>? init = null)
        : base(inputSize, hiddenSize, 4, rng, init: init) { }

    /// <summary>The next hidden and cell states from x and the previous states.</summary>
    /// <param name="x">The input, (N, D).</param>
    /// <param name="h">The previous hidden state, (N, H); null: zeros.</param>
    /// <param name="c">The previous cell state, (N, H); null: zeros.</param>
    /// <returns>The next hidden and cell states, each (N, H).</returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    public (Variable<T> H, Variable<T> C) Forward(Variable<T> x, Variable<T>? h = null, Variable<T>? c = null)
    {
        Check("LstmCell.Forward", [A("x", x.Data, "N,D"), A("h", h?.Data, "N,H"), A("c", c?.Data, "N,H")], Sizes);
        return Step(Ops.AddMatMul(B, x, Wx), h, c, Wh);
    }

    /// <summary>
    /// One step from xw = x·Wx + b (N, 4H): a = xw + h·Wh (one AddMatMul; skipped when h is missing, i.e. zero), then
    /// the gate equations (<see cref="Gates"/>), run as one fused op.
    /// </summary>
    internal static (Variable<T> H, Variable<T> C) Step(Variable<T> xw, Variable<T>? h, Variable<T>? c, Variable<T> wh) =>
        Fused(h is null ? xw : Ops.AddMatMul(xw, h, wh), c);

    /// <summary>The gate equations (<see cref="Gates"/>) on the pre-activation a (N, 4H) and c (null: zero), run as one fused op.</summary>
    internal static (Variable<T> H, Variable<T> C) Fused(Variable<T> a, Variable<T>? c)
    {
        var hc = c is null ? FusedGatesFromZero.Apply(a) : FusedGates.Apply(a, c);
        return (hc[0], hc[1]);
    }

    /// <summary>
    /// The seed's gate equations on the pre-activation a (N, 4H) = [a_i | a_f | a_o | a_g] and the previous cell state
    /// c (N, H), null meaning zero (then f ⊙ c is skipped): i = σ(a_i), f = σ(a_f), o = σ(a_o), g = tanh(a_g);
    /// c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c').
    /// </summary>
    internal static (Variable<T> H, Variable<T> C) Gates(Variable<T> a, Variable<T>? c)
    {
        int h = a.Dim(-1) / 4;
        var i = a.Narrow(-1, 0, h).Sigmoid();
        var f = a.Narrow(-1, h, h).Sigmoid();
        var o = a.Narrow(-1, 2 * h, h).Sigmoid();
        var g = a.Narrow(-1, 3 * h, h).Tanh();
        var cNext = c is null ? i * g : f * c + i * g;
        return (o * cNext.Tanh(), cNext);
    }

    // The gate equations compiled by the pointwise fusion compiler (traced once per shape): one op per step whose
    // backward is derived from the primitives' own derivative rules.
    private static readonly PointwiseFunction<T> FusedGates = Fuse.Pointwise<T>(v => { var (h, c) = Gates(v[0], v[1]); return [h, c]; }, 2);
    private static readonly PointwiseFunction<T> FusedGatesFromZero = Fuse.Pointwise<T>(v => { var (h, c) = Gates(v[0], null); return [h, c]; }, 1);
}

/// <summary>
/// An LSTM over a whole sequence (PyTorch's <c>nn.LSTM</c> with batch_first, but the seed's layout and gate order
/// i, f, o, g), composed of ops (the gate math fused as in <see cref="LstmCell{T}"/>), with the options of <see cref="RecurrentLayer{T}"/> (stacked layers,
/// bidirectional, dropout between layers, per-sequence lengths). The input projection of all T steps is one matrix
/// multiply; each step adds h_{t-1}·Wh and applies <see cref="LstmCell{T}"/>'s gate equations. Parameters
/// "Wx_l{k}{s}", "Wh_l{k}{s}", "b_l{k}{s}" (see <see cref="RecurrentBase{T}"/>); the hand-derived counterpart of one
/// layer is <c>MiniTorch.Reference.Cs231n.LstmForward</c> (which starts from c0 = 0, this module's default).
/// </summary>
public sealed class Lstm<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="hiddenSize">H (≥ 1).</param>
    /// <param name="rng">Source of the initial values, and of the dropout masks.</param>
    /// <param name="numLayers">Stacked layers (≥ 1); layer k &gt; 0 reads layer k - 1's output.</param>
    /// <param name="bidirectional">Whether every layer also runs in reverse (output 2H wide).</param>
    /// <param name="dropout">Dropout probability on every layer's output but the last, in training mode; in [0, 1).</param>
    /// <param name="init">Draws each parameter (see <see cref="RecurrentInit{T}"/>); null: U(-1/√H, 1/√H).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or <paramref name="dropout"/> is outside [0, 1).</exception>
    /// <exception cref="ArgumentException"><paramref name="init"/> returned a tensor of the wrong shape.</exception>
    public Lstm(int inputSize, int hiddenSize, Rng rng, int numLayers = 1, bool bidirectional = false, double dropout = 0,
        RecurrentInit<T>? init = null)
        : base(inputSize, hiddenSize, 4, rng, numLayers, bidirectional, dropout, hiddenBias: false, init) { }

    /// <summary>Runs the LSTM over x from h0 and c0.</summary>
    /// <param name="x">The input, (N, T, D).</param>
    /// <param name="h0">The initial hidden state, (numLayers · directions, N, H), or (N, H) for one layer and direction; null: zeros.</param>
    /// <param name="c0">The initial cell state, shaped like h0; null: zeros.</param>
    /// <param name="lengths">Each sequence's length (N,), in [1, T]; null: all T.</param>
    /// <returns>
    /// Output: the top layer's hidden states (N, T, H · directions), zero past a sequence's length; HN and CN: the
    /// final hidden and cell states (numLayers · directions, N, H), each at its sequence's last valid step.
    /// </returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length is outside [1, T].</exception>
    public (Variable<T> Output, Variable<T> HN, Variable<T> CN) Forward(Variable<T> x, Variable<T>? h0 = null, Variable<T>? c0 = null,
        Tensor<int>? lengths = null)
    {
        var (output, final) = Run("Lstm.Forward", x, [h0, c0], ["h0", "c0"], lengths);
        return (output, final[0], final[1]);
    }

    private protected override RecurrentResult<T> ForwardState(Variable<T> x, RecurrentState<T>? state, Tensor<int>? lengths)
    {
        var (output, hn, cn) = Forward(x, state?.H, state?.C, lengths);
        return new(output, new RecurrentState<T>(hn, cn));
    }

    private protected override int StateCount => 2;

    private protected override Variable<T>[] Step(Variable<T> xw, Variable<T>?[] state, RecurrentWeights<T> w)
    {
        var (h, c) = LstmCell<T>.Step(xw, state[0], state[1], w.Wh);
        return [h, c];
    }
}
