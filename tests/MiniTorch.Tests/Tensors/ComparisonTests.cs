namespace MiniTorch.Tests.Tensors;

public class ComparisonTests
{
    [Fact]
    public void AllCloseUsesAbsoluteAndRelativeTolerance()
    {
        var a = Tensor.FromArray([1.0, 100.0, 0.0]);
        Assert.True(Tensor.AllClose(a, Tensor.FromArray([1.0 + 1e-6, 100.0 + 1e-4, 1e-9])));
        Assert.False(Tensor.AllClose(a, Tensor.FromArray([1.0 + 1e-4, 100.0, 0.0])));          // 1e-4 > 1e-8 + 1e-5·1
        Assert.False(Tensor.AllClose(a, Tensor.FromArray([1.0, 100.0, 1e-7])));                // 1e-7 > atol
        Assert.True(Tensor.AllClose(a, Tensor.FromArray([1.0, 100.0, 1e-7]), atol: 1e-6));
    }

    [Fact]
    public void AllCloseHandlesShapesInfinitiesAndNaN()
    {
        Assert.False(Tensor.AllClose(Tensor.Zeros<float>(2, 3), Tensor.Zeros<float>(3, 2)));
        var inf = Tensor.FromArray([double.PositiveInfinity, double.NaN]);
        Assert.False(Tensor.AllClose(inf, inf));
        Assert.True(Tensor.AllClose(inf, inf, equalNaN: true));
        Assert.False(Tensor.AllClose(Tensor.FromArray([double.PositiveInfinity]), Tensor.FromArray([double.NegativeInfinity])));
        Assert.Contains("rtol", Assert.Throws<ArgumentException>(() => Tensor.AllClose(inf, inf, rtol: -1)).Message);
    }

    [Fact]
    public void MaxAbsDiffIsTheLargestElementwiseGap()
    {
        Assert.Equal(2.5, Tensor.MaxAbsDiff(Tensor.FromArray([1.0, -2.0, 3.0]), Tensor.FromArray([1.5, 0.5, 3.0])));
        Assert.True(double.IsNaN(Tensor.MaxAbsDiff(Tensor.FromArray([double.NaN]), Tensor.FromArray([0.0]))));
        Assert.Contains("(2, 3)", Assert.Throws<ArgumentException>(() => Tensor.MaxAbsDiff(Tensor.Zeros<float>(2, 3), Tensor.Zeros<float>(3))).Message);
    }
}
