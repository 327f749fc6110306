using System.Numerics;

namespace MiniTorch.Nn;

/// <summary>
/// Draws the initial value of one recurrent parameter (the <c>init</c> option of the recurrent modules).
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="name">The parameter's registered name, e.g. "Wx", "bh", "Wh_l1_reverse" (weights start with W, biases with b).</param>
/// <param name="shape">The shape the result must have, e.g. (D, G·H) for Wx.</param>
/// <param name="rng">The generator passed to the module's constructor.</param>
/// <returns>A new tensor of <paramref name="shape"/>; the module keeps it (it is not copied).</returns>
public delegate Tensor<T> RecurrentInit<T>(string name, int[] shape, Rng rng) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The parameters of one layer and direction of a recurrent module in the seed's layout: Wx (D_l, G·H), Wh (H, G·H),
/// the bias b (G·H,) added to the input projection and, for modules with a hidden-side bias (the GRU), bh (G·H,).
/// </summary>
public sealed class RecurrentWeights<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal RecurrentWeights(int layer, bool reverse, Variable<T> wx, Variable<T> wh, Variable<T> b, Variable<T>? bh)
    {
        Layer = layer; Reverse = reverse; Wx = wx; Wh = wh; B = b; Bh = bh;
    }

    /// <summary>The layer, 0 for the one that reads the input.</summary>
    public int Layer { get; }
    /// <summary>Whether this is the reverse direction of a bidirectional module.</summary>
    public bool Reverse { get; }
    /// <summary>Input-to-hidden weights Wx, (D, G·H) for layer 0 and (H·directions, G·H) above it.</summary>
    public Variable<T> Wx { get; }
    /// <summary>Hidden-to-hidden weights Wh, (H, G·H).</summary>
    public Variable<T> Wh { get; }
    /// <summary>The bias added to the input projection, (G·H,): "b" (RNN, LSTM) or "bx" (GRU).</summary>
    public Variable<T> B { get; }
    /// <summary>The hidden-side bias bh, (G·H,), added to h·Wh (the GRU's); null for modules with one bias.</summary>
    public Variable<T>? Bh { get; }
}

