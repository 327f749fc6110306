using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;

/// <summary>
/// Layer normalisation over the trailing axes <c>normalizedShape</c> (<c>torch.nn.functional.layer_norm</c>): for each
/// row r of M = ∏ normalizedShape elements, μ = mean(r), σ² = mean((r − μ)²) (biased), x̂ = (r − μ)/√(σ² + eps), and
/// y = x̂ ⊙ weight + bias (each optional, of shape normalizedShape). Inputs: x, then weight if
/// <paramref name="hasWeight"/>, then bias if <paramref name="hasBias"/>.
/// Backward per row, with d = g ⊙ weight (or g) and rstd = 1/√(σ² + eps):
/// <c>dx = rstd · (d − mean(d) − x̂ · mean(d ⊙ x̂))</c>; <c>dweight = Σ_rows g ⊙ x̂</c>; <c>dbias = Σ_rows g</c>.
/// </summary>
/// <param name="normalizedShape">The trailing axes normalised together (the input's last axes).</param>
/// <param name="hasWeight">Whether a weight (the normalised shape) is the second input.</param>
/// <param name="hasBias">Whether a bias (the normalised shape) follows as the next input.</param>
/// <param name="eps">Added to the variance before the square root.</param>
public sealed class LayerNorm<T>(int[] normalizedShape, bool hasWeight, bool hasBias, T eps) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _xhat = null!;
    private T[] _rstd = null!;
    private Tensor<T>? _weight;
    private int _m;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] inputs)
    {
        var x = inputs[0];
        string expected = Shapes.Str(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s < 1))
            throw new ArgumentException($"LayerNorm: normalizedShape {expected} must have at least one axis, each of size >= 1.");
        if (!T.IsFinite(eps) || eps < T.Zero)
            throw new ArgumentOutOfRangeException(nameof(eps), $"LayerNorm: eps must be finite and >= 0, got {eps}.");
        if (x.Rank < normalizedShape.Length || !x.Shape[(x.Rank - normalizedShape.Length)..].SequenceEqual(normalizedShape))
            throw new ArgumentException($"LayerNorm: input {x.ShapeString} must end with normalizedShape {expected}.");
        int at = 1;
        _weight = hasWeight ? inputs[at++] : null;
        if (_weight is not null) SaveForBackward(_weight);
        var bias = hasBias ? inputs[at++] : null;
        if (_weight is not null && !_weight.HasShape(normalizedShape))
            throw new ArgumentException($"LayerNorm: weight {_weight.ShapeString} must have normalizedShape {expected}.");
        if (bias is not null && !bias.HasShape(normalizedShape))
            throw new ArgumentException($"LayerNorm: bias {bias.ShapeString} must have normalizedShape {expected}.");

        _m = Shapes.Prod(normalizedShape, 0, normalizedShape.Length);
        int rows = x.Length / _m;
        _xhat = SavedBufferToWrite(x.ShapeArray); // every row written below
        _rstd = new T[rows];
        var y = new Tensor<T>(x.ShapeArray);
        ReadOnlySpan<T> src = x.AsSpan();
        Span<T> xh = _xhat.AsSpan(), dst = y.AsSpan();
        T m = T.CreateChecked(_m);
        for (int r = 0; r < rows; r++)
        {
            var row = xh.Slice(r * _m, _m);
            TP.Subtract(src.Slice(r * _m, _m), TP.Sum(src.Slice(r * _m, _m)) / m, row); // r − μ
            T variance = TP.SumOfSquares<T>(row) / m;
            _rstd[r] = T.One / T.Sqrt(variance + eps);
            TP.Multiply(row, _rstd[r], row);
            var yr = dst.Slice(r * _m, _m);
            if (_weight is not null) TP.Multiply(row, _weight.AsSpan(), yr); else row.CopyTo(yr);
            if (bias is not null) TP.Add(yr, bias.AsSpan(), yr);
        }
        return y;
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        int rows = _rstd.Length, at = 1;
        int wi = hasWeight ? at++ : -1, bi = hasBias ? at : -1;
        ReadOnlySpan<T> gs = g.AsSpan(), xh = _xhat.AsSpan();
        T m = T.CreateChecked(_m);
        if (wi >= 0 && grads.Needs(wi))
        {
            var dw = new Tensor<T>(normalizedShape);
            var d = dw.AsSpan();
            for (int r = 0; r < rows; r++) TP.MultiplyAdd(gs.Slice(r * _m, _m), xh.Slice(r * _m, _m), d, d);
            grads.Accumulate(wi, dw);
        }
        if (bi >= 0 && grads.Needs(bi)) grads.Accumulate(bi, g.Reshape(rows, _m).Sum(0).Reshape(normalizedShape));
        if (!grads.Needs(0)) return;
        var dx = new Tensor<T>(_xhat.ShapeArray);
        var o = dx.AsSpan();
        for (int r = 0; r < rows; r++)
        {
            var dr = o.Slice(r * _m, _m);
            var xr = xh.Slice(r * _m, _m);
            if (_weight is not null) TP.Multiply(gs.Slice(r * _m, _m), _weight.AsSpan(), dr); else gs.Slice(r * _m, _m).CopyTo(dr);
            T meanD = TP.Sum<T>(dr) / m, meanDx = TP.Dot<T>(dr, xr) / m;
            TP.Subtract(dr, meanD, dr);
            TP.MultiplyAdd(xr, -meanDx, dr, dr);                       // d − mean(d) − x̂·mean(d ⊙ x̂)
            TP.Multiply(dr, _rstd[r], dr);
        }
        grads.Accumulate(0, dx);
    }
}
