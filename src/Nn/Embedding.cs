using System.Numerics;

namespace MiniTorch.Nn;

/// <summary>
/// A lookup table of word vectors (PyTorch's <c>nn.Embedding</c>, CS231n's word embedding): row k of the weight
/// (V, D) is the vector of word k. The forward is an <see cref="Ops.IndexSelect{T}"/> on the weight, so the weight's
/// gradient collects the sum over every occurrence of a word.
/// <para>Initialisation (PyTorch's default): weight ~ N(0, 1), drawn from the <see cref="Rng"/> passed to the constructor.</para>
/// Parameter: "weight" (V, D). The hand-derived counterpart is <c>MiniTorch.Reference.Cs231n.WordEmbeddingForward</c>.
/// </summary>
public sealed class Embedding<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a table of <paramref name="numEmbeddings"/> vectors of size <paramref name="embeddingDim"/>.</summary>
    /// <param name="numEmbeddings">V, the vocabulary size (≥ 1).</param>
    /// <param name="embeddingDim">D, the vector size (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    public Embedding(int numEmbeddings, int embeddingDim, Rng rng)
    {
        Init.Positive("Embedding", nameof(numEmbeddings), numEmbeddings);
        Init.Positive("Embedding", nameof(embeddingDim), embeddingDim);
        ArgumentNullException.ThrowIfNull(rng);
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Weight = RegisterParameter("weight", rng.Normal<T>([numEmbeddings, embeddingDim]));
    }

    /// <summary>V, the number of rows.</summary>
    public int NumEmbeddings { get; }
    /// <summary>D, the size of each vector.</summary>
    public int EmbeddingDim { get; }
    /// <summary>The table W, (V, D).</summary>
    public Variable<T> Weight { get; }

    /// <summary>The vectors of <paramref name="indices"/> (any shape S, e.g. (N, T)); returns S + (D,).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, V).</exception>
    /// <param name="indices">Row numbers of the table, each in [0, V).</param>
    /// <returns>The looked-up vectors, recorded for backward (gradients flow to <see cref="Weight"/>).</returns>
    public Variable<T> Forward(Tensor<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ReadOnlySpan<int> idx = indices.AsSpan();
        for (int k = 0; k < idx.Length; k++)
            if ((uint)idx[k] >= (uint)NumEmbeddings)
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"Embedding.Forward: index {idx[k]} at flat position {k} of indices {indices.ShapeString} is out of range [0, {NumEmbeddings}) (num_embeddings = {NumEmbeddings}).");
        return Weight.IndexSelect(0, indices);
    }
}
