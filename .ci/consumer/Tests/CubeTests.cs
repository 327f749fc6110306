using FsCheck;
using FsCheck.Xunit;
using MiniTorch;
using MiniTorch.Autograd;
using MiniTorch.Nn;
using MiniTorch.Testing;
using Xunit;

namespace Consumer.Tests;

/// <summary>A user-written op: y = x³, dy/dx = 3x².</summary>
internal sealed class Cube : Function<double>
{
    private Tensor<double> _x = null!;

    protected override Tensor<double> Forward(Tensor<double>[] inputs)
    {
        _x = inputs[0];
        return _x * _x * _x;
    }

    protected override void Backward(Tensor<double> gradOutput, Gradients<double> grads) =>
        grads.Accumulate(0, gradOutput * _x * _x * 3.0);
}

public class CubeTests
{
    [Property(Arbitrary = [typeof(MiniTorchArbitraries)], MaxTest = 30)]
    public Property CubeGradientMatchesCentralDifferences(Tensor<double> x) =>
        GradientProperty.Check(v => new Cube().Apply(v[0]), x);

    [Fact]
    public void LinearParametersPassGradCheck()
    {
        var rng = new Rng(3);
        var layer = new Linear<double>(3, 2, rng);
        var x = rng.Normal<double>([4, 3]).AsVariable();
        var report = GradCheck.Run(() => layer.Forward(x).Tanh(), layer.Parameters().ToList());
        Assert.Equal(2, report.Inputs.Count);
        Assert.True(report.MaxScaledError < 1e-7, report.ToString());
    }
}
