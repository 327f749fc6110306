using System.Numerics;

namespace MiniTorch.Autograd.Functions;

/// <summary>Sum of all elements (a rank-0 result) or over one axis; backward broadcasts the gradient back.</summary>
/// <param name="axis">The axis to reduce (negative counts from the end), or null for all elements.</param>
/// <param name="keepDim">Whether the reduced axis stays, with size 1.</param>
public sealed class Sum<T>(int? axis = null, bool keepDim = false) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _shape = null!;
    private int _axis;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        _shape = x[0].ShapeArray;
        if (axis is null) return Tensor.Scalar(x[0].SumAll());
        _axis = Shapes.Axis(axis.Value, x[0].Rank, "Sum");
        return x[0].Sum(_axis, keepDim);
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) =>
        grads.Accumulate(0, (axis is null || keepDim ? g : g.Unsqueeze(_axis)).BroadcastTo(_shape));
}

/// <summary>Mean of all elements or over one axis: a sum scaled by 1/n.</summary>
/// <param name="axis">The axis to reduce (negative counts from the end), or null for all elements.</param>
/// <param name="keepDim">Whether the reduced axis stays, with size 1.</param>
public sealed class Mean<T>(int? axis = null, bool keepDim = false) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _shape = null!;
    private int _axis;
    private T _scale;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        _shape = x[0].ShapeArray;
        if (axis is null)
        {
            _scale = T.One / T.CreateChecked(x[0].Length);
            return Tensor.Scalar(x[0].MeanAll());
        }
        _axis = Shapes.Axis(axis.Value, x[0].Rank, "Mean");
        _scale = T.One / T.CreateChecked(x[0].Shape[_axis]);
        return x[0].Mean(_axis, keepDim);
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) =>
        grads.Accumulate(0, (axis is null || keepDim ? g : g.Unsqueeze(_axis)).BroadcastTo(_shape) * _scale);
}
