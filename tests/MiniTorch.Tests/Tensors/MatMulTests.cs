namespace MiniTorch.Tests.Tensors;

/// <summary>
/// The tensor wrappers over <see cref="Gemm"/>: batched forms and the shape and aliasing errors not already in
/// BadInputTests (2-D and transposed products are checked in ForwardTests).
/// </summary>
public class MatMulTests
{
    /// <summary>A·B of 2-D tensors by a float64 triple loop.</summary>
    private static double[,] Naive(Tensor<double> a, Tensor<double> b)
    {
        int m = a.Dim(0), k = a.Dim(1), n = b.Dim(1);
        var r = new double[m, n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) r[i, j] += a[i, p] * b[p, j];
        return r;
    }

    private static void AssertClose(double[,] expected, Tensor<double> actual)
    {
        Assert.Equal([expected.GetLength(0), expected.GetLength(1)], actual.ShapeArray);
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.Equal(expected[i, j], actual[i, j], 1e-12);
    }

    [Fact]
    public void BatchedFormsMatchTheTripleLoopPerBatch()
    {
        // (…,M,K)·(K,N) runs as one (B·M,K)·(K,N) product; (…,M,K)·(…,K,N) as one product per batch entry.
        var rng = new Rng(3);
        var a3 = rng.Normal<double>([3, 5, 7]);
        var b = rng.Normal<double>([7, 4]);
        var b3 = rng.Normal<double>([3, 7, 4]);
        var shared = a3.MatMul(b);
        var batched = a3.MatMul(b3);
        Assert.Equal([3, 5, 4], shared.ShapeArray);
        Assert.Equal([3, 5, 4], batched.ShapeArray);
        for (int i = 0; i < 3; i++)
        {
            AssertClose(Naive(a3.Select(0, i), b), shared.Select(0, i));
            AssertClose(Naive(a3.Select(0, i), b3.Select(0, i)), batched.Select(0, i));
        }
    }

    [Fact]
    public void MatMulRejectsARightOperandWithMoreAxes()
    {
        // (Inner-size, vector and batch mismatches are in BadInputTests.)
        var e = Assert.Throws<ArgumentException>(() => new Tensor<float>(3, 4).MatMul(new Tensor<float>(2, 4, 5)));
        Assert.Contains("MatMul", e.Message);
        Assert.Contains("(3, 4)", e.Message);
        Assert.Contains("(2, 4, 5)", e.Message);
    }

    [Fact]
    public void MatMulIntoRejectsBadShapesAndAliasingWithoutWriting()
    {
        var a = new Tensor<double>(2, 3);
        var b = new Tensor<double>(3, 4);
        var c = Tensor.Full(9.0, 2, 4);

        var e = Assert.Throws<ArgumentException>(() => Tensor.MatMulInto(a, true, b, false, c, false));
        Assert.Contains("MatMulInto", e.Message);
        Assert.Contains("transpose of (2, 3)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.MatMulInto(a, false, b, true, c, false));
        Assert.Contains("transpose of (3, 4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.MatMulInto(a, false, new Tensor<double>(1, 3, 4), false, c, false));
        Assert.Contains("(1, 3, 4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.MatMulInto(new Tensor<double>(1, 3, 2), true, b, false, c, false));
        Assert.Contains("must be 2-D", e.Message);
        Assert.All(c.ToArray(), x => Assert.Equal(9.0, x));

        var square = Tensor.Full(1.0, 3, 3);
        e = Assert.Throws<ArgumentException>(() => Tensor.MatMulInto(square, false, new Tensor<double>(3, 3), false, square, true));
        Assert.Contains("shares memory", e.Message);
        Assert.All(square.ToArray(), x => Assert.Equal(1.0, x));
    }
}
