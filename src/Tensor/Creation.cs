using System.Numerics;

namespace MiniTorch;

/// <summary>Creation functions and kernels over <see cref="Tensor{T}"/> (PyTorch's <c>torch.*</c> namespace).</summary>
public static partial class Tensor
{
    /// <summary>A zero-filled tensor.</summary>
    /// <param name="shape">The size of each axis (none for a scalar).</param>
    /// <returns>A new tensor of zeros.</returns>
    /// <exception cref="ArgumentException">A size is negative or the element count overflows.</exception>
    public static Tensor<T> Zeros<T>(params int[] shape) where T : unmanaged, INumber<T> => new(shape);

    /// <summary>A tensor of ones.</summary>
    /// <param name="shape">The size of each axis (none for a scalar).</param>
    /// <returns>A new tensor of ones.</returns>
    /// <exception cref="ArgumentException">A size is negative or the element count overflows.</exception>
    public static Tensor<T> Ones<T>(params int[] shape) where T : unmanaged, INumber<T> => Full(T.One, shape);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    /// <param name="value">The value of every element.</param>
    /// <param name="shape">The size of each axis (none for a scalar).</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">A size is negative or the element count overflows.</exception>
    public static Tensor<T> Full<T>(T value, params int[] shape) where T : unmanaged, INumber<T>
    {
        var t = new Tensor<T>(shape);
        t.AsSpan().Fill(value); // a new tensor: version 0
        return t;
    }

    /// <summary>A zero-filled tensor with the shape of <paramref name="like"/>.</summary>
    /// <param name="like">The tensor whose shape is used.</param>
    /// <returns>A new tensor of zeros.</returns>
    public static Tensor<T> ZerosLike<T>(Tensor<T> like) where T : unmanaged, INumber<T> => new(like.ShapeArray);

    /// <summary>A rank-0 tensor holding <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>A new tensor of shape ().</returns>
    public static Tensor<T> Scalar<T>(T value) where T : unmanaged, INumber<T> => new(new[] { value }, 0, []);

    /// <summary>Wraps a copy of <paramref name="data"/> (row-major) with <paramref name="shape"/>; a 1-D tensor when no shape is given.</summary>
    /// <param name="data">The values in row-major order (copied).</param>
    /// <param name="shape">The size of each axis; their product must be <c>data.Length</c>.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The values do not fill the shape exactly.</exception>
    public static Tensor<T> FromArray<T>(T[] data, params int[] shape) where T : unmanaged, INumber<T>
    {
        if (shape.Length == 0) shape = [data.Length];
        int n = Shapes.Numel(shape, "FromArray");
        if (n != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {Shapes.Str(shape)} ({n} elements).");
        return new Tensor<T>((T[])data.Clone(), 0, (int[])shape.Clone());
    }

    /// <summary>Wraps a 2-D array.</summary>
    /// <param name="data">The rows and columns (copied).</param>
    /// <returns>A new tensor of shape (rows, columns).</returns>
    public static Tensor<T> FromArray<T>(T[,] data) where T : unmanaged, INumber<T>
    {
        int r = data.GetLength(0), c = data.GetLength(1);
        var t = new Tensor<T>(r, c);
        var s = t.AsSpan();
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) s[i * c + j] = data[i, j];
        return t;
    }

    /// <summary>Values start, start+step, ... below stop (as <c>torch.arange</c>).</summary>
    /// <param name="start">The first value.</param>
    /// <param name="stop">The bound the values stay below (above, for a negative step).</param>
    /// <param name="step">The spacing; not zero.</param>
    /// <returns>A new 1-D tensor.</returns>
    /// <exception cref="ArgumentException">The step is zero or NaN, or there would be too many values.</exception>
    public static Tensor<T> Arange<T>(double start, double stop, double step = 1) where T : unmanaged, INumber<T>
    {
        if (step == 0 || double.IsNaN(step)) throw new ArgumentException("Arange: step must be non-zero.");
        long n = Math.Max(0, (long)Math.Ceiling((stop - start) / step));
        if (n > Array.MaxLength) throw new ArgumentException($"Arange: {n} elements is too many.");
        var t = new Tensor<T>((int)n);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateChecked(start + i * step);
        return t;
    }

    /// <summary>0, 1, ..., n-1.</summary>
    /// <param name="n">The number of values.</param>
    /// <returns>A new 1-D tensor of length <paramref name="n"/>.</returns>
    public static Tensor<T> Arange<T>(int n) where T : unmanaged, INumber<T> => Arange<T>(0, n);

    /// <summary><paramref name="count"/> evenly spaced values from start to stop inclusive (as <c>torch.linspace</c>).</summary>
    /// <param name="start">The first value.</param>
    /// <param name="stop">The last value.</param>
    /// <param name="count">The number of values (at least 0).</param>
    /// <returns>A new 1-D tensor.</returns>
    /// <exception cref="ArgumentException">The count is negative.</exception>
    public static Tensor<T> Linspace<T>(double start, double stop, int count) where T : unmanaged, INumber<T>
    {
        if (count < 0) throw new ArgumentException($"Linspace: count must be >= 0, got {count}.");
        var t = new Tensor<T>(count);
        var s = t.AsSpan();
        double step = count > 1 ? (stop - start) / (count - 1) : 0;
        for (int i = 0; i < count; i++) s[i] = T.CreateChecked(i == count - 1 && count > 1 ? stop : start + i * step);
        return t;
    }

    /// <summary>Converts element type (e.g. float64 to float32).</summary>
    /// <param name="x">The tensor to convert.</param>
    /// <returns>A new tensor of the same shape (values rounded or truncated as the conversion of one element would).</returns>
    public static Tensor<TOut> Cast<TIn, TOut>(Tensor<TIn> x) where TIn : unmanaged, INumber<TIn> where TOut : unmanaged, INumber<TOut>
    {
        var y = new Tensor<TOut>(x.ShapeArray);
        var src = x.AsSpan(); var dst = y.AsSpan();
        for (int i = 0; i < src.Length; i++) dst[i] = TOut.CreateSaturating(src[i]);
        return y;
    }
}
