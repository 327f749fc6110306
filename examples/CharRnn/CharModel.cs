using MiniTorch.Autograd;
using MiniTorch.Nn;

namespace MiniTorch.Examples.CharRnn;

/// <summary>The recurrent state carried from one chunk of text to the next: h, and c for the LSTM.</summary>
public readonly record struct CharState(Variable<float>? H, Variable<float>? C)
{
    /// <summary>The zero state (both omitted: the modules treat a missing state as zeros).</summary>
    public static CharState Zero => default;

    /// <summary>The same values cut from the graph, so the next chunk's backward stops here (truncated BPTT).</summary>
    public CharState Detach() => new(H?.Detach(), C?.Detach());
}

/// <summary>
/// min-char-rnn as modules: each character enters as a one-hot vector of size V, a recurrent layer (a vanilla
/// <see cref="Rnn{T}"/> or an <see cref="Lstm{T}"/>, hidden size H) reads the chunk, and an affine layer turns every
/// hidden state into V scores for the next character.
/// </summary>
public sealed class CharModel : Module<float>
{
    private readonly RecurrentLayer<float> _recurrent;
    private readonly TemporalAffine<float> _output;

    /// <summary>Creates the model; <paramref name="cell"/> is "rnn", "lstm" or "gru".</summary>
    public CharModel(int vocabularySize, int hiddenSize, string cell, Rng rng)
    {
        VocabularySize = vocabularySize;
        HiddenSize = hiddenSize;
        Cell = cell;
        RecurrentLayer<float> recurrent = RecurrentCells.Create<float>("CharModel", cell, vocabularySize, hiddenSize, rng);
        _recurrent = RegisterModule(cell, recurrent);
        _output = RegisterModule("output", new TemporalAffine<float>(hiddenSize, vocabularySize, rng));
    }

    /// <summary>V, the number of distinct characters.</summary>
    public int VocabularySize { get; }
    /// <summary>H, the hidden size.</summary>
    public int HiddenSize { get; }
    /// <summary>"rnn", "lstm" or "gru".</summary>
    public string Cell { get; }

    /// <summary>
    /// Reads the characters <paramref name="ids"/> (one sequence) from <paramref name="state"/>; returns the scores for
    /// the character after each of them, (1, T, V), and the state after the last one.
    /// </summary>
    public (Variable<float> Scores, CharState State) Forward(ReadOnlySpan<int> ids, CharState state)
    {
        var x = OneHot(ids).AsVariable();
        var (hs, next) = _recurrent.Forward(x, state.H is null ? null : new RecurrentState<float>(state.H, state.C));
        return (_output.Forward(hs), new CharState(next.H, next.C));
    }

    /// <summary>One-hot rows (1, T, V) for the characters <paramref name="ids"/>.</summary>
    private Tensor<float> OneHot(ReadOnlySpan<int> ids)
    {
        var x = new Tensor<float>(1, ids.Length, VocabularySize);
        var xs = x.AsSpan();
        for (int t = 0; t < ids.Length; t++) xs[t * VocabularySize + ids[t]] = 1;
        return x;
    }

    /// <summary>
    /// Generates <paramref name="length"/> characters: feeds <paramref name="first"/>, draws the next character from
    /// softmax(scores / <paramref name="temperature"/>), feeds it back, and so on (min-char-rnn's sample()).
    /// Lower temperatures give safer, more repetitive text; higher ones more surprising text.
    /// </summary>
    public List<int> Sample(CharState state, int first, int length, double temperature, Rng rng)
    {
        using var _ = GradMode.NoGrad();
        var result = new List<int>(length);
        int current = first;
        for (int i = 0; i < length; i++)
        {
            var (scores, next) = Forward([current], state);
            state = next;
            var p = (scores.Data.Reshape(VocabularySize) / (float)temperature).Softmax();
            current = Draw(p.AsSpan(), rng);
            result.Add(current);
        }
        return result;
    }

    /// <summary>Reads <paramref name="ids"/> without recording gradients and returns the state after them.</summary>
    public CharState Prime(ReadOnlySpan<int> ids, CharState state)
    {
        using var _ = GradMode.NoGrad();
        return ids.IsEmpty ? state : Forward(ids, state).State;
    }

    /// <summary>An index drawn with probabilities <paramref name="p"/> (which sum to 1).</summary>
    private static int Draw(ReadOnlySpan<float> p, Rng rng)
    {
        double u = rng.NextDouble(), cumulative = 0;
        for (int k = 0; k < p.Length; k++)
        {
            cumulative += p[k];
            if (u < cumulative) return k;
        }
        return p.Length - 1; // rounding left u just above the total
    }
}
