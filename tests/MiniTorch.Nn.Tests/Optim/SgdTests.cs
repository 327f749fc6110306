using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Optim.OptimTestKit;

namespace MiniTorch.Nn.Tests.Optim;

public class SgdTests
{
    [Fact]
    public void PlainStepIsParamMinusLrTimesGrad()
    {
        var p = Param(1, -2);
        var opt = new Sgd<double>([p], lr: 0.1);
        SetGrad(p, 0.5, 0.25);
        opt.Step();
        Close([0.95, -2.025], p.Data.ToArray());
    }

    [Fact]
    public void MomentumThreeStepsByHand()
    {
        // g = 0.5 each step, lr 0.1, μ 0.9: b = 0.5, 0.95, 1.355; p = 0.95, 0.855, 0.7195.
        var p = Param(1);
        var opt = new Sgd<double>([p], lr: 0.1, momentum: 0.9);
        double[] expected = [0.95, 0.855, 0.7195];
        foreach (var e in expected)
        {
            SetGrad(p, 0.5);
            opt.Step();
            Close([e], p.Data.ToArray());
        }
    }

    [Fact]
    public void NesterovThreeStepsByHand()
    {
        // b = 0.5, 0.95, 1.355; direction g + μb = 0.95, 1.355, 1.7195; p = 0.905, 0.7695, 0.59755.
        var p = Param(1);
        var opt = new Sgd<double>([p], lr: 0.1, momentum: 0.9, nesterov: true);
        foreach (var e in new[] { 0.905, 0.7695, 0.59755 })
        {
            SetGrad(p, 0.5);
            opt.Step();
            Close([e], p.Data.ToArray());
        }
    }

    [Fact]
    public void WeightDecayAddsL2TermToTheGradient()
    {
        // d = 0.5 + 0.1·1 = 0.6 → 0.94; d = 0.5 + 0.1·0.94 = 0.594 → 0.8806.
        var p = Param(1);
        var opt = new Sgd<double>([p], lr: 0.1, weightDecay: 0.1);
        foreach (var e in new[] { 0.94, 0.8806 })
        {
            SetGrad(p, 0.5);
            opt.Step();
            Close([e], p.Data.ToArray());
        }
        Assert.Equal(0.5, p.Grad!.Item()); // the gradient itself is not modified
    }

    [Fact]
    public void DampeningDoesNotApplyToTheFirstStep()
    {
        // μ 0.9, τ 0.5: b = 0.5 (first step copies d), 0.9·0.5 + 0.5·0.5 = 0.7, 0.63 + 0.25 = 0.88.
        var p = Param(1);
        var opt = new Sgd<double>([p], lr: 0.1, momentum: 0.9, dampening: 0.5);
        foreach (var e in new[] { 0.95, 0.88, 0.792 })
        {
            SetGrad(p, 0.5);
            opt.Step();
            Close([e], p.Data.ToArray());
        }
    }

    /// <summary>PyTorch's SGD pseudo-code, one scalar at a time.</summary>
    private static void Reference(double[] p, double[] g, double[]? buf, bool first, double lr, double mu, double tau, double wd, bool nesterov)
    {
        for (int i = 0; i < p.Length; i++)
        {
            double d = g[i] + wd * p[i];
            if (mu != 0)
            {
                buf![i] = first ? d : mu * buf[i] + (1 - tau) * d;
                d = nesterov ? d + mu * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0, false, 3)]
    [InlineData(0.9, 0.0, 0.01, false, 3)]
    [InlineData(0.7, 0.3, 0.05, false, 3)]
    [InlineData(0.8, 0.0, 0.02, true, 3)]
    [InlineData(0.7, 0.3, 0.05, false, 2500)]   // several update blocks and a partial one
    [InlineData(0.8, 0.0, 0.02, true, 2500)]
    public void MatchesScalarReferenceOverThreeStepsOnTwoParameters(double mu, double tau, double wd, bool nesterov, int length)
    {
        var a = Param(GradSequence(9, 9, length));
        var b = Tensor.FromArray([0.5, -0.25, 1.5, 0.0], 2, 2).RequiresGrad();
        var opt = new Sgd<double>([a, b], lr: 0.05, momentum: mu, dampening: tau, weightDecay: wd, nesterov: nesterov);
        double[] ra = a.Data.ToArray(), rb = b.Data.ToArray(), ba = new double[length], bb = new double[4];
        for (int k = 0; k < 3; k++)
        {
            var ga = GradSequence(k, 0, length); var gb = GradSequence(k, 1, 4);
            SetGrad(a, ga); SetGrad(b, gb);
            opt.Step();
            Reference(ra, ga, ba, k == 0, 0.05, mu, tau, wd, nesterov);
            Reference(rb, gb, bb, k == 0, 0.05, mu, tau, wd, nesterov);
            Close(ra, a.Data.ToArray());
            Close(rb, b.Data.ToArray());
        }
    }

    [Fact]
    public void Float32MomentumMatchesDoubleReference()
    {
        var p = ParamF(1f, -0.5f, 0.25f);
        var opt = new Sgd<float>([p], lr: 0.1, momentum: 0.9, weightDecay: 0.01);
        double[] r = [1, -0.5, 0.25], buf = new double[3];
        for (int k = 0; k < 3; k++)
        {
            var g = GradSequence(k, 0, 3);
            SetGrad(p, g.Select(x => (float)x).ToArray());
            opt.Step();
            // The reference sees the same float-rounded gradients and hyperparameters.
            Reference(r, g.Select(x => (double)(float)x).ToArray(), buf, k == 0, (float)0.1, (float)0.9, 0, (float)0.01, false);
            Close(r, p.Data.ToArray());
        }
    }

    [Theory]
    [InlineData(-0.1, 0, 0, 0, false, "learning rate -0.1")]
    [InlineData(double.NaN, 0, 0, 0, false, "learning rate NaN")]
    [InlineData(0.1, -0.5, 0, 0, false, "momentum -0.5")]
    [InlineData(0.1, 0.9, 1.5, 0, false, "dampening 1.5")]
    [InlineData(0.1, 0, 0, -1, false, "weight decay -1")]
    [InlineData(0.1, 0, 0, 0, true, "Nesterov")]
    [InlineData(0.1, 0.9, 0.1, 0, true, "Nesterov")]
    public void InvalidHyperparametersThrowNamingTheOptimizerAndValue(double lr, double mu, double tau, double wd, bool nesterov, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Sgd<double>([Param(1)], lr, mu, tau, wd, nesterov));
        Assert.StartsWith("Sgd:", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }
}
