using System.Numerics;

namespace MiniTorch.Autograd.Functions;

/// <summary>
/// The elementwise binary cross-entropy of logits x against targets y (<c>binary_cross_entropy_with_logits</c> with
/// reduction 'none'), written so no exponential can overflow: with softplus(−x) = max(−x, 0) + log(1 + e^−|x|) and
/// L = 1 + (posWeight − 1)·y, <c>loss = (1 − y)·x + L·softplus(−x)</c>, which is −[p·y·log σ(x) + (1 − y)·log(1 − σ(x))].
/// d loss/dx = (1 − y) − L·σ(−x) (σ(x) − y without a positive weight). The targets and the positive weight are
/// constants (no gradient).
/// </summary>
/// <param name="target">The targets y in [0, 1], of the logits' shape (a constant).</param>
/// <param name="posWeight">The weight p of the positive term, broadcast over the last axis, or null for 1.</param>
public sealed class BinaryCrossEntropyWithLogits<T>(Tensor<T> target, Tensor<T>? posWeight) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _x = null!, _l = null!;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] inputs)
    {
        var x = inputs[0];
        if (!target.SameShape(x))
            throw new ArgumentException($"BinaryCrossEntropyWithLogits: target {target.ShapeString} must have the input's shape {x.ShapeString}.");
        if (posWeight is not null)
        {
            bool fits;
            try { fits = Shapes.Broadcast(posWeight.Shape, x.Shape, "BinaryCrossEntropyWithLogits").AsSpan().SequenceEqual(x.Shape); }
            catch (ArgumentException) { fits = false; }
            if (!fits)
                throw new ArgumentException($"BinaryCrossEntropyWithLogits: posWeight {posWeight.ShapeString} must broadcast to the input's shape {x.ShapeString} (e.g. one weight per class on the last axis).");
        }
        _x = x;
        SaveForBackward(x, target);
        // L = 1 + (p − 1)·y, broadcast to x's shape.
        _l = posWeight is null ? Tensor.Ones<T>(x.ShapeArray) : (posWeight - T.One) * target + T.One;
        var loss = new Tensor<T>(x.ShapeArray);
        ReadOnlySpan<T> xs = x.AsSpan(), ys = target.AsSpan(), ls = _l.AsSpan();
        var d = loss.AsSpan();
        for (int i = 0; i < d.Length; i++)
        {
            T softplusNeg = T.Max(-xs[i], T.Zero) + T.LogP1(T.Exp(-T.Abs(xs[i])));
            d[i] = (T.One - ys[i]) * xs[i] + ls[i] * softplusNeg;
        }
        return loss;
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var dx = (-_x).Sigmoid();                                 // σ(−x)
        ReadOnlySpan<T> ys = target.AsSpan(), ls = _l.AsSpan(), gs = g.AsSpan();
        var d = dx.AsSpan();
        for (int i = 0; i < d.Length; i++) d[i] = gs[i] * (T.One - ys[i] - ls[i] * d[i]);
        grads.Accumulate(0, dx);
    }
}
