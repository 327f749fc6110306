using System.Numerics;

namespace MiniTorch.Nn;

/// <summary>
/// The parameters shared by <see cref="RnnCell{T}"/>, <see cref="Rnn{T}"/>, <see cref="LstmCell{T}"/> and
/// <see cref="Lstm{T}"/>, in the seed's layout: Wx (D, G·H), Wh (H, G·H) and one bias b (G·H,), where G is the number
/// of gate blocks (1 for the RNN; 4 for the LSTM, ordered i, f, o, g). The same tensors can be passed to the
/// hand-derived functions of <c>MiniTorch.Reference.Cs231n</c>.
/// <para>
/// PyTorch stores weight_ih (G·H, D) and weight_hh (G·H, H), i.e. transposed, with two biases (bias_ih + bias_hh play
/// the role of b) and orders the LSTM gates i, f, g, o.
/// </para>
/// <para>
/// Initialisation (PyTorch's for its recurrent layers): Wx, Wh and b ~ U(-1/√H, 1/√H), drawn in that order from the
/// <see cref="Rng"/> passed to the constructor. Parameter names: "Wx", "Wh", "b".
/// </para>
/// <para>
/// An omitted initial state is zero, so its products are skipped rather than computed (h0·Wh, and for the LSTM
/// f ⊙ c0). Values and gradients are unchanged, except that after a single step without h0 Wh was never used and its
/// <see cref="Variable{T}.Grad"/> stays null (as PyTorch leaves an unused parameter's grad None).
/// </para>
/// </summary>
public abstract class RecurrentBase<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private protected RecurrentBase(int inputSize, int hiddenSize, int gates, Rng rng)
    {
        Init.Positive(Init.Kind(this), nameof(inputSize), inputSize);
        Init.Positive(Init.Kind(this), nameof(hiddenSize), hiddenSize);
        ArgumentNullException.ThrowIfNull(rng);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        double bound = 1 / Math.Sqrt(hiddenSize);
        Wx = RegisterParameter("Wx", Init.Uniform<T>(rng, bound, inputSize, gates * hiddenSize));
        Wh = RegisterParameter("Wh", Init.Uniform<T>(rng, bound, hiddenSize, gates * hiddenSize));
        B = RegisterParameter("b", Init.Uniform<T>(rng, bound, gates * hiddenSize));
    }

    /// <summary>D, the input size.</summary>
    public int InputSize { get; }
    /// <summary>H, the hidden size.</summary>
    public int HiddenSize { get; }
    /// <summary>Input-to-hidden weights Wx, (D, G·H).</summary>
    public Variable<T> Wx { get; }
    /// <summary>Hidden-to-hidden weights Wh, (H, G·H).</summary>
    public Variable<T> Wh { get; }
    /// <summary>The bias b, (G·H,).</summary>
    public Variable<T> B { get; }

    /// <summary>D and H as known sizes for shape checks.</summary>
    private protected Signature.Known[] Sizes => [new("D", InputSize, "input_size"), new("H", HiddenSize, "hidden_size")];
}
