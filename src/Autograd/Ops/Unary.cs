using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;

// Pointwise functions: the local derivative is written next to the function, from the saved input x or output y.

/// <summary>e^x; d/dx = y.</summary>
public sealed class Exp<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _y = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_y = x[0].Exp()); return _y; }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g * _y);
}

/// <summary>ln x; d/dx = 1/x.</summary>
public sealed class Log<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _x = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_x = x[0]); return _x.Log(); }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g / _x);
}

/// <summary>tanh x; d/dx = 1 - y².</summary>
public sealed class Tanh<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _y = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_y = x[0].Tanh()); return _y; }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var d = new Tensor<T>(_y.ShapeArray);
        TP.Multiply<T>(_y.AsSpan(), _y.AsSpan(), d.AsSpan());      // y²
        TP.Subtract<T>(T.One, d.AsSpan(), d.AsSpan());             // 1 - y²
        TP.Multiply<T>(d.AsSpan(), g.AsSpan(), d.AsSpan());        // g (1 - y²)
        grads.Accumulate(0, d);
    }
}

/// <summary>σ(x) = 1/(1+e^-x); d/dx = y(1 - y).</summary>
public sealed class Sigmoid<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _y = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_y = x[0].Sigmoid()); return _y; }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var d = new Tensor<T>(_y.ShapeArray);
        TP.Multiply<T>(_y.AsSpan(), _y.AsSpan(), d.AsSpan());      // y²
        TP.Subtract<T>(_y.AsSpan(), d.AsSpan(), d.AsSpan());       // y - y² = y (1 - y)
        TP.Multiply<T>(d.AsSpan(), g.AsSpan(), d.AsSpan());        // g y (1 - y)
        grads.Accumulate(0, d);
    }
}

/// <summary>max(x, 0); d/dx = 1 where x &gt; 0, else 0.</summary>
public sealed class Relu<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _x = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_x = x[0]); return _x.Relu(); }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) =>
        grads.Accumulate(0, g * Tensor.Greater(_x, Tensor.Scalar(T.Zero)));
}

/// <summary>x²; d/dx = 2x.</summary>
public sealed class Square<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _x = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_x = x[0]); return _x.Square(); }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g * _x * T.CreateChecked(2));
}

/// <summary>x^p for a constant p; d/dx = p·x^(p-1).</summary>
/// <param name="p">The constant exponent.</param>
public sealed class Pow<T>(T p) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _x = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_x = x[0]); return _x.Pow(p); }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g * _x.Pow(p - T.One) * p);
}

/// <summary>√x; d/dx = 1/(2y).</summary>
public sealed class Sqrt<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _y = null!;
    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_y = x[0].Sqrt()); return _y; }
    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads) => grads.Accumulate(0, g / (_y * T.CreateChecked(2)));
}
