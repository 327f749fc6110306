using System.Numerics;

namespace MiniTorch.Testing;

/// <summary>Two shapes that broadcast together under numpy's rules (aligned at the right; sizes equal or 1).</summary>
/// <param name="A">The left operand's shape.</param>
/// <param name="B">The right operand's shape (its rank may differ from <paramref name="A"/>'s).</param>
public sealed record BroadcastShapes(int[] A, int[] B)
{
    /// <summary>The broadcast result shape.</summary>
    public int[] Result => Shapes.Broadcast(A, B, "BroadcastShapes");

    /// <summary>For example <c>(2, 1, 3) with (4, 1)</c>.</summary>
    /// <returns>Both shapes as text.</returns>
    public override string ToString() => $"{Shapes.Str(A)} with {Shapes.Str(B)}";
}

/// <summary>Two float64 tensors whose shapes broadcast together (operands of Add, Sub, Mul, Div, ...).</summary>
/// <param name="A">The left operand.</param>
/// <param name="B">The right operand.</param>
public sealed record TensorPair(Tensor<double> A, Tensor<double> B)
{
    /// <summary>Both tensors, for <see cref="GradientProperty.Check(Func{MiniTorch.Autograd.Variable{double}[], MiniTorch.Autograd.Variable{double}}, Tensor{double}[])"/>.</summary>
    public Tensor<double>[] Both => [A, B];

    /// <summary>Both tensors with their values, one per line.</summary>
    /// <returns>Both tensors as text.</returns>
    public override string ToString() => $"A = {A}\nB = {B}";
}

/// <summary>The sizes of a matrix product (M,K)·(K,N).</summary>
/// <param name="M">Rows of the left operand.</param>
/// <param name="K">The contracted size.</param>
/// <param name="N">Columns of the right operand.</param>
public sealed record MatMulSizes(int M, int K, int N)
{
    /// <summary>For example <c>(3, 5)·(5, 2)</c>.</summary>
    /// <returns>The sizes as text.</returns>
    public override string ToString() => $"({M}, {K})·({K}, {N})";
}

/// <summary>
/// A shape change that keeps part of a tensor: drop an axis (keeping the slice at <paramref name="Start"/>) or cut it to
/// <paramref name="NewSize"/> elements from <paramref name="Start"/> on.
/// </summary>
/// <param name="Axis">The axis changed.</param>
/// <param name="NewSize">The new size, or -1 to drop the axis.</param>
/// <param name="Start">The first index kept.</param>
internal readonly record struct ShapeEdit(int Axis, int NewSize, int Start = 0)
{
    public int[] Apply(int[] shape)
    {
        var s = shape.ToList();
        if (NewSize < 0) s.RemoveAt(Axis); else s[Axis] = NewSize;
        return s.ToArray();
    }

    public Tensor<T> Apply<T>(Tensor<T> x) where T : unmanaged, INumber<T> =>
        (NewSize < 0 ? x.Select(Axis, Start) : x.Narrow(Axis, Start, NewSize)).Clone();
}
