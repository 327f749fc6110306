using System.Numerics;

namespace MiniTorch.Autograd.Functions;

// Binary elementwise ops with numpy broadcasting. Each backward hands over a gradient in the output's (broadcast)
// shape; the engine sums it back to each input's shape.

/// <summary>a + b.</summary>
public sealed class Add<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0] + x[1];
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) { grads.Accumulate(0, g); grads.Accumulate(1, g); }
}

/// <summary>a - b.</summary>
public sealed class Sub<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0] - x[1];
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        grads.Accumulate(0, g);
        if (grads.Needs(1)) grads.Accumulate(1, -g);
    }
}

/// <summary>a * b (elementwise).</summary>
public sealed class Mul<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _a = null!, _b = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_a = x[0], _b = x[1]); return _a * _b; }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        if (grads.Needs(0)) grads.Accumulate(0, g * _b);
        if (grads.Needs(1)) grads.Accumulate(1, g * _a);
    }
}

/// <summary>a / b (elementwise).</summary>
public sealed class Div<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _b = null!, _y = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { _b = x[1]; _y = x[0] / x[1]; SaveForBackward(_b, _y); return _y; }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var gb = g / _b;                                // d(a/b)/da = 1/b
        grads.Accumulate(0, gb);
        if (grads.Needs(1)) grads.Accumulate(1, -(gb * _y)); // d(a/b)/db = -a/b² = -(1/b)(a/b)
    }
}

/// <summary>x * s for a constant scalar s.</summary>
/// <param name="s">The constant factor.</param>
public sealed class Scale<T>(T s) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0] * s;
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g * s);
}

/// <summary>x + s for a constant scalar s.</summary>
/// <param name="s">The constant added.</param>
public sealed class AddScalar<T>(T s) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) => x[0] + s;
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g);
}

