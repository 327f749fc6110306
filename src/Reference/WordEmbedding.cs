using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Reference;

/// <summary>What <see cref="Cs231n.WordEmbeddingForward{T}"/> keeps for its backward pass.</summary>
public sealed record WordEmbeddingCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal WordEmbeddingCache(Tensor<int> x, int[] wShape) { X = x; WShape = wShape; }

    /// <summary>The word indices x, (N, T).</summary>
    public Tensor<int> X { get; }
    /// <summary>The shape of the embedding matrix W, (V, D).</summary>
    public IReadOnlyList<int> WShape { get; }
}

/// <summary>The gradient returned by <see cref="Cs231n.WordEmbeddingBackward{T}"/>.</summary>
/// <param name="DW">Gradient of the word embedding matrix, (V, D).</param>
public sealed record WordEmbeddingGrads<T>(Tensor<T> DW) where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Cs231n
{
    /// <summary>
    /// Word embedding lookup (seed: <c>word_embedding_forward</c>): out[n, t, :] = W[x[n, t], :], numpy's <c>W[x]</c>.
    /// </summary>
    /// <param name="x">Integer word indices, (N, T); each must satisfy 0 ≤ idx &lt; V.</param>
    /// <param name="w">The word vectors of all V words, (V, D).</param>
    /// <returns>out, the word vectors of all input words (N, T, D), and the cache for <see cref="WordEmbeddingBackward{T}"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, V).</exception>
    public static (Tensor<T> Out, WordEmbeddingCache<T> Cache) WordEmbeddingForward<T>(Tensor<int> x, Tensor<T> w)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = Check("WordEmbeddingForward", [A("x", x, "N,T"), A("W", w, "V,D")]);
        int vocab = dims["V"], d = dims["D"], steps = dims["T"];
        CheckIndices("WordEmbeddingForward", "x", x, vocab, $"W {w.ShapeString}");
        ReadOnlySpan<int> idx = x.AsSpan();
        var output = new Tensor<T>(dims["N"], steps, d);
        ReadOnlySpan<T> table = w.AsSpan();
        var dst = output.AsSpan();
        for (int k = 0; k < idx.Length; k++) table.Slice(idx[k] * d, d).CopyTo(dst.Slice(k * d, d));
        return (output, new WordEmbeddingCache<T>(x, w.ShapeArray));
    }

    /// <summary>
    /// Backward pass of the word embedding (seed: <c>word_embedding_backward</c>): dW[x[n, t], :] += dout[n, t, :] for
    /// every (n, t), numpy's <c>np.add.at(dW, x, dout)</c>. A word that occurs several times collects the sum of its
    /// gradients; words that do not occur get zero rows. There is no gradient for the integer indices.
    /// </summary>
    /// <param name="dout">Upstream gradients, (N, T, D).</param>
    /// <param name="cache">The cache from <see cref="WordEmbeddingForward{T}"/>.</param>
    /// <returns>dW, the gradient of the embedding matrix (V, D).</returns>
    /// <exception cref="ArgumentException"><paramref name="dout"/> does not have out's shape.</exception>
    public static WordEmbeddingGrads<T> WordEmbeddingBackward<T>(Tensor<T> dout, WordEmbeddingCache<T> cache)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = cache.WShape[1];
        CheckUpstream("WordEmbeddingBackward", "dout", dout, [.. cache.X.Shape, d]);
        var dW = new Tensor<T>(cache.WShape.ToArray());
        ReadOnlySpan<int> idx = cache.X.AsSpan();
        ReadOnlySpan<T> src = dout.AsSpan();
        var dst = dW.AsSpan();
        for (int k = 0; k < idx.Length; k++)
        {
            var row = dst.Slice(idx[k] * d, d);
            var g = src.Slice(k * d, d);
            for (int j = 0; j < d; j++) row[j] += g[j];
        }
        return new WordEmbeddingGrads<T>(dW);
    }
}
