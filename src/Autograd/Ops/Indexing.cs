using System.Numerics;

namespace MiniTorch.Autograd.Functions;

/// <summary>
/// <c>torch.gather</c> along an axis by an int index of the input's rank (see <see cref="Tensor.Gather{T}"/>).
/// Backward scatter-adds the gradient into the input's gradient buffer; positions picked more than once accumulate.
/// </summary>
/// <param name="axis">The axis to pick along (negative counts from the end).</param>
/// <param name="index">The positions along <paramref name="axis"/>, one per output element (the input's rank).</param>
public sealed class Gather<T>(int axis, Tensor<int> index) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0].Gather(axis, index);
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => Tensor.ScatterAdd(grads.Buffer(0), axis, index, g);
}

/// <summary><c>torch.flip</c>: reverses the order along some axes; the backward flips the gradient back the same way.</summary>
/// <param name="axes">The axes to reverse (negative counts from the end).</param>
public sealed class Flip<T>(int[] axes) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0].Flip(axes);
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g.Flip(axes));
}

/// <summary>
/// <c>torch.where(condition, a, b)</c> with a constant 0/1 mask and broadcasting over all three. The gradient goes to
/// <c>a</c> where the mask is 1 and to <c>b</c> where it is 0 (the other side gets exactly 0, even for infinite values).
/// </summary>
/// <param name="condition">The 0/1 mask (a constant): 1 picks <c>a</c>, 0 picks <c>b</c>.</param>
public sealed class Where<T>(Tensor<T> condition) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(condition); return Tensor.Where(condition, x[0], x[1]); }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var zero = Tensor.Scalar(T.Zero);
        if (grads.Needs(0)) grads.Accumulate(0, Tensor.Where(condition, g, zero));
        if (grads.Needs(1)) grads.Accumulate(1, Tensor.Where(condition, zero, g));
    }
}
