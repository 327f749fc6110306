using System.Numerics;

namespace MiniTorch.Reference;

/// <summary>
/// The hand-derived forward and backward passes of the CS231n recurrent-network layers (the seed document), on plain
/// tensors with no tape: each function is written from the seed's equations so it reads side by side with the numpy
/// original, and each backward is checked by the test suite against central differences and against tape autograd.
/// Forward functions return their output and a typed cache; backward functions take the upstream gradient and that
/// cache and return the gradients as a named record. Shapes follow the seed: N batch, T time steps, D input size,
/// H hidden size, V vocabulary size; LSTM gates are ordered i, f, o, g in one 4H axis.
/// Every function validates its arguments' shapes first and throws an <see cref="ArgumentException"/> naming the
/// function, the expected signature and the shapes it got.
/// </summary>
public static partial class Cs231n
{
    /// <summary>
    /// The numerically stable logistic sigmoid of CS231n's <c>rnn_layers.py</c>: 1 / (1 + e^-x) for x ≥ 0 and
    /// e^x / (1 + e^x) for x &lt; 0, so the exponential never overflows.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <returns>σ(x) elementwise, a new tensor of x's shape.</returns>
    public static Tensor<T> Sigmoid<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new Tensor<T>(x.ShapeArray);
        ReadOnlySpan<T> s = x.AsSpan();
        var d = y.AsSpan();
        for (int i = 0; i < s.Length; i++)
        {
            T v = s[i];
            if (v >= T.Zero) d[i] = T.One / (T.One + T.Exp(-v));
            else
            {
                T z = T.Exp(v);
                d[i] = z / (T.One + z);
            }
        }
        return y;
    }

    /// <summary>a · bᵀ for 2-D a (M,K) and b (N,K), without materialising the transpose (numpy's <c>a.dot(b.T)</c>).</summary>
    private static Tensor<T> DotT<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new Tensor<T>(a.Dim(0), b.Dim(0));
        Tensor.MatMulInto(a, false, b, true, c, accumulate: false);
        return c;
    }

    /// <summary>aᵀ · b for 2-D a (K,M) and b (K,N) (numpy's <c>a.T.dot(b)</c>).</summary>
    private static Tensor<T> TDot<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new Tensor<T>(a.Dim(1), b.Dim(1));
        Tensor.MatMulInto(a, true, b, false, c, accumulate: false);
        return c;
    }

    /// <summary>sum += term, where the first term becomes the sum (it is a fresh tensor owned by the caller).</summary>
    private static void Sum<T>(ref Tensor<T>? sum, Tensor<T> term) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (sum is null) sum = term;
        else Tensor.AddInPlace(sum, term);
    }

    /// <summary>Throws unless every entry of the (N, T) index tensor <paramref name="idx"/> lies in [0, <paramref name="count"/>).</summary>
    private static void CheckIndices(string op, string name, Tensor<int> idx, int count, string against)
    {
        ReadOnlySpan<int> s = idx.AsSpan();
        int steps = idx.Dim(1);
        for (int k = 0; k < s.Length; k++)
            if ((uint)s[k] >= (uint)count)
                throw new ArgumentOutOfRangeException(name, $"{op}: {name}[{k / steps}, {k % steps}] = {s[k]} is out of range [0, {count}) for {against}.");
    }

    /// <summary>Throws unless an upstream gradient has the shape of the forward output it belongs to.</summary>
    private static void CheckUpstream<T>(string op, string name, Tensor<T> grad, ReadOnlySpan<int> expected) where T : unmanaged, INumber<T>
    {
        if (!grad.HasShape(expected))
            throw new ArgumentException($"{op}: {name} has shape {grad.ShapeString} but the forward output it belongs to has shape {Shapes.Str(expected)}.");
    }
}
