using MiniTorch.Autograd;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// The eager op of a pointwise rule saves exactly what the rule's backward reads (<c>RuleUses</c>), so only a change to
/// that value is a version error (PyTorch's rule): tanh reads its output, square and products their inputs, a sum
/// neither, a quotient both. A change to a value the backward does not read, announced with MarkModified, is allowed
/// and the gradient is the one of the values at forward time.
/// </summary>
public class PointwiseSavedValuesTests
{
    private static Variable<double> Leaf(string name, params double[] values) => Tensor.FromArray(values).RequiresGrad(name);

    private static void Change(Tensor<double> t)
    {
        t.AsSpan()[0] += 10.0;
        t.MarkModified();
    }

    private static void AssertVersionError(string op, Variable<double> loss)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains(op, ex.Message);
        Assert.Contains("modified in place", ex.Message);
    }

    [Fact]
    public void AnOpWhoseRuleReadsOnlyItsOutputDoesNotSaveItsInput()
    {
        var x = Leaf("x", 0.3, -0.7);
        var y = x.Tanh();
        double[] t = y.Data.ToArray();
        var loss = y.Sum();
        Change(x.Data);
        loss.Backward();
        Assert.Equal([1 - t[0] * t[0], 1 - t[1] * t[1]], x.Grad!.ToArray());

        var x2 = Leaf("x2", 0.3, -0.7);
        var y2 = x2.Tanh();
        var loss2 = y2.Sum();
        Change(y2.Data);
        AssertVersionError("Tanh", loss2);
    }

    [Fact]
    public void AnOpWhoseRuleReadsOnlyItsInputDoesNotSaveItsOutput()
    {
        var x = Leaf("x", 0.3, -0.7);
        var y = x.Square();
        var loss = y.Sum();
        Change(y.Data);
        loss.Backward();
        Assert.Equal([0.6, -1.4], x.Grad!.ToArray());

        var x2 = Leaf("x2", 0.3, -0.7);
        var loss2 = x2.Square().Sum();
        Change(x2.Data);
        AssertVersionError("Square", loss2);
    }

    [Fact]
    public void ABinaryOpWhoseRuleReadsOnlyItsOperandsDoesNotSaveItsOutput()
    {
        var (a, b) = (Leaf("a", 0.5, 2.0), Leaf("b", 3.0, -1.0));
        var y = a * b;
        var loss = y.Sum();
        Change(y.Data);
        loss.Backward();
        Assert.Equal([3.0, -1.0], a.Grad!.ToArray());
        Assert.Equal([0.5, 2.0], b.Grad!.ToArray());

        var (a2, b2) = (Leaf("a2", 0.5, 2.0), Leaf("b2", 3.0, -1.0));
        var loss2 = (a2 * b2).Sum();
        Change(b2.Data);
        AssertVersionError("Mul", loss2);
    }

    [Fact]
    public void ABinaryOpWhoseRuleReadsNothingSavesNothing()
    {
        var (a, b) = (Leaf("a", 0.5, 2.0), Leaf("b", 3.0, -1.0));
        var y = a + b;
        var loss = y.Sum();
        Change(a.Data);
        Change(b.Data);
        Change(y.Data);
        loss.Backward();
        Assert.Equal([1.0, 1.0], a.Grad!.ToArray());
        Assert.Equal([1.0, 1.0], b.Grad!.ToArray());
    }

    [Fact]
    public void ABinaryOpWhoseRuleReadsOperandsAndOutputSavesAllThree()
    {
        foreach (int which in new[] { 0, 1, 2 })
        {
            var (a, b) = (Leaf("a", 0.5, 2.0), Leaf("b", 3.0, -1.0));
            var y = a / b;
            var loss = y.Sum();
            Change(which switch { 0 => a.Data, 1 => b.Data, _ => y.Data });
            AssertVersionError("Div", loss);
        }
    }
}
