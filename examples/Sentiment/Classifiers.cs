using MiniTorch.Autograd;
using MiniTorch.Nn;

namespace MiniTorch.Examples.Sentiment;

/// <summary>A sentence classifier: word ids (N, T) in, two scores per sentence (N, 2) out (negative, positive).</summary>
public abstract class SentenceClassifier : Module<float>
{
    /// <summary>The scores of each sentence of a batch of sentences of equal length.</summary>
    /// <param name="ids">Word ids, (N, T).</param>
    /// <returns>Scores (N, 2); their softmax is the probability of each label.</returns>
    public abstract Variable<float> Forward(Tensor<int> ids);

    /// <summary>A short name for printing ("lstm", "bag of embeddings").</summary>
    public abstract string Name { get; }
}

/// <summary>
/// The recurrent classifier (many to one): Embedding -> Lstm (or vanilla Rnn) -> the last hidden state -> Linear. The
/// state after the last word has read the words in order, so it can know what a "not" applies to.
/// </summary>
public sealed class RecurrentClassifier : SentenceClassifier
{
    private readonly Embedding<float> _embedding;
    private readonly RecurrentLayer<float> _recurrent;
    private readonly Linear<float> _output;

    /// <summary>Creates the classifier.</summary>
    /// <param name="vocabulary">Number of distinct words.</param>
    /// <param name="embedding">Size of a word vector.</param>
    /// <param name="hidden">Hidden size of the recurrent layer.</param>
    /// <param name="cell">"lstm", "rnn" or "gru".</param>
    /// <param name="rng">Initialises the weights.</param>
    /// <exception cref="ArgumentException"><paramref name="cell"/> is not "lstm", "rnn" or "gru".</exception>
    public RecurrentClassifier(int vocabulary, int embedding, int hidden, string cell, Rng rng)
    {
        _embedding = RegisterModule("embedding", new Embedding<float>(vocabulary, embedding, rng));
        RecurrentLayer<float> recurrent = RecurrentCells.Create<float>("RecurrentClassifier", cell, embedding, hidden, rng);
        _recurrent = RegisterModule(cell, recurrent);
        _output = RegisterModule("output", new Linear<float>(hidden, 2, rng));
        Name = cell;
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override Variable<float> Forward(Tensor<int> ids)
    {
        var x = _embedding.Forward(ids); // (N, T, E)
        var last = _recurrent.Forward(x).State.H.Select(0, 0); // (layers·directions = 1, N, H) -> (N, H)
        return _output.Forward(last);
    }
}

/// <summary>
/// The order-blind baseline: the mean of the sentence's word vectors -> Linear. It sees which words occur (and how
/// often) but not in which order, so "good , not bad" and "bad , not good" look the same to it.
/// </summary>
public sealed class BagOfEmbeddings : SentenceClassifier
{
    private readonly Embedding<float> _embedding;
    private readonly Linear<float> _output;

    /// <summary>Creates the baseline.</summary>
    /// <param name="vocabulary">Number of distinct words.</param>
    /// <param name="embedding">Size of a word vector.</param>
    /// <param name="rng">Initialises the weights.</param>
    public BagOfEmbeddings(int vocabulary, int embedding, Rng rng)
    {
        _embedding = RegisterModule("embedding", new Embedding<float>(vocabulary, embedding, rng));
        _output = RegisterModule("output", new Linear<float>(embedding, 2, rng));
    }

    /// <inheritdoc/>
    public override string Name => "bag of embeddings";

    /// <inheritdoc/>
    public override Variable<float> Forward(Tensor<int> ids) => _output.Forward(_embedding.Forward(ids).Mean(1));
}
