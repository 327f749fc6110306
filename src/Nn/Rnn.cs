using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Nn;

/// <summary>
/// One step of a vanilla tanh RNN (PyTorch's <c>nn.RNNCell</c>), composed of differentiable ops only:
/// h' = tanh(x·Wx + h·Wh + b), with Wx (D, H), Wh (H, H), b (H,) in the seed's layout, registered as "Wx", "Wh", "b"
/// (see <see cref="RecurrentBase{T}"/> for the layout and the initialisation U(-1/√H, 1/√H)). The hand-derived
/// counterpart is <c>MiniTorch.Reference.Cs231n.RnnStepForward</c>.
/// </summary>
public sealed class RnnCell<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the cell and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="hiddenSize">H (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    /// <param name="init">Draws each parameter (see <see cref="RecurrentInit{T}"/>); null: U(-1/√H, 1/√H).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="init"/> returned a tensor of the wrong shape.</exception>
    public RnnCell(int inputSize, int hiddenSize, Rng rng, RecurrentInit<T>? init = null)
        : base(inputSize, hiddenSize, 1, rng, init: init) { }

    /// <summary>The next hidden state from x and the previous state.</summary>
    /// <param name="x">The input, (N, D).</param>
    /// <param name="h">The previous hidden state, (N, H); null: zeros.</param>
    /// <returns>The next hidden state, (N, H).</returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    public Variable<T> Forward(Variable<T> x, Variable<T>? h = null)
    {
        Check("RnnCell.Forward", [A("x", x.Data, "N,D"), A("h", h?.Data, "N,H")], Sizes);
        return Step(Ops.AddMatMul(B, x, Wx), h, Wh);
    }

    /// <summary>One step from xw = x·Wx + b: the recurrence (one AddMatMul; skipped when h is missing, i.e. zero), then <see cref="Gates"/>.</summary>
    internal static Variable<T> Step(Variable<T> xw, Variable<T>? h, Variable<T> wh) =>
        Gates(h is null ? xw : Ops.AddMatMul(xw, h, wh));

    /// <summary>The RNN's pointwise gate math: h' = tanh(a) for the pre-activation a = x·Wx + b + h·Wh (N, H).</summary>
    internal static Variable<T> Gates(Variable<T> a) => a.Tanh();
}

/// <summary>
/// A vanilla tanh RNN over a whole sequence (PyTorch's <c>nn.RNN</c> with batch_first), composed of differentiable ops only:
/// h_t = tanh(x_t·Wx + h_{t-1}·Wh + b) per layer and direction, with the options of <see cref="RecurrentLayer{T}"/>
/// (stacked layers, bidirectional, dropout between layers, per-sequence lengths). The input projection of all T steps
/// is one matrix multiply; each step then adds h_{t-1}·Wh. Parameters "Wx_l{k}{s}", "Wh_l{k}{s}", "b_l{k}{s}" (see
/// <see cref="RecurrentBase{T}"/>); the hand-derived counterpart of one layer is <c>MiniTorch.Reference.Cs231n.RnnForward</c>.
/// </summary>
public sealed class Rnn<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
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
    public Rnn(int inputSize, int hiddenSize, Rng rng, int numLayers = 1, bool bidirectional = false, double dropout = 0,
        RecurrentInit<T>? init = null)
        : base(inputSize, hiddenSize, 1, rng, numLayers, bidirectional, dropout, hiddenBias: false, init) { }

    /// <summary>Runs the RNN over x from h0.</summary>
    /// <param name="x">The input, (N, T, D).</param>
    /// <param name="h0">The initial hidden state, (numLayers · directions, N, H), or (N, H) for one layer and direction; null: zeros.</param>
    /// <param name="lengths">Each sequence's length (N,), in [1, T]; null: all T.</param>
    /// <returns>
    /// Output: the top layer's hidden states (N, T, H · directions), zero past a sequence's length; HN: the final
    /// hidden states (numLayers · directions, N, H), each at its sequence's last valid step.
    /// </returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length is outside [1, T].</exception>
    public (Variable<T> Output, Variable<T> HN) Forward(Variable<T> x, Variable<T>? h0 = null, Tensor<int>? lengths = null)
    {
        var (output, final) = Run("Rnn.Forward", x, [h0], ["h0"], lengths);
        return (output, final[0]);
    }

    private protected override RecurrentResult<T> ForwardState(Variable<T> x, RecurrentState<T>? state, Tensor<int>? lengths)
    {
        NoCellState("Rnn.Forward", state);
        var (output, hn) = Forward(x, state?.H, lengths);
        return new(output, new RecurrentState<T>(hn));
    }

    private protected override int StateCount => 1;

    private protected override Variable<T>[] Step(Variable<T> xw, Variable<T>?[] state, RecurrentWeights<T> w) =>
        [RnnCell<T>.Step(xw, state[0], w.Wh)];
}
