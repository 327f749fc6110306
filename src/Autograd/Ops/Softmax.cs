using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;


/// <summary>Softmax over the last axis. Backward per row: dx = y ⊙ (g - Σ g⊙y).</summary>
public sealed class Softmax<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _y = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_y = x[0].Softmax()); return _y; }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var dx = new Tensor<T>(_y.ShapeArray);
        int n = _y.Dim(-1);
        ReadOnlySpan<T> y = _y.AsSpan(), gs = g.AsSpan();
        var d = dx.AsSpan();
        for (int o = 0; n > 0 && o < _y.Length / n; o++)
        {
            var yr = y.Slice(o * n, n);
            var row = d.Slice(o * n, n);
            TP.Subtract(gs.Slice(o * n, n), TP.Dot(gs.Slice(o * n, n), yr), row);
            TP.Multiply(row, yr, row);
        }
        grads.Accumulate(0, dx);
    }
}

/// <summary>log softmax over the last axis. Backward per row: dx = g - softmax(x) · Σ g.</summary>
public sealed class LogSoftmax<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _y = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_y = x[0].LogSoftmax()); return _y; }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var dx = _y.Exp();
        int n = _y.Dim(-1);
        ReadOnlySpan<T> gs = g.AsSpan();
        var d = dx.AsSpan();
        for (int o = 0; n > 0 && o < _y.Length / n; o++)
        {
            var row = d.Slice(o * n, n);
            TP.MultiplyAdd(row, -TP.Sum(gs.Slice(o * n, n)), gs.Slice(o * n, n), row);
        }
        grads.Accumulate(0, dx);
    }
}

/// <summary>
/// Cross-entropy of logits x (…,V) against integer targets (…), optionally weighted by a mask (…) whose zeros
/// exclude positions: loss = -Σ mask·log softmax(x)[target], reduced as <see cref="Reduction"/> says.
/// Backward: dx = g · mask · (softmax(x) - onehot(target)) / denominator.
/// </summary>
/// <param name="targets">Class indices (…), each in [0, V).</param>
/// <param name="mask">Per-position weights (…), or null for all ones.</param>
/// <param name="reduction">How the per-position losses are combined.</param>
public sealed class CrossEntropy<T>(Tensor<int> targets, Tensor<T>? mask, Reduction reduction) : Function<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _p = null!;
    private T _denominator;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        var logits = x[0];
        if (logits.Rank < 1 || !targets.HasShape(logits.Shape[..^1]))
            throw new ArgumentException($"CrossEntropy: targets {targets.ShapeString} must have the logits' shape {logits.ShapeString} without its last axis.");
        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.BatchMean))
            throw new ArgumentOutOfRangeException(nameof(reduction), $"CrossEntropy: reduction {reduction} is not supported (use Mean, Sum or BatchMean).");
        if (mask is not null && !mask.HasShape(targets.Shape))
            throw new ArgumentException($"CrossEntropy: mask {mask.ShapeString} must have the targets' shape {targets.ShapeString}.");
        int v = logits.Dim(-1);
        ReadOnlySpan<int> y = targets.AsSpan();
        for (int i = 0; i < y.Length; i++)
            if ((uint)y[i] >= (uint)v)
                throw new ArgumentOutOfRangeException(nameof(targets), $"CrossEntropy: target {y[i]} at flat position {i} is out of range [0, {v}) for logits {logits.ShapeString}.");
        var logp = logits.LogSoftmax();
        ReadOnlySpan<T> lp = logp.AsSpan();
        ReadOnlySpan<T> w = mask is null ? default : mask.AsSpan();
        T total = T.Zero, weight = T.Zero;
        for (int i = 0; i < y.Length; i++)
        {
            T wi = mask is null ? T.One : w[i];
            total -= wi * lp[i * v + y[i]];
            weight += wi;
        }
        _denominator = reduction switch
        {
            Reduction.Sum => T.One,
            Reduction.BatchMean => T.CreateChecked(Math.Max(logits.Rank > 1 ? logits.Shape[0] : 1, 1)),
            _ => weight == T.Zero ? T.One : weight,
        };
        _p = logp;
        return Tensor.Scalar(total / _denominator);
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var dx = _p.Exp();
        int v = dx.Dim(-1);
        var d = dx.AsSpan();
        ReadOnlySpan<int> y = targets.AsSpan();
        ReadOnlySpan<T> w = mask is null ? default : mask.AsSpan();
        T scale = g.Item() / _denominator;
        for (int i = 0; i < y.Length; i++)
        {
            var row = d.Slice(i * v, v);
            row[y[i]] -= T.One;
            TP.Multiply(row, scale * (mask is null ? T.One : w[i]), row);
        }
        grads.Accumulate(0, dx);
    }
}
