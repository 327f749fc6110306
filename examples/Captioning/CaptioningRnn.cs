using System.Numerics;
using MiniTorch.Autograd;
using MiniTorch.Nn;

namespace MiniTorch.Examples.Captioning;

/// <summary>
/// CS231n's CaptioningRNN (one to many): an image's feature vector sets the recurrent layer's initial hidden state,
/// and the layer then reads the caption one word at a time, predicting the next word at every step.
/// <code>
/// h0     = features·W_proj + b_proj              (Linear, "proj")
/// x      = W_embed[captions_in]                  (Embedding, "embed")
/// h      = recurrent(x, h0)                      (Rnn, Lstm or Gru: any IRecurrentLayer; "rnn", "lstm" or "gru")
/// scores = h·W_vocab + b_vocab                   (TemporalAffine, "vocab")
/// loss   = temporal softmax loss(scores, captions_out, mask = captions_out != NULL)
/// </code>
/// where captions_in = captions[:, :-1] (START w1 w2 …) and captions_out = captions[:, 1:] (w1 w2 … END), so the
/// word at step t is trained to predict the word at step t + 1; NULL padding is masked out of the loss.
/// </summary>
public sealed class CaptioningRnn<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the model and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="vocabularySize">V, the number of words including NULL, START and END.</param>
    /// <param name="featureSize">D, the length of an image's feature vector.</param>
    /// <param name="wordVectorSize">W, the size of a word vector.</param>
    /// <param name="hiddenSize">H, the recurrent layer's hidden size.</param>
    /// <param name="cell">"rnn", "lstm" or "gru": the recurrent layer's kind.</param>
    /// <param name="rng">Source of the initial values.</param>
    /// <param name="nullId">The padding word, masked out of the loss.</param>
    /// <param name="startId">The word every caption starts with.</param>
    /// <param name="endId">The word every caption ends with.</param>
    public CaptioningRnn(int vocabularySize, int featureSize, int wordVectorSize, int hiddenSize, string cell, Rng rng,
        int nullId = 0, int startId = 1, int endId = 2)
    {
        foreach (var (name, id) in new[] { ("nullId", nullId), ("startId", startId), ("endId", endId) })
            if ((uint)id >= (uint)vocabularySize)
                throw new ArgumentOutOfRangeException(name, $"CaptioningRnn: {name} {id} is outside the vocabulary [0, {vocabularySize}).");
        (NullId, StartId, EndId, Cell) = (nullId, startId, endId, cell);
        Projection = RegisterModule("proj", new Linear<T>(featureSize, hiddenSize, rng));
        Embed = RegisterModule("embed", new Embedding<T>(vocabularySize, wordVectorSize, rng));
        RecurrentLayer<T> layer = RecurrentCells.Create<T>("CaptioningRnn", cell, wordVectorSize, hiddenSize, rng);
        Recurrent = RegisterModule(cell, layer);
        Vocab = RegisterModule("vocab", new TemporalAffine<T>(hiddenSize, vocabularySize, rng));
    }

    /// <summary>Features to initial hidden state, (D, H) weight and (H,) bias.</summary>
    public Linear<T> Projection { get; }
    /// <summary>Word vectors, (V, W).</summary>
    public Embedding<T> Embed { get; }
    /// <summary>The recurrent layer (an <see cref="Rnn{T}"/>, <see cref="Lstm{T}"/> or <see cref="Gru{T}"/>), used only through <see cref="IRecurrentLayer{T}"/>.</summary>
    public IRecurrentLayer<T> Recurrent { get; }
    /// <summary>Hidden state to word scores, (H, V) weight and (V,) bias.</summary>
    public TemporalAffine<T> Vocab { get; }
    /// <summary>"rnn", "lstm" or "gru".</summary>
    public string Cell { get; }
    /// <summary>The padding word.</summary>
    public int NullId { get; }
    /// <summary>The first word of every caption.</summary>
    public int StartId { get; }
    /// <summary>The last word of every caption.</summary>
    public int EndId { get; }

    /// <summary>
    /// The training loss for <paramref name="features"/> (N, D) and their <paramref name="captions"/> (N, T): START,
    /// the words, END, then NULL padding. Summed over time steps, averaged over the N captions.
    /// </summary>
    public Variable<T> Loss(Variable<T> features, Tensor<int> captions)
    {
        if (captions.Rank != 2 || captions.Dim(1) < 2 || features.Rank != 2 || captions.Dim(0) != features.Dim(0))
            throw new ArgumentException($"CaptioningRnn.Loss: need features (N, D) and captions (N, T) with T >= 2, got {features.Data.ShapeString} and {captions.ShapeString}.");
        int n = captions.Dim(0), steps = captions.Dim(1) - 1;
        var captionsIn = captions.Narrow(1, 0, steps);   // START w1 … (what the model reads)
        var captionsOut = captions.Narrow(1, 1, steps);  // w1 … END  (what it must predict)
        var mask = new Tensor<T>(n, steps);
        var outIds = captionsOut.AsSpan();
        var maskSpan = mask.AsSpan();
        for (int i = 0; i < maskSpan.Length; i++) maskSpan[i] = outIds[i] != NullId ? T.One : T.Zero;

        var scores = Scores(features, captionsIn);       // (N, T-1, V)
        return Functional.TemporalSoftmaxLoss(scores, captionsOut, mask);
    }

    /// <summary>
    /// Teacher forcing: the scores (N, T, V) for the word after each word of <paramref name="captionsIn"/> (N, T),
    /// the recurrent layer starting from h0 = affine(<paramref name="features"/>).
    /// </summary>
    public Variable<T> Scores(Variable<T> features, Tensor<int> captionsIn)
    {
        var h0 = Projection.Forward(features);    // (N, H)
        var x = Embed.Forward(captionsIn);        // (N, T, W)
        var h = Recurrent.Forward(x, new RecurrentState<T>(h0)).Output; // (N, T, H); an LSTM's c0 = 0
        return Vocab.Forward(h);                  // (N, T, V)
    }

    /// <summary>
    /// Greedy decoding: starts from h0 = affine(features) and the word START, and at every step feeds the previous
    /// step's most likely word back in (the sequence module run on length-1 inputs, so the weights are those used in
    /// training). Returns (N, <paramref name="maxLength"/>) word ids: the caption's words, its END, then NULL padding.
    /// Decoding stops early once every caption has produced END.
    /// </summary>
    public Tensor<int> Sample(Tensor<T> features, int maxLength)
    {
        if (features.Rank != 2 || maxLength < 1)
            throw new ArgumentException($"CaptioningRnn.Sample: need features (N, D) and maxLength >= 1, got {features.ShapeString} and {maxLength}.");
        using var _ = GradMode.NoGrad();
        int n = features.Dim(0);
        var captions = Tensor.Full(NullId, n, maxLength);
        var words = Tensor.Full(StartId, n, 1);
        var finished = new bool[n];
        var state = new RecurrentState<T>(Projection.Forward(features.AsVariable()));
        for (int t = 0; t < maxLength && finished.Contains(false); t++)
        {
            var x = Embed.Forward(words);                                     // (N, 1, W)
            (var output, state) = Recurrent.Forward(x, state);
            var next = Vocab.Forward(output).Data.Reshape(n, -1).ArgMax(1); // (N,) most likely next words
            for (int i = 0; i < n; i++)
            {
                if (finished[i]) continue;
                captions[i, t] = next[i];
                finished[i] = next[i] == EndId;
            }
            words = next.Reshape(n, 1);
        }
        return captions;
    }
}
