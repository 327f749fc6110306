using MiniTorch.Autograd;

namespace MiniTorch.Tests.Autograd;

public class GradCheckOnVariablesTests
{
    [Fact]
    public void ChecksExistingLeavesAndRestoresTheirValuesAndGrads()
    {
        var rng = new Rng(5);
        var w = rng.Normal<double>([3, 2]).RequiresGrad("w");
        var x = rng.Normal<double>([4, 3]).AsVariable();
        var before = w.Data.ToArray();
        w.Grad = Tensor.Full(7.0, 3, 2);
        var report = GradCheck.Run(() => x.MatMul(w).Tanh(), [w]);
        Assert.True(report.MaxScaledError < 1e-7, report.ToString());
        Assert.Equal(before, w.Data.ToArray());
        Assert.Equal(Enumerable.Repeat(7.0, 6), w.Grad!.ToArray());
    }

    [Fact]
    public void AWrongGradientIsReported()
    {
        var w = Tensor.FromArray([0.5, -1.5]).RequiresGrad("w");
        // Mul's backward is right; scaling the forward by 2 only in grad mode makes the tape disagree with the numbers.
        var report = GradCheck.Run(() => GradMode.IsEnabled ? w * 2.0 : w * 1.0, [w]);
        Assert.True(report.MaxScaledError > 0.5);
    }

    [Fact]
    public void RejectsNonLeavesAndDuplicates()
    {
        var w = Tensor.FromArray([1.0]).RequiresGrad("w");
        Assert.Contains("leaf", Assert.Throws<ArgumentException>(() => GradCheck.Run(() => w * 2.0, [w * 3.0])).Message);
        Assert.Contains("same variable", Assert.Throws<ArgumentException>(() => GradCheck.Run(() => w * 2.0, [w, w])).Message);
        Assert.Contains("leaf", Assert.Throws<ArgumentException>(() => GradCheck.Run(() => w * 2.0, [Tensor.FromArray([1.0]).AsVariable()])).Message);
    }
}
