using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Autograd.Functions;
using MiniTorch.Autograd.Fusion;
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

    /// <summary>y = 3a + b: constant derivatives 3 and 1, so Backward is never called (it throws to prove it).</summary>
    private sealed class ThreeAPlusB : BinaryRule<double>
    {
        public override string Name => "ThreeAPlusB";
        public override string Symbol => "3*+";
        public override RuleUses Uses => RuleUses.None;
        public override void Forward(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) { TP.Multiply(a, 3.0, y); TP.Add(y, b, y); }
        public override void Backward(int operand, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> d) =>
            throw new InvalidOperationException("a constant derivative is applied without calling Backward");
        public override bool HasConstantDerivative(int operand, out double value) { value = operand == 0 ? 3.0 : 1.0; return true; }
    }

    /// <summary>y = 3x: the constant derivative 3.</summary>
    private sealed class Triple : UnaryRule<double>
    {
        public override string Name => "Triple";
        public override RuleUses Uses => RuleUses.None;
        public override bool IsCheap => true;
        public override void Forward(ReadOnlySpan<double> x, Span<double> y) => TP.Multiply(x, 3.0, y);
        public override void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> dx) =>
            throw new InvalidOperationException("a constant derivative is applied without calling Backward");
        public override bool HasConstantDerivative(out double value) { value = 3.0; return true; }
    }

    [Fact]
    public void AUserRuleWithAConstantDerivativeOtherThanOneScalesTheGradientEagerAndFused()
    {
        // The constant-derivative path multiplies the upstream gradient by the constant (3 here; the built-in rules
        // only have ±1 and scale factors). Fused, a value reached twice gets its first contribution written and the
        // next ones added, both scaled: a feeds R twice through operand 0 and once through operand 1.
        var rule = new ThreeAPlusB();
        var triple = new Triple();
        Variable<double> F(Variable<double> a, Variable<double> b) =>
            rule.Apply(a, rule.Apply(a, b)) + rule.Apply(rule.Apply(a, b), a) + triple.Apply(b) + triple.Apply(triple.Apply(a));
        var rng = new Rng(31);
        Tensor<double>[] args = [rng.Normal<double>([3, 4]), rng.Normal<double>([4])];
        GradientProperty.Assert(v => F(v[0], v[1]), args);
        var fused = Fuse.Pointwise<double>(F);
        GradientProperty.Assert(v => fused(v[0], v[1]), args);
        // And exactly: F = (6a + b) + (10a + 3b) + 3b + 9a, so dF/da = 25 and dF/db = 7 everywhere.
        foreach (var f in new Func<Variable<double>, Variable<double>, Variable<double>>[] { F, fused })
        {
            var a = rng.Normal<double>([2, 3]).RequiresGrad();
            var b = rng.Normal<double>([2, 3]).RequiresGrad();
            f(a, b).Sum().Backward();
            Assert.All(a.Grad!.ToArray(), g => Assert.Equal(25.0, g));
            Assert.All(b.Grad!.ToArray(), g => Assert.Equal(7.0, g));
        }
    }

    [Fact]
    public void BroadcastingWalksSeveralOuterAxesThatDoNotMerge()
    {
        // (2, 1, 3, 1) * (1, 4, 1, 5): no two adjacent axes merge, so the runs are 5 wide and the odometer over the
        // three outer axes wraps at every level. Values against a loop, gradients against central differences.
        var rng = new Rng(41);
        var a = rng.Normal<double>([2, 1, 3, 1]);
        var b = rng.Normal<double>([1, 4, 1, 5]);
        var y = (a.AsVariable() * b.AsVariable()).Data;
        Assert.Equal([2, 4, 3, 5], y.ShapeArray);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < 3; k++)
                    for (int l = 0; l < 5; l++)
                        Assert.Equal(a[i, 0, k, 0] * b[0, j, 0, l], y[i, j, k, l]);
        GradientProperty.Assert(v => v[0] * v[1], [a, b]);
        GradientProperty.Assert(v => v[1] - v[0], [rng.Normal<double>([3, 1, 2]), rng.Normal<double>([1, 4, 2])]);
    }

    [Fact]
    public void BroadcastingAnEmptyInnerAxisGivesAnEmptyResult()
    {
        // (2, 0) + (0,): the runs are zero wide, so there are none (not a division by zero).
        var x = new Tensor<double>(2, 0).AsVariable();
        var y = x + new Tensor<double>(0).AsVariable();
        Assert.Equal([2, 0], y.Data.ShapeArray);
        Assert.Equal([3, 0], (new Tensor<double>(3, 1).AsVariable() * new Tensor<double>(1, 0).AsVariable()).Data.ShapeArray);
    }

    /// <summary>y = exp(a + b): both derivatives are y itself, so Backward reads only the result (the operands arrive empty).</summary>
    private sealed class ExpSum : BinaryRule<double>
    {
        public override string Name => "ExpSum";
        public override string Symbol => "e+";
        public override RuleUses Uses => RuleUses.Output;
        public override bool IsCheap => false;
        public override void Forward(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) { TP.Add(a, b, y); TP.Exp(y, y); }
        public override void Backward(int operand, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> d)
        {
            Assert.True(a.IsEmpty && b.IsEmpty);
            TP.Multiply(y, g, d);
        }
    }

    [Fact]
    public void ARuleThatReadsOnlyItsResultGetsNoOperandsEagerAndFused()
    {
        var rule = new ExpSum();
        var rng = new Rng(17);
        Tensor<double>[] args = [rng.Normal<double>([3, 4]), rng.Normal<double>([4])];
        GradientProperty.Assert(v => rule.Apply(v[0], v[1]), args);
        var fused = Fuse.Pointwise<double>((a, b) => rule.Apply(a, b));
        GradientProperty.Assert(v => fused(v[0], v[1]), args);
    }
}
