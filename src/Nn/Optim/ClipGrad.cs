using System.Globalization;
using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Nn.Optim;

/// <summary>
/// Gradient clipping in place on the parameters' <see cref="Variable{T}.Grad"/> (PyTorch's
/// <c>torch.nn.utils.clip_grad_value_</c> and <c>clip_grad_norm_</c>). Parameters whose gradient is null are
/// skipped. Bounds are given as doubles (PyTorch's Python floats) and applied in the gradients' precision.
/// </summary>
public static class ClipGrad
{
    /// <summary>
    /// Clamps every gradient element into [<paramref name="min"/>, <paramref name="max"/>] (min-char-rnn's
    /// <c>np.clip(dparam, -5, 5, out=dparam)</c>). NaN elements stay NaN. Throws an <see cref="ArgumentException"/>
    /// when min &gt; max or either is NaN.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clamped (those without one are skipped).</param>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound.</param>
    public static void Value<T>(IEnumerable<Variable<T>> parameters, double min, double max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(min <= max))
            throw new ArgumentException($"ClipGrad.Value: invalid range [{F(min)}, {F(max)}] (need min <= max, not NaN).");
        T lo = T.CreateSaturating(min), hi = T.CreateSaturating(max);
        foreach (var p in parameters)
        {
            if (p?.Grad is not { } g) continue;
            var s = g.AsSpan();
            TP.Clamp(s, lo, hi, s);
        }
    }

    /// <summary>Clamps every gradient element into [−<paramref name="clipValue"/>, <paramref name="clipValue"/>] (clipValue &gt;= 0).</summary>
    /// <param name="parameters">The parameters whose gradients are clamped (those without one are skipped).</param>
    /// <param name="clipValue">The bound on each element's magnitude.</param>
    public static void Value<T>(IEnumerable<Variable<T>> parameters, double clipValue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(clipValue >= 0))
            throw new ArgumentException($"ClipGrad.Value: invalid clip value {F(clipValue)} (must be >= 0).");
        Value(parameters, -clipValue, clipValue);
    }

    /// <summary>
    /// Rescales all gradients together so that their global norm (the <paramref name="normType"/>-norm of the
    /// concatenation of every gradient: 2 or <see cref="double.PositiveInfinity"/>) is at most
    /// <paramref name="maxNorm"/>, and returns the norm before clipping. As PyTorch, the factor is
    /// <c>maxNorm / (total + 1e-6)</c> and is applied only when it is below 1. With
    /// <paramref name="errorIfNonFinite"/>, a NaN or infinite total norm throws an
    /// <see cref="InvalidOperationException"/> before any gradient changes.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are rescaled (those without one are skipped).</param>
    /// <param name="maxNorm">The largest allowed global norm.</param>
    /// <param name="normType">2 or positive infinity (the largest magnitude).</param>
    /// <param name="errorIfNonFinite">Whether a NaN or infinite total norm throws.</param>
    /// <returns>The global norm before clipping.</returns>
    public static T Norm<T>(IEnumerable<Variable<T>> parameters, double maxNorm, double normType = 2, bool errorIfNonFinite = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0) || double.IsPositiveInfinity(maxNorm))
            throw new ArgumentException($"ClipGrad.Norm: invalid max norm {F(maxNorm)} (must be finite and >= 0).");
        bool inf = double.IsPositiveInfinity(normType);
        if (!inf && normType != 2)
            throw new ArgumentException($"ClipGrad.Norm: unsupported norm type {F(normType)} (valid: 2 or +infinity).");

        // Per-tensor sums of squares (or max magnitudes) in T, combined in T as PyTorch's norm of norms does.
        T total = T.Zero;
        foreach (var p in parameters)
        {
            if (p?.Grad is not { } g || g.Length == 0) continue;
            if (inf) total = T.Max(total, T.Abs(TP.MaxMagnitude<T>(g.AsSpan())));  // NaN propagates
            else total += TP.SumOfSquares<T>(g.AsSpan());
        }
        if (!inf) total = T.Sqrt(total);
        if (errorIfNonFinite && !T.IsFinite(total))
            throw new InvalidOperationException($"ClipGrad.Norm: the total {(inf ? "inf" : "2")}-norm of the gradients is {total.ToString(null, CultureInfo.InvariantCulture)}; gradients left unchanged.");

        T coef = T.CreateSaturating(maxNorm) / (total + T.CreateChecked(1e-6));
        if (coef < T.One)
        {
            foreach (var p in parameters)
            {
                if (p?.Grad is not { } g) continue;
                var s = g.AsSpan();
                TP.Multiply(s, coef, s);
            }
        }
        return total;
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
