using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Reference;

/// <summary>What <see cref="Cs231n.TemporalAffineForward{T}"/> keeps for its backward pass.</summary>
public sealed record TemporalAffineCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal TemporalAffineCache(Tensor<T> x, Tensor<T> w, int[] outShape) { X = x; W = w; OutShape = outShape; }

    /// <summary>The input x, (N, T, D).</summary>
    public Tensor<T> X { get; }
    /// <summary>The weights w, (D, M).</summary>
    public Tensor<T> W { get; }
    /// <summary>The shape of the forward output, (N, T, M).</summary>
    public IReadOnlyList<int> OutShape { get; }
}

/// <summary>The gradients returned by <see cref="Cs231n.TemporalAffineBackward{T}"/>.</summary>
/// <param name="Dx">Gradient of the input, (N, T, D).</param>
/// <param name="Dw">Gradient of the weights, (D, M).</param>
/// <param name="Db">Gradient of the biases, (M,).</param>
public sealed record TemporalAffineGrads<T>(Tensor<T> Dx, Tensor<T> Dw, Tensor<T> Db) where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Cs231n
{
    /// <summary>
    /// An affine layer applied at every time step (CS231n's <c>temporal_affine_forward</c>):
    /// out[n, t, :] = x[n, t, :]·w + b, computed as one (N·T, D)·(D, M) product.
    /// </summary>
    /// <param name="x">Input data, (N, T, D).</param>
    /// <param name="w">Weights, (D, M).</param>
    /// <param name="b">Biases, (M,).</param>
    /// <returns>out (N, T, M) and the cache for <see cref="TemporalAffineBackward{T}"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    public static (Tensor<T> Out, TemporalAffineCache<T> Cache) TemporalAffineForward<T>(Tensor<T> x, Tensor<T> w, Tensor<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = Check("TemporalAffineForward", [A("x", x, "N,T,D"), A("w", w, "D,M"), A("b", b, "M")]);
        int n = dims["N"], steps = dims["T"], d = dims["D"], m = dims["M"];
        var output = (x.Reshape(n * steps, d).MatMul(w) + b).Reshape(n, steps, m);
        return (output, new TemporalAffineCache<T>(x, w, output.ShapeArray));
    }

    /// <summary>
    /// Backward pass of the temporal affine layer (CS231n's <c>temporal_affine_backward</c>). With x and dout seen as
    /// (N·T, D) and (N·T, M): dx = dout·wᵀ, dw = xᵀ·dout, db = Σ over all N·T rows of dout.
    /// </summary>
    /// <param name="dout">Upstream gradients, (N, T, M).</param>
    /// <param name="cache">The cache from <see cref="TemporalAffineForward{T}"/>.</param>
    /// <returns>dx, dw and db.</returns>
    /// <exception cref="ArgumentException"><paramref name="dout"/> does not have out's shape.</exception>
    public static TemporalAffineGrads<T> TemporalAffineBackward<T>(Tensor<T> dout, TemporalAffineCache<T> cache)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUpstream("TemporalAffineBackward", "dout", dout, cache.OutShape.ToArray());
        var x = cache.X;
        int rows = x.Dim(0) * x.Dim(1), d = x.Dim(2), m = cache.W.Dim(1);
        var g = dout.Reshape(rows, m);
        var dx = DotT(g, cache.W).Reshape(x.ShapeArray);
        var dw = TDot(x.Reshape(rows, d), g);
        var db = g.Sum(0);
        return new TemporalAffineGrads<T>(dx, dw, db);
    }

    /// <summary>
    /// CS231n's <c>temporal_softmax_loss</c>: a softmax over the vocabulary at every (n, t) and the masked negative
    /// log-likelihood of the correct words, summed over time and divided by N (not by the number of unmasked steps):
    /// loss = -(1/N) Σ_{n,t} mask[n,t] · log p[n,t,y[n,t]]; dx = mask ⊙ (p - onehot(y)) / N.
    /// </summary>
    /// <param name="x">Scores, (N, T, V).</param>
    /// <param name="y">Ground-truth word indices, (N, T), each in [0, V).</param>
    /// <param name="mask">
    /// The mask, (N, T), as 0/1 values of <typeparamref name="T"/> (CS231n's boolean array: 1 where the scores at
    /// x[n, t] count toward the loss, 0 where they do not, e.g. after the end of a caption). Values other than 0 and 1
    /// act as per-position weights, exactly as in MiniTorch.Autograd's <c>Ops.CrossEntropy</c>.
    /// </param>
    /// <returns>The scalar loss and dx, the gradient of the loss with respect to the scores (N, T, V).</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A word index is outside [0, V).</exception>
    public static (T Loss, Tensor<T> Dx) TemporalSoftmaxLoss<T>(Tensor<T> x, Tensor<int> y, Tensor<T> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = Check("TemporalSoftmaxLoss", [A("x", x, "N,T,V"), A("y", y, "N,T"), A("mask", mask, "N,T")]);
        int n = dims["N"], v = dims["V"];
        CheckIndices("TemporalSoftmaxLoss", "y", y, v, $"scores x {x.ShapeString}");
        ReadOnlySpan<int> labels = y.AsSpan();
        T invN = T.One / T.CreateChecked(n);
        var dx = new Tensor<T>(x.ShapeArray);
        ReadOnlySpan<T> scores = x.AsSpan(), w = mask.AsSpan();
        var grad = dx.AsSpan();
        T loss = T.Zero;
        for (int k = 0; k < labels.Length; k++)
        {
            var row = scores.Slice(k * v, v);
            var p = grad.Slice(k * v, v);
            // p = exp(x - max) / Σ exp(x - max); log p[y] = (x[y] - max) - log Σ exp(x - max).
            T max = row[0];
            for (int j = 1; j < v; j++) if (row[j] > max) max = row[j];
            T z = T.Zero;
            for (int j = 0; j < v; j++) { p[j] = T.Exp(row[j] - max); z += p[j]; }
            loss -= w[k] * (row[labels[k]] - max - T.Log(z));
            for (int j = 0; j < v; j++) p[j] /= z;
            p[labels[k]] -= T.One;
            for (int j = 0; j < v; j++) p[j] *= w[k] * invN;
        }
        return (loss * invN, dx);
    }
}
