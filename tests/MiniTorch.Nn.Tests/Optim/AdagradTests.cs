using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Optim.OptimTestKit;

namespace MiniTorch.Nn.Tests.Optim;

public class AdagradTests
{
    [Fact]
    public void TwoStepsByHandAsMinCharRnn()
    {
        // mem = 0.25 then 1.25; eps inside the root: p −= lr·g/√(mem + 1e-8).
        var p = Param(1);
        var opt = new Adagrad<double>([p], lr: 0.1);
        SetGrad(p, 0.5); opt.Step();
        double e1 = 1 - 0.1 * 0.5 / Math.Sqrt(0.25 + 1e-8);
        Close([e1], p.Data.ToArray());
        SetGrad(p, 1); opt.Step();
        Close([e1 - 0.1 * 1 / Math.Sqrt(1.25 + 1e-8)], p.Data.ToArray());
    }

    [Fact]
    public void ZeroGradientOnTheFirstStepGivesNoStepNotNaN()
    {
        // Karpathy's eps inside the root keeps 0/√(0 + 1e-8) finite.
        var p = Param(1, 2);
        var opt = new Adagrad<double>([p], lr: 0.1);
        SetGrad(p, 0, 0);
        opt.Step();
        Assert.Equal([1.0, 2.0], p.Data.ToArray());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2500)]   // several update blocks and a partial one
    public void MatchesScalarReferenceWithWeightDecayOverThreeSteps(int length)
    {
        var p = Param(GradSequence(9, 9, length));
        var opt = new Adagrad<double>([p], lr: 0.2, eps: 1e-6, weightDecay: 0.05);
        double[] r = p.Data.ToArray(), mem = new double[length];
        for (int k = 0; k < 3; k++)
        {
            var g = GradSequence(k, 0, length);
            SetGrad(p, g);
            opt.Step();
            for (int i = 0; i < length; i++)
            {
                double d = g[i] + 0.05 * r[i];
                mem[i] += d * d;
                r[i] += -0.2 * d / Math.Sqrt(mem[i] + 1e-6);
            }
            Close(r, p.Data.ToArray());
        }
    }

    [Theory]
    [InlineData(-0.1, 1e-8, 0, "learning rate -0.1")]
    [InlineData(0.1, -1e-8, 0, "eps -1E-08")]
    [InlineData(0.1, 1e-8, double.NegativeInfinity, "weight decay -Infinity")]
    public void InvalidHyperparametersThrowNamingTheOptimizerAndValue(double lr, double eps, double wd, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Adagrad<double>([Param(1)], lr, eps, wd));
        Assert.StartsWith("Adagrad:", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }
}
