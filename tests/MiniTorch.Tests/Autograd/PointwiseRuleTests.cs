using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Autograd.Functions;
using MiniTorch.Testing;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// The primitive-rule framework: a user-defined rule works as an eager op like the built-in ones, and the named eager
/// ops are their rules (one definition of each derivative).
/// </summary>
public class PointwiseRuleTests
{
    /// <summary>softplus(x) = ln(1 + e^x), dy/dx = σ(x): the example from Pointwise.cs.</summary>
    private sealed class Softplus : UnaryRule<double>
    {
        public override string Name => "Softplus";
        public override void Forward(ReadOnlySpan<double> x, Span<double> y) { TP.Exp(x, y); TP.Add(y, 1.0, y); TP.Log(y, y); }
        public override void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> dx)
        { SpanMath.Sigmoid(x, dx); TP.Multiply(dx, g, dx); }
    }

    [Property(MaxTest = 50)]
    public Property AUserRuleIsAnOpWithACheckedGradient() =>
        Prop.ForAll(TensorArb.Tensor(), x => GradientProperty.Check(v => new Softplus().Apply(v[0]) * v[0], x));

    [Fact]
    public void AUserRuleComputesItsForwardAndIsNamedInTheGraph()
    {
        var x = Tensor.FromArray([-1.0, 0.0, 2.0], 3).RequiresGrad();
        var y = new Softplus().Apply(x);
        Assert.Equal("Softplus", y.GradFn!.Name);
        Assert.Equal(Math.Log(1 + Math.Exp(2.0)), y.Data[2], 14);
    }

    [Fact]
    public void TheNamedOpsRunTheirRules()
    {
        Assert.Same(TanhRule<double>.Instance, new Tanh<double>().Rule);
        Assert.Same(MulRule<float>.Instance, new Mul<float>().Rule);
        Assert.Equal("Tanh", new Tanh<double>().Name);
        Assert.Equal(0.5, ((ScaleRule<double>)new Scale<double>(0.5).Rule).Factor);
    }

    [Fact]
    public void ANullRuleIsRejected()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new UnaryFunction<double>(null!));
        Assert.Equal("rule", e.ParamName);
        Assert.Throws<ArgumentNullException>(() => new BinaryFunction<double>(null!));
    }

    [Fact]
    public void BroadcastingExpandsAnInnerBroadcastOperandOnEitherSide()
    {
        // (3, 1) * (3, 4): the left operand is one value per run; rank-0 * (2,) and (1,) / (1,) as well.
        var rng = new Rng(5);
        GradientProperty.Assert(v => v[0] * v[1], [rng.Normal<double>([3, 1]), rng.Normal<double>([3, 4])]);
        GradientProperty.Assert(v => v[1] / v[0], [rng.Normal<double>([3, 1]) + 4.0, rng.Normal<double>([3, 4])]);
        GradientProperty.Assert(v => v[0] * v[1], [rng.Normal<double>([]), rng.Normal<double>([2])]);
        GradientProperty.Assert(v => v[0] / v[1], [rng.Normal<double>([1]), rng.Normal<double>([1]) + 4.0]);
        var y = (Tensor.FromArray([2.0], 1).AsVariable() / Tensor.FromArray([4.0], 1).AsVariable()).Data;
        Assert.Equal(0.5, y.Item());
    }
}
