using System.Numerics;
using MiniTorch.Autograd.Fusion;
using static MiniTorch.Signature;

namespace MiniTorch.Nn;

/// <summary>
/// One GRU step (PyTorch's <c>nn.GRUCell</c>: its equations and gate order r, z, n), composed of differentiable ops only, in the
/// seed's layout Wx (D, 3H), Wh (H, 3H) with two biases bx, bh (3H,), registered as "Wx", "Wh", "bx", "bh". With
/// gx = x·Wx + bx and gh = h·Wh + bh split with Narrow into r, z, n blocks:
/// r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r ⊙ gh_n), h' = (1 - z) ⊙ n + z ⊙ h.
/// The second bias is needed because bh_n sits inside r ⊙ (h·Wh_n + bh_n). PyTorch's weight_ih = Wxᵀ,
/// weight_hh = Whᵀ, bias_ih = bx, bias_hh = bh. Initialisation as <see cref="RecurrentBase{T}"/>; the hand-derived
/// counterpart is <c>MiniTorch.Reference.Cs231n.GruStepForward</c>.
/// </summary>
public sealed class GruCell<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the cell and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="hiddenSize">H (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    /// <param name="init">Draws each parameter (see <see cref="RecurrentInit{T}"/>); null: U(-1/√H, 1/√H).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="init"/> returned a tensor of the wrong shape.</exception>
    public GruCell(int inputSize, int hiddenSize, Rng rng, RecurrentInit<T>? init = null)
        : base(inputSize, hiddenSize, 3, rng, hiddenBias: true, init: init) { }

    /// <summary>The input-side bias bx, (3H,) (the same variable as <see cref="RecurrentBase{T}.B"/>).</summary>
    public Variable<T> Bx => B;
    /// <summary>The hidden-side bias bh, (3H,).</summary>
    public Variable<T> Bh => Weights[0].Bh!;

    /// <summary>The next hidden state from x and the previous state.</summary>
    /// <param name="x">The input, (N, D).</param>
    /// <param name="h">The previous hidden state, (N, H); null: zeros.</param>
    /// <returns>The next hidden state, (N, H).</returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    public Variable<T> Forward(Variable<T> x, Variable<T>? h = null)
    {
        Check("GruCell.Forward", [A("x", x.Data, "N,D"), A("h", h?.Data, "N,H")], Sizes);
        return Step(Ops.AddMatMul(Bx, x, Wx), h, Wh, Bh);
    }

    /// <summary>
    /// One step from gx = x·Wx + bx (N, 3H): the recurrence gh = bh + h·Wh (one AddMatMul; just bh when h is missing,
    /// i.e. zero), then <see cref="Gates"/>, run as one op compiled by <see cref="Fuse"/>.
    /// </summary>
    internal static Variable<T> Step(Variable<T> gx, Variable<T>? h, Variable<T> wh, Variable<T> bh) =>
        h is null ? FusedGatesFromZero.Apply(gx, bh)[0] : FusedGates.Apply(gx, Ops.AddMatMul(bh, h, wh), h)[0];

    // The gate equations compiled by the pointwise fusion compiler (traced once per shape): one op per step whose
    // backward is derived from the primitives' own derivative rules.
    private static readonly PointwiseFunction<T> FusedGates = Fuse.Pointwise<T>(v => [Gates(v[0], v[1], v[2])], 3);
    private static readonly PointwiseFunction<T> FusedGatesFromZero = Fuse.Pointwise<T>(v => [Gates(v[0], v[1], null)], 2);

    /// <summary>
    /// The GRU's pointwise gate math: from gx (N, 3H) and gh (N, 3H, or (3H,) when h is zero), r = σ(gx_r + gh_r),
    /// z = σ(gx_z + gh_z), n = tanh(gx_n + r ⊙ gh_n), h' = (1 - z) ⊙ n + z ⊙ h (just (1 - z) ⊙ n for a missing h).
    /// </summary>
    internal static Variable<T> Gates(Variable<T> gx, Variable<T> gh, Variable<T>? h)
    {
        int hidden = gx.Shape[^1] / 3, ax = gx.Rank - 1, axh = gh.Rank - 1;
        var r = (gx.Narrow(ax, 0, hidden) + gh.Narrow(axh, 0, hidden)).Sigmoid();
        var z = (gx.Narrow(ax, hidden, hidden) + gh.Narrow(axh, hidden, hidden)).Sigmoid();
        var n = (gx.Narrow(ax, 2 * hidden, hidden) + r * gh.Narrow(axh, 2 * hidden, hidden)).Tanh();
        var keepN = T.One - z;
        return h is null ? keepN * n : keepN * n + z * h;
    }
}

/// <summary>
/// A GRU over a whole sequence (PyTorch's <c>nn.GRU</c> with batch_first, in the seed's layout), composed of differentiable ops
/// only, with the options of <see cref="RecurrentLayer{T}"/> (stacked layers, bidirectional, dropout between layers,
/// per-sequence lengths). The input projection gx = x·Wx + bx of all T steps is one matrix multiply; each step computes
/// gh = bh + h_{t-1}·Wh (one AddMatMul) and applies <see cref="GruCell{T}"/>'s gate equations. Parameters
/// "Wx_l{k}{s}", "Wh_l{k}{s}", "bx_l{k}{s}", "bh_l{k}{s}" (see <see cref="RecurrentBase{T}"/>); the hand-derived
/// counterpart of one layer is <c>MiniTorch.Reference.Cs231n.GruForward</c>.
/// </summary>
public sealed class Gru<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
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
    public Gru(int inputSize, int hiddenSize, Rng rng, int numLayers = 1, bool bidirectional = false, double dropout = 0,
        RecurrentInit<T>? init = null)
        : base(inputSize, hiddenSize, 3, rng, numLayers, bidirectional, dropout, hiddenBias: true, init) { }

    /// <summary>The input-side bias bx of layer 0's forward direction, (3H,).</summary>
    public Variable<T> Bx => B;
    /// <summary>The hidden-side bias bh of layer 0's forward direction, (3H,).</summary>
    public Variable<T> Bh => Weights[0].Bh!;

    /// <summary>Runs the GRU over x from h0.</summary>
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
        var (output, final) = Run("Gru.Forward", x, [h0], ["h0"], lengths);
        return (output, final[0]);
    }

    private protected override RecurrentResult<T> ForwardState(Variable<T> x, RecurrentState<T>? state, Tensor<int>? lengths)
    {
        NoCellState("Gru.Forward", state);
        var (output, hn) = Forward(x, state?.H, lengths);
        return new(output, new RecurrentState<T>(hn));
    }

    private protected override int StateCount => 1;

    private protected override Variable<T>[] Step(Variable<T> xw, Variable<T>?[] state, RecurrentWeights<T> w) =>
        [GruCell<T>.Step(xw, state[0], w.Wh, w.Bh!)];
}
