using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Nn;

/// <summary>
/// The state a recurrent layer starts from or ends in, each tensor (numLayers · directions, N, H) in PyTorch's order
/// (layer 0 forward, layer 0 reverse, layer 1 forward, ...).
/// </summary>
/// <param name="H">The hidden state.</param>
/// <param name="C">The cell state (the LSTM's); null for layers without one, or for zeros.</param>
public sealed record RecurrentState<T>(Variable<T> H, Variable<T>? C = null) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>What a recurrent layer's forward returns.</summary>
/// <param name="Output">The top layer's hidden states at every step, (N, T, H · directions); zero past a sequence's length.</param>
/// <param name="State">The final state (at each sequence's last valid step), each (numLayers · directions, N, H).</param>
public readonly record struct RecurrentResult<T>(Variable<T> Output, RecurrentState<T> State) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// One contract for the batch-first recurrent layers (<see cref="Rnn{T}"/>, <see cref="Lstm{T}"/>, <see cref="Gru{T}"/>),
/// so a model can hold "some recurrent layer".
/// </summary>
public interface IRecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>D, the input size.</summary>
    int InputSize { get; }
    /// <summary>H, the hidden size of every layer and direction.</summary>
    int HiddenSize { get; }
    /// <summary>The number of stacked layers.</summary>
    int NumLayers { get; }
    /// <summary>Whether every layer also runs in reverse (the output is then 2H wide).</summary>
    bool Bidirectional { get; }

    /// <summary>Runs the layer over x (N, T, D).</summary>
    /// <param name="x">The input, batch first: (N, T, D).</param>
    /// <param name="state">The initial state (numLayers · directions, N, H) per tensor; null: zeros.</param>
    /// <param name="lengths">Each sequence's length (N,), in [1, T]; null: all T.</param>
    /// <returns>The output (N, T, H · directions) and the final state.</returns>
    /// <exception cref="ArgumentException">A shape does not fit, or the layer has no state of a kind given.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length is outside [1, T].</exception>
    RecurrentResult<T> Forward(Variable<T> x, RecurrentState<T>? state = null, Tensor<int>? lengths = null);
}

