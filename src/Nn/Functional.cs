using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Nn;

/// <summary>Losses and other stateless functions on variables (PyTorch's <c>torch.nn.functional</c>).</summary>
public static partial class Functional
{
    /// <summary>
    /// CS231n's masked temporal softmax loss on the tape: loss = -(1/N) Σ_{n,t} mask[n,t] · log softmax(x[n,t,:])[y[n,t]],
    /// summed over the unmasked time steps and divided by the batch size N (not by the number of unmasked steps).
    /// It is <see cref="Ops.CrossEntropy{T}"/> with <see cref="Reduction.BatchMean"/>; the hand-derived counterpart is
    /// <c>MiniTorch.Reference.Cs231n.TemporalSoftmaxLoss</c>.
    /// </summary>
    /// <param name="x">Scores, (N, T, V).</param>
    /// <param name="y">Ground-truth indices, (N, T), each in [0, V).</param>
    /// <param name="mask">0/1 values (N, T): 1 where the position counts. Null counts every position.</param>
    /// <returns>The scalar loss (rank 0).</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, V).</exception>
    public static Variable<T> TemporalSoftmaxLoss<T>(Variable<T> x, Tensor<int> y, Tensor<T>? mask = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("TemporalSoftmaxLoss", [A("x", x.Data, "N,T,V"), A("y", y, "N,T"), A("mask", mask, "N,T")]);
        return x.CrossEntropy(y, mask, Reduction.BatchMean);
    }
}