/// <summary>
/// The parameter layout shared by the recurrent modules (<see cref="RnnCell{T}"/>, <see cref="LstmCell{T}"/>,
/// <see cref="GruCell{T}"/>, <see cref="Rnn{T}"/>, <see cref="Lstm{T}"/>, <see cref="Gru{T}"/>) and open to a user's
/// own recurrent module: per layer and direction, Wx (D, G·H), Wh (H, G·H) and one bias b (G·H,) or two, bx and bh,
/// where G is the number of gate blocks (1 for the RNN; 4 for the LSTM, ordered i, f, o, g; 3 for the GRU, ordered
/// r, z, n). The same tensors can be passed to the hand-derived functions of <c>MiniTorch.Reference.Cs231n</c>.
/// <para>
/// Names (PyTorch's suffix scheme): a cell registers "Wx", "Wh", "b" (or "bx", "bh"); a layer module registers
/// "Wx_l{k}{s}", "Wh_l{k}{s}", "b_l{k}{s}" (or "bx_l{k}{s}", "bh_l{k}{s}") for layer k and s = "" or "_reverse",
/// in PyTorch's order: layer 0 forward, layer 0 reverse, layer 1 forward, ... Layer k &gt; 0 reads the
/// H·directions-wide output of layer k - 1.
/// </para>
/// <para>
/// PyTorch stores weight_ih (G·H, D) and weight_hh (G·H, H), i.e. transposed, with two biases (bias_ih + bias_hh play
/// the role of b) and orders the LSTM gates i, f, g, o.
/// </para>
/// <para>
/// Initialisation: by default PyTorch's for its recurrent layers, every parameter ~ U(-1/√H, 1/√H), drawn in
/// registration order from the <see cref="Rng"/> passed to the constructor; an <see cref="RecurrentInit{T}"/> replaces it.
/// </para>
/// <para>
/// An omitted initial state is zero, so its products are skipped rather than computed (h0·Wh, and for the LSTM
/// f ⊙ c0). Values and gradients are unchanged, except that after a single step without h0 Wh was never used and its
/// <see cref="Variable{T}.Grad"/> stays null (as PyTorch leaves an unused parameter's grad None).
/// </para>
/// </summary>
public abstract class RecurrentBase<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly RecurrentWeights<T>[] _weights;

    /// <summary>Registers the parameters of a recurrent module with the layout described on <see cref="RecurrentBase{T}"/>.</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="hiddenSize">H (≥ 1).</param>
    /// <param name="gates">G, the number of H-wide gate blocks (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    /// <param name="numLayers">Stacked layers (≥ 1); more than one needs <paramref name="layerNames"/>.</param>
    /// <param name="bidirectional">Whether every layer also runs in reverse; needs <paramref name="layerNames"/>.</param>
    /// <param name="hiddenBias">Two biases, bx and bh (the GRU's), instead of one b.</param>
    /// <param name="layerNames">Names with the layer suffix ("Wx_l0"), as the layer modules; false: a cell's names ("Wx").</param>
    /// <param name="init">Draws each parameter; null: U(-1/√H, 1/√H).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="rng"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// Several layers or directions without <paramref name="layerNames"/>, or <paramref name="init"/> returned a tensor of the wrong shape.
    /// </exception>
    protected RecurrentBase(int inputSize, int hiddenSize, int gates, Rng rng, int numLayers = 1, bool bidirectional = false,
        bool hiddenBias = false, bool layerNames = false, RecurrentInit<T>? init = null)
    {
        string kind = Init.Kind(this);
        Init.Positive(kind, nameof(inputSize), inputSize);
        Init.Positive(kind, nameof(hiddenSize), hiddenSize);
        Init.Positive(kind, nameof(gates), gates);
        Init.Positive(kind, nameof(numLayers), numLayers);
        ArgumentNullException.ThrowIfNull(rng);
        if (!layerNames && (numLayers > 1 || bidirectional))
            throw new ArgumentException($"{kind}: {numLayers} layer(s){(bidirectional ? ", bidirectional," : "")} need layer names (layerNames: true).", nameof(layerNames));
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        GateCount = gates;
        NumLayers = numLayers;
        Bidirectional = bidirectional;
        double bound = 1 / Math.Sqrt(hiddenSize);
        Tensor<T> Draw(string name, params int[] shape)
        {
            if (init is null) return Init.Uniform<T>(rng, bound, shape);
            var t = init(name, shape, rng);
            if (t is null || !t.HasShape(shape))
                throw new ArgumentException($"{kind}: init returned {(t is null ? "null" : t.ShapeString)} for {name}, expected {Shapes.Str(shape)}.", nameof(init));
            return t;
        }
        _weights = new RecurrentWeights<T>[numLayers * Directions];
        int width = gates * hiddenSize;
        for (int layer = 0, i = 0; layer < numLayers; layer++)
            for (int dir = 0; dir < Directions; dir++, i++)
            {
                string suffix = layerNames ? $"_l{layer}{(dir == 1 ? "_reverse" : "")}" : "";
                int layerInput = layer == 0 ? inputSize : hiddenSize * Directions;
                string nx = "Wx" + suffix, nh = "Wh" + suffix, nb = (hiddenBias ? "bx" : "b") + suffix, nbh = "bh" + suffix;
                var wx = RegisterParameter(nx, Draw(nx, layerInput, width));
                var wh = RegisterParameter(nh, Draw(nh, hiddenSize, width));
                var b = RegisterParameter(nb, Draw(nb, width));
                var bh = hiddenBias ? RegisterParameter(nbh, Draw(nbh, width)) : null;
                _weights[i] = new RecurrentWeights<T>(layer, dir == 1, wx, wh, b, bh);
            }
    }

    /// <summary>D, the input size.</summary>
    public int InputSize { get; }
    /// <summary>H, the hidden size.</summary>
    public int HiddenSize { get; }
    /// <summary>G, the number of H-wide gate blocks in Wx, Wh and the biases.</summary>
    public int GateCount { get; }
    /// <summary>The number of stacked layers.</summary>
    public int NumLayers { get; }
    /// <summary>Whether every layer also runs over the sequence in reverse.</summary>
    public bool Bidirectional { get; }
    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions => Bidirectional ? 2 : 1;
    /// <summary>The parameters of every layer and direction, in PyTorch's order (layer 0 forward, layer 0 reverse, layer 1 forward, ...).</summary>
    public IReadOnlyList<RecurrentWeights<T>> Weights => _weights;

    /// <summary>The parameters of one layer and direction.</summary>
    /// <param name="layer">The layer, 0 to <see cref="NumLayers"/> - 1.</param>
    /// <param name="reverse">The reverse direction (only for a bidirectional module).</param>
    /// <returns>That layer and direction's parameters.</returns>
    /// <exception cref="ArgumentOutOfRangeException">There is no such layer or direction.</exception>
    public RecurrentWeights<T> Weight(int layer, bool reverse = false)
    {
        if ((uint)layer >= (uint)NumLayers || (reverse && !Bidirectional))
            throw new ArgumentOutOfRangeException(reverse ? nameof(reverse) : nameof(layer),
                $"{Init.Kind(this)}: no {(reverse ? "reverse " : "")}layer {layer} (numLayers {NumLayers}, bidirectional {Bidirectional}).");
        return _weights[layer * Directions + (reverse ? 1 : 0)];
    }

    /// <summary>Input-to-hidden weights of layer 0's forward direction, (D, G·H).</summary>
    public Variable<T> Wx => _weights[0].Wx;
    /// <summary>Hidden-to-hidden weights of layer 0's forward direction, (H, G·H).</summary>
    public Variable<T> Wh => _weights[0].Wh;
    /// <summary>The (input-side) bias of layer 0's forward direction, (G·H,).</summary>
    public Variable<T> B => _weights[0].B;

    /// <summary>D and H as known sizes for shape checks.</summary>
    private protected Signature.Known[] Sizes => [new("D", InputSize, "input_size"), new("H", HiddenSize, "hidden_size")];
}
