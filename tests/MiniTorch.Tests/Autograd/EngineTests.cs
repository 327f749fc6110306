using MiniTorch.Autograd;

namespace MiniTorch.Tests.Autograd;

public class EngineTests
{
    [Fact]
    public void UsingAValueTwiceSumsItsGradients()
    {
        var a = Tensor.FromArray([1.0, -2.0, 3.0]).RequiresGrad();
        (a + a).Sum().Backward();
        Assert.Equal([2.0, 2.0, 2.0], a.Grad!.ToArray());

        var b = Tensor.FromArray([1.0, -2.0, 3.0]).RequiresGrad();
        (b * b).Sum().Backward();
        Assert.Equal([2.0, -4.0, 6.0], b.Grad!.ToArray());
    }

    [Fact]
    public void GradAccumulatesAcrossBackwardCallsUntilZeroGrad()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        (a * 3.0).Sum().Backward();
        (a * 3.0).Sum().Backward();
        Assert.Equal([6.0, 6.0], a.Grad!.ToArray());
        a.ZeroGrad();
        Assert.Equal([0.0, 0.0], a.Grad!.ToArray());
    }

    [Fact]
    public void SecondBackwardOverFreedGraphFailsUnlessRetained()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        var loss = a.Tanh().Sum();
        loss.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("retainGraph", ex.Message);

        var kept = a.Tanh().Sum();
        kept.Backward(retainGraph: true);
        kept.Backward();
    }

    [Fact]
    public void AChainOf100000OpsBackpropagates()
    {
        var a = Tensor.FromArray([0.5]).RequiresGrad();
        var y = a;
        for (int i = 0; i < 100_000; i++) y = y * 1.0;
        y.Sum().Backward();
        Assert.Equal(1.0, a.Grad!.Item());
    }

    [Fact]
    public void MatMulGradientMatchesCentralDifferences()
    {
        var rng = new Rng(1);
        var report = GradCheck.Run(v => v[0].MatMul(v[1]).Tanh(), [rng.Normal<double>([3, 4]), rng.Normal<double>([4, 5])]);
        report.AssertScaledErrorBelow(1e-7);
    }
}
