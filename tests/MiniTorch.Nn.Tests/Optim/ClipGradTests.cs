using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Optim.OptimTestKit;

namespace MiniTorch.Nn.Tests.Optim;

public class ClipGradTests
{
    [Fact]
    public void ValueClampsElementwiseLikeNpClip()
    {
        var a = Param(0, 0, 0, 0);
        var b = Param(0, 0);
        var c = Param(0);                       // no gradient: skipped
        SetGrad(a, -7.5, -5, 4.99, 12);
        SetGrad(b, double.NaN, 5.0000001);
        ClipGrad.Value([a, b, c], -5, 5);
        Assert.Equal([-5.0, -5.0, 4.99, 5.0], a.Grad!.ToArray());
        Assert.True(double.IsNaN(b.Grad![0]));
        Assert.Equal(5.0, b.Grad![1]);
        Assert.Null(c.Grad);
    }

    [Fact]
    public void SymmetricValueOverloadAndFloat32()
    {
        var p = ParamF(0, 0, 0);
        SetGrad(p, -3f, 0.5f, 2.5f);
        ClipGrad.Value([p], 1);
        Assert.Equal([-1f, 0.5f, 1f], p.Grad!.ToArray());
    }

    [Fact]
    public void ValueRejectsAnEmptyRange()
    {
        var ex = Assert.Throws<ArgumentException>(() => ClipGrad.Value([Param(1)], 5, -5));
        Assert.Contains("ClipGrad.Value: invalid range [5, -5]", ex.Message);
        Assert.Throws<ArgumentException>(() => ClipGrad.Value([Param(1)], -1));
    }

    [Fact]
    public void NormRescalesAllGradientsTogetherAndReturnsTheNormBefore()
    {
        // Global norm of (3, 4) and (12) = √(9 + 16 + 144) = 13; factor = 2.6/(13 + 1e-6).
        var a = Param(0, 0);
        var b = Param(0);
        var c = Param(0);                       // no gradient: skipped
        SetGrad(a, 3, 4);
        SetGrad(b, 12);
        double total = ClipGrad.Norm([a, b, c], 2.6);
        Assert.Equal(13.0, total, 12);
        double f = 2.6 / (13 + 1e-6);
        Close([3 * f, 4 * f], a.Grad!.ToArray());
        Close([12 * f], b.Grad!.ToArray());
        double after = Math.Sqrt(a.Grad!.ToArray().Concat(b.Grad!.ToArray()).Sum(x => x * x));
        Assert.True(after <= 2.6);
    }

    [Fact]
    public void NormBelowTheMaximumLeavesGradientsUntouched()
    {
        var a = Param(0, 0);
        SetGrad(a, 0.3, -0.4);
        Assert.Equal(0.5, ClipGrad.Norm([a], 1.0), 14);
        Assert.Equal([0.3, -0.4], a.Grad!.ToArray());
    }

    [Fact]
    public void InfinityNormUsesTheLargestMagnitude()
    {
        var a = Param(0, 0);
        var b = Param(0);
        SetGrad(a, 1, -8);
        SetGrad(b, 2);
        Assert.Equal(8.0, ClipGrad.Norm([a, b], 4, double.PositiveInfinity));
        double f = 4 / (8 + 1e-6);
        Close([f, -8 * f], a.Grad!.ToArray());
        Close([2 * f], b.Grad!.ToArray());
    }

    [Fact]
    public void NonFiniteNormThrowsOnRequestBeforeChangingAnything()
    {
        var a = Param(0, 0);
        SetGrad(a, double.PositiveInfinity, 1);
        var ex = Assert.Throws<InvalidOperationException>(() => ClipGrad.Norm([a], 1, errorIfNonFinite: true));
        Assert.Contains("ClipGrad.Norm", ex.Message);
        Assert.Equal([double.PositiveInfinity, 1.0], a.Grad!.ToArray());
    }

    [Theory]
    [InlineData(-1.0, 2.0, "invalid max norm -1")]
    [InlineData(double.NaN, 2.0, "invalid max norm NaN")]
    [InlineData(1.0, 1.0, "unsupported norm type 1")]
    public void NormRejectsBadArguments(double maxNorm, double normType, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => ClipGrad.Norm([Param(1)], maxNorm, normType));
        Assert.Contains(fragment, ex.Message);
    }
}