/// <summary>
/// The sequence driver shared by <see cref="Rnn{T}"/>, <see cref="Lstm{T}"/> and <see cref="Gru{T}"/> (PyTorch's
/// <c>nn.RNN</c>/<c>nn.LSTM</c>/<c>nn.GRU</c> with batch_first): stacked layers, the reverse direction, dropout
/// between layers and per-sequence lengths, all composed of ops. Per layer and direction the input projection of all
/// steps is one time-major product x·Wx + b; each step then runs the cell's step function (one AddMatMul for the
/// recurrence, then the gate math).
/// <para>
/// Lengths (PyTorch's pack_padded_sequence semantics without the packing API): past its length a sequence's outputs
/// are zero and its state stays as it was, so the final state is the one at its last valid step; the reverse direction
/// reads each sequence backwards from its last valid step (the steps are reordered with <see cref="Ops.IndexSelect{T}"/>).
/// </para>
/// <para>
/// Dropout (PyTorch's): in training mode, the output of every layer but the last goes through
/// <see cref="Ops.Dropout{T}"/> with probability <see cref="Dropout"/>, drawn from the generator given to the
/// constructor (so a seeded run is reproducible); in evaluation mode nothing is dropped.
/// </para>
/// </summary>
public abstract class RecurrentLayer<T> : RecurrentBase<T>, IRecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Rng _rng;

    private protected RecurrentLayer(int inputSize, int hiddenSize, int gates, Rng rng, int numLayers, bool bidirectional,
        double dropout, bool hiddenBias, RecurrentInit<T>? init)
        : base(inputSize, hiddenSize, gates, CheckDropout(dropout, rng), numLayers, bidirectional, hiddenBias, layerNames: true, init)
    {
        _rng = rng;
        Dropout = dropout;
    }

    private static Rng CheckDropout(double dropout, Rng rng)
    {
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), $"dropout must be in [0, 1), got {dropout}.");
        return rng;
    }

    /// <summary>The probability of dropping an element of a layer's output before the next layer (training mode only).</summary>
    public double Dropout { get; }

    /// <summary>The number of states per layer and direction: 1 (h), or 2 for the LSTM (h, c).</summary>
    private protected abstract int StateCount { get; }

    /// <summary>
    /// One step of the cell: from xw = x_t·Wx + b (N, G·H) and the previous states (null entries: zero) to the next
    /// states, hidden state first.
    /// </summary>
    private protected abstract Variable<T>[] Step(Variable<T> xw, Variable<T>?[] state, RecurrentWeights<T> w);

    /// <summary>
    /// Runs the layer over x (N, T, D) through the common contract (the typed <c>Forward</c> of <see cref="Rnn{T}"/>,
    /// <see cref="Lstm{T}"/> and <see cref="Gru{T}"/> does the same with the states as separate arguments).
    /// </summary>
    /// <param name="x">The input, batch first: (N, T, D).</param>
    /// <param name="state">The initial state, each tensor (numLayers · directions, N, H) or, for one layer and direction, (N, H); null: zeros.</param>
    /// <param name="lengths">Each sequence's length (N,), in [1, T]; null: all T.</param>
    /// <returns>The output (N, T, H · directions) and the final state, each (numLayers · directions, N, H).</returns>
    /// <exception cref="ArgumentException">A shape does not fit, or a cell state is given to a layer without one.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length is outside [1, T].</exception>
    public RecurrentResult<T> Forward(Variable<T> x, RecurrentState<T>? state = null, Tensor<int>? lengths = null) => ForwardState(x, state, lengths);

    /// <summary>The layer's <see cref="Forward(Variable{T}, RecurrentState{T}?, Tensor{int}?)"/>.</summary>
    private protected abstract RecurrentResult<T> ForwardState(Variable<T> x, RecurrentState<T>? state, Tensor<int>? lengths);

    /// <summary>
    /// Validates and runs the layers. <paramref name="states"/> holds the initial states by kind (h, c), each
    /// (numLayers · directions, N, H), or (N, H) when there is one layer and one direction; null: zeros.
    /// </summary>
    private protected (Variable<T> Output, Variable<T>[] Final) Run(string op, Variable<T> x, Variable<T>?[] states, string[] stateNames, Tensor<int>? lengths)
    {
        ArgumentNullException.ThrowIfNull(x);
        int runs = NumLayers * Directions;
        var args = new List<Arg> { A("x", x.Data, "N,T,D") };
        for (int i = 0; i < states.Length; i++)
            args.Add(A(stateNames[i], states[i]?.Data, states[i] is { Rank: 2 } && runs == 1 ? "N,H" : "S,N,H"));
        var dims = Check(op, [.. args], [.. Sizes, new Known("S", runs, "numLayers * directions")]);
        int n = dims["N"], steps = dims["T"];
        int[]? lens = lengths is null ? null : CheckLengths(op, lengths, n, steps);
        int minLen = lens is null ? steps : lens.Min();

        var initial = new Variable<T>?[StateCount][];
        for (int k = 0; k < StateCount; k++)
        {
            initial[k] = new Variable<T>?[runs];
            if (states[k] is { } s)
                for (int r = 0; r < runs; r++) initial[k][r] = s.Rank == 2 ? s : s.Select(0, r);
        }

        // Per step s (from minLen on), the mask of sequences still running, (N, 1); and for the reverse direction
        // with lengths the row order that reverses each sequence within its length (an involution).
        var (masks, keeps) = lens is null ? (null, null) : Masks(lens, steps, minLen);
        var final = new Variable<T>[StateCount][];
        for (int k = 0; k < StateCount; k++) final[k] = new Variable<T>[runs];

        var input = x.Permute(1, 0, 2); // time-major (T, N, D): each step's slice of the projection is a view
        Variable<T> output = null!;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            bool last = layer == NumLayers - 1;
            var outs = new Variable<T>[Directions];
            for (int dir = 0; dir < Directions; dir++)
            {
                int r = layer * Directions + dir;
                var w = Weights[r];
                var xw = Ops.AddMatMul(w.B, input, w.Wx); // (T, N, G·H)
                bool reorder = dir == 1 && lens is not null;
                if (reorder) xw = Reverse(xw, lens!, steps, n, timeMajor: true);
                var xws = xw.Unbind(0); // the steps' slices of the projection: views, one op
                var state = new Variable<T>?[StateCount];
                for (int k = 0; k < StateCount; k++) state[k] = initial[k][r];
                var hs = new Variable<T>[steps];
                for (int s = 0; s < steps; s++)
                {
                    int t = dir == 1 && lens is null ? steps - 1 - s : s;
                    var next = Step(xws[t], state, w);
                    if (s >= minLen)
                    {
                        // Sequences past their length output zero and keep their state: m ⊙ next + (1 - m) ⊙ state.
                        var (m, keep) = (masks![s], keeps![s]);
                        hs[t] = m * next[0];
                        for (int k = 0; k < StateCount; k++) next[k] = (k == 0 ? hs[t] : m * next[k]) + keep * state[k]!;
                    }
                    else hs[t] = next[0];
                    for (int k = 0; k < StateCount; k++) state[k] = next[k];
                }
                for (int k = 0; k < StateCount; k++) final[k][r] = state[k]!;
                // The top layer stacks batch first (N, T, H), the others time-major for the next layer's projection.
                var o = Ops.Stack(hs, last ? 1 : 0);
                outs[dir] = reorder ? Reverse(o, lens!, steps, n, timeMajor: !last) : o;
            }
            output = Directions == 1 ? outs[0] : Ops.Concat(outs, 2);
            if (!last && Dropout > 0 && Training) output = Ops.Dropout(output, Dropout, _rng, training: true);
            input = output;
        }
        var finals = new Variable<T>[StateCount];
        for (int k = 0; k < StateCount; k++) finals[k] = Ops.Stack(final[k], 0);
        return (output, finals);
    }

    private int[] CheckLengths(string op, Tensor<int> lengths, int n, int steps)
    {
        if (lengths.Rank != 1 || lengths.Dim(0) != n)
            throw new ArgumentException($"{op}: lengths must have shape (N,) = ({n},) for x with N = {n}, got {lengths.ShapeString}.", nameof(lengths));
        var lens = lengths.AsSpan().ToArray();
        for (int i = 0; i < lens.Length; i++)
            if (lens[i] < 1 || lens[i] > steps)
                throw new ArgumentOutOfRangeException(nameof(lengths), $"{op}: lengths[{i}] = {lens[i]} is outside [1, T] = [1, {steps}].");
        return lens;
    }

    /// <summary>Per step s ≥ <paramref name="minLen"/>: m (N, 1), 1 for the sequences still running, and 1 - m.</summary>
    private static (Variable<T>[] Masks, Variable<T>[] Keeps) Masks(int[] lens, int steps, int minLen)
    {
        var masks = new Variable<T>[steps];
        var keeps = new Variable<T>[steps];
        for (int s = minLen; s < steps; s++)
        {
            var m = new Tensor<T>(lens.Length, 1);
            var keep = new Tensor<T>(lens.Length, 1);
            for (int i = 0; i < lens.Length; i++) (m[i, 0], keep[i, 0]) = s < lens[i] ? (T.One, T.Zero) : (T.Zero, T.One);
            masks[s] = m.AsVariable();
            keeps[s] = keep.AsVariable();
        }
        return (masks, keeps);
    }

    /// <summary>
    /// Reverses each sequence within its length: row (t, n) takes row (len_n - 1 - t, n) for t &lt; len_n and stays
    /// for t ≥ len_n, on a (T, N, W) tensor (<paramref name="timeMajor"/>) or an (N, T, W) one. Applied twice it is the identity.
    /// </summary>
    private static Variable<T> Reverse(Variable<T> v, int[] lens, int steps, int n, bool timeMajor)
    {
        var idx = new Tensor<int>(steps * n);
        var span = idx.AsSpan();
        for (int b = 0; b < n; b++)
            for (int t = 0; t < steps; t++)
            {
                int src = t < lens[b] ? lens[b] - 1 - t : t;
                span[timeMajor ? t * n + b : b * steps + t] = timeMajor ? src * n + b : b * steps + src;
            }
        var shape = v.Data.ShapeArray;
        return v.Reshape(steps * n, shape[2]).IndexSelect(0, idx).Reshape(shape);
    }

    /// <summary>The initial state's tensor of one kind, or throws when the layer has no such state.</summary>
    private protected static void NoCellState(string op, RecurrentState<T>? state)
    {
        if (state?.C is not null)
            throw new ArgumentException($"{op}: this layer has no cell state; state.C must be null, got {state.C.Data.ShapeString}.", nameof(state));
    }
}
