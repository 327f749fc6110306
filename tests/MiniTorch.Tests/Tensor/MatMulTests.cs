namespace MiniTorch.Tests.TensorTests;

/// <summary>The tensor wrappers over <see cref="Gemm"/>: shapes, batching, transposed forms and their errors.</summary>
public class MatMulTests
{
    /// <summary>op(A)·op(B) of 2-D tensors by a float64 triple loop.</summary>
    private static double[,] Naive(Tensor<double> a, bool ta, Tensor<double> b, bool tb)
    {
        int m = ta ? a.Dim(1) : a.Dim(0), k = ta ? a.Dim(0) : a.Dim(1), n = tb ? b.Dim(0) : b.Dim(1);
        var r = new double[m, n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++)
                    r[i, j] += (ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]);
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
    public void MatMulMatchesTheTripleLoopFor2DAndBothBatchedForms()
    {
        var rng = new Rng(3);
        var a = rng.Normal<double>([5, 7]);
        var b = rng.Normal<double>([7, 4]);
        AssertClose(Naive(a, false, b, false), a.MatMul(b));

        var a3 = rng.Normal<double>([3, 5, 7]);
        var shared = a3.MatMul(b);
        var b3 = rng.Normal<double>([3, 7, 4]);
        var batched = a3.MatMul(b3);
        Assert.Equal([3, 5, 4], shared.ShapeArray);
        Assert.Equal([3, 5, 4], batched.ShapeArray);
        for (int i = 0; i < 3; i++)
        {
            AssertClose(Naive(a3.Select(0, i), false, b, false), shared.Select(0, i));
            AssertClose(Naive(a3.Select(0, i), false, b3.Select(0, i), false), batched.Select(0, i));
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatMulIntoComputesTransposedFormsAndAccumulates(bool ta, bool tb)
    {
        var rng = new Rng(4);
        var a = rng.Normal<double>(ta ? [6, 5] : [5, 6]);
        var b = rng.Normal<double>(tb ? [3, 6] : [6, 3]);
        var c = new Tensor<double>(5, 3);
        Tensor.MatMulInto(a, ta, b, tb, c, accumulate: false);
        var expected = Naive(a, ta, b, tb);
        AssertClose(expected, c);
        Tensor.MatMulInto(a, ta, b, tb, c, accumulate: true);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 3; j++) expected[i, j] *= 2;
        AssertClose(expected, c);
    }

    [Fact]
    public void MatMulRejectsShapesThatDoNotMultiply()
    {
        var e = Assert.Throws<ArgumentException>(() => new Tensor<float>(2, 3).MatMul(new Tensor<float>(4, 5)));
        Assert.Contains("MatMul", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Tensor<float>(3).MatMul(new Tensor<float>(3, 2)));
        Assert.Contains("(3,)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Tensor<float>(2, 3, 4).MatMul(new Tensor<float>(3, 4, 5)));
        Assert.Contains("(2, 3, 4)", e.Message);
        Assert.Contains("(3, 4, 5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Tensor<float>(3, 4).MatMul(new Tensor<float>(2, 4, 5)));
        Assert.Contains("(2, 4, 5)", e.Message);
    }

    [Fact]
    public void MatMulIntoRejectsBadShapesAndAliasingWithoutWriting()
    {
        var a = new Tensor<double>(2, 3);
        var b = new Tensor<double>(3, 4);
        var c = Tensor.Full(9.0, 2, 4);

        var e = Assert.Throws<ArgumentException>(() => Tensor.MatMulInto(a, false, b, false, new Tensor<double>(2, 5), false));
        Assert.Contains("MatMulInto", e.Message);
        Assert.Contains("(2, 5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.MatMulInto(a, true, b, false, c, false));
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
