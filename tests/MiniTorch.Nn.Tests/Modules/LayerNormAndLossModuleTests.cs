using MiniTorch.Autograd;

namespace MiniTorch.Nn.Tests.Modules;

/// <summary>The LayerNorm module and the loss modules: PyTorch's parameters and defaults, agreement with the functions, bad arguments.</summary>
public class LayerNormAndLossModuleTests
{
    [Fact]
    public void LayerNormHasPyTorchsParametersAndInitialisation()
    {
        var ln = new LayerNorm<double>([2, 3]);
        Assert.Equal([("weight", "(2, 3)"), ("bias", "(2, 3)")], ln.NamedParameters().Select(p => (p.Name, p.Parameter.Data.ShapeString)));
        Assert.Equal(Enumerable.Repeat(1.0, 6), ln.Weight!.Data.ToArray());
        Assert.Equal(new double[6], ln.Bias!.Data.ToArray());
        Assert.Equal(1e-5, ln.Eps);
        Assert.Empty(new LayerNorm<double>(4, elementwiseAffine: false).NamedParameters());
        Assert.Equal(["weight"], new LayerNorm<double>(4, bias: false).NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void LayerNormModuleEqualsTheOpAndTrainsItsParameters()
    {
        var rng = new Rng(4);
        var ln = new LayerNorm<double>(5, eps: 1e-3);
        ln.Weight!.Data.CopyFrom(rng.Normal<double>([5]));
        ln.Bias!.Data.CopyFrom(rng.Normal<double>([5]));
        var x = rng.Normal<double>([3, 4, 5]).AsVariable();
        var y = ln.Forward(x);
        Assert.Equal(x.LayerNorm([5], ln.Weight, ln.Bias, 1e-3).Data.ToArray(), y.Data.ToArray());
        y.Sum().Backward();
        Assert.NotNull(ln.Weight.Grad);
        Assert.Equal(Enumerable.Repeat(12.0, 5), ln.Bias.Grad!.ToArray()); // d Σy / d bias = number of rows
    }

    [Fact]
    public void LayerNormFloat32AgreesWithFloat64()
    {
        var x = new Rng(6).Normal<double>([4, 7], 3, 2);
        var y64 = x.AsVariable().LayerNorm([7]).Data;
        var y32 = Tensor.Cast<double, float>(x).AsVariable().LayerNorm([7]).Data;
        Assert.True((Tensor.Cast<float, double>(y32) - y64).Abs().MaxAll() < 2e-6);
    }

    [Theory]
    [InlineData(0, 1e-5, "normalizedShape must be at least 1, got 0")]
    [InlineData(3, -1.0, "eps must be finite and >= 0, got -1")]
    [InlineData(3, double.NaN, "eps must be finite and >= 0, got NaN")]
    public void LayerNormRejectsBadArguments(int size, double eps, string fragment)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new LayerNorm<double>(size, eps));
        Assert.StartsWith("LayerNorm:", ex.Message);
        Assert.Contains(fragment, ex.Message);
        Assert.Contains("at least one axis", Assert.ThrowsAny<ArgumentException>(() => new LayerNorm<double>(Array.Empty<int>())).Message);
        Assert.Contains("LayerNorm: input (2, 4) must end with normalizedShape (3,)",
            Assert.ThrowsAny<ArgumentException>(() => new LayerNorm<double>(3).Forward(new Tensor<double>(2, 4).AsVariable())).Message);
    }

    [Fact]
    public void LossModulesEqualTheFunctionsAndCopyTheirConstants()
    {
        var rng = new Rng(8);
        var x = rng.Normal<double>([3, 4]).AsVariable();
        var t = rng.Uniform<double>([3, 4]);
        var pw = Tensor.FromArray([1.0, 2, 3, 4]);
        var bce = new BceWithLogitsLoss<double>(Reduction.Sum, pw);
        pw.Fill(100);                                           // the module kept its own copy
        Assert.Equal(Functional.BinaryCrossEntropyWithLogits(x, t, Tensor.FromArray([1.0, 2, 3, 4]), Reduction.Sum).Item(), bce.Forward(x, t).Item());
        Assert.Equal(Functional.MseLoss(x, t.AsVariable()).Item(), new MseLoss<double>().Forward(x, t.AsVariable()).Item());
        var target = Tensor.FromArray([0, 3, -1]);
        var nll = new NllLoss<double>(ignoreIndex: -1);
        Assert.Equal(Functional.NllLoss(x.LogSoftmax(), target, ignoreIndex: -1).Item(), nll.Forward(x.LogSoftmax(), target).Item());
    }

    [Fact]
    public void LossModulesRejectBatchMean()
    {
        Assert.Contains("MseLoss: reduction BatchMean is not supported", Assert.ThrowsAny<ArgumentException>(() => new MseLoss<double>(Reduction.BatchMean)).Message);
        Assert.Contains("BceWithLogitsLoss: reduction BatchMean", Assert.ThrowsAny<ArgumentException>(() => new BceWithLogitsLoss<double>(Reduction.BatchMean)).Message);
        Assert.Contains("NllLoss: reduction BatchMean", Assert.ThrowsAny<ArgumentException>(() => new NllLoss<double>(reduction: Reduction.BatchMean)).Message);
    }
}
