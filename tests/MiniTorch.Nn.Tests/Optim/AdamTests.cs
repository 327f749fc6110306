using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Optim.OptimTestKit;

namespace MiniTorch.Nn.Tests.Optim;

public class AdamTests
{
    [Fact]
    public void FirstStepMovesEachElementByLrTimesSignOfGrad()
    {
        // t = 1: m̂ = g and v̂ = g², so the step is lr·g/(|g| + eps); a zero gradient gives no step.
        var p = Param(1, -1, 0.5);
        var opt = new Adam<double>([p], lr: 0.1);
        SetGrad(p, 2, -0.5, 0);
        opt.Step();
        Close([1 - 0.1 * 2 / (2 + 1e-8), -1 + 0.1 * 0.5 / (0.5 + 1e-8), 0.5], p.Data.ToArray());
    }

    [Fact]
    public void SecondStepByHand()
    {
        // β1 0.9, β2 0.999, g1 = 1, g2 = 3: m = 0.1 then 0.39; v = 0.001 then 0.009999 (0.999·0.001 + 0.001·9).
        var p = Param(0);
        var opt = new Adam<double>([p], lr: 0.01, eps: 0);
        SetGrad(p, 1); opt.Step();
        SetGrad(p, 3); opt.Step();
        double mHat = 0.39 / (1 - 0.81), vHat = 0.009999 / (1 - 0.998001);
        Close([-0.01 - 0.01 * mHat / Math.Sqrt(vHat)], p.Data.ToArray(), 1e-12);
    }

    /// <summary>PyTorch's Adam pseudo-code (m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), θ −= γ·m̂/(√v̂ + ε)), one scalar at a time.</summary>
    private static void Reference(double[] p, double[] g, double[] m, double[] v, int t, double lr, double b1, double b2, double eps, double wd)
    {
        for (int i = 0; i < p.Length; i++)
        {
            double d = g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * d;
            v[i] = b2 * v[i] + (1 - b2) * d * d;
            double mHat = m[i] / (1 - Math.Pow(b1, t));
            double vHat = v[i] / (1 - Math.Pow(b2, t));
            p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
        }
    }

    [Theory]
    [InlineData(0.9, 0.999, 1e-8, 0.0, 4)]
    [InlineData(0.8, 0.95, 1e-6, 0.01, 4)]
    [InlineData(0.0, 0.5, 1e-3, 0.1, 4)]
    [InlineData(0.8, 0.95, 1e-6, 0.01, 2500)]   // several update blocks and a partial one
    public void MatchesScalarReferenceOverThreeSteps(double b1, double b2, double eps, double wd, int length)
    {
        var p = Param(GradSequence(9, 9, length));
        var opt = new Adam<double>([p], lr: 0.05, beta1: b1, beta2: b2, eps: eps, weightDecay: wd);
        double[] r = p.Data.ToArray(), m = new double[length], v = new double[length];
        for (int t = 1; t <= 3; t++)
        {
            var g = GradSequence(t, 0, length);
            SetGrad(p, g);
            opt.Step();
            Reference(r, g, m, v, t, 0.05, b1, b2, eps, wd);
            Close(r, p.Data.ToArray(), 1e-12);
        }
    }

    [Fact]
    public void BiasCorrectionUsesEachParametersOwnStepCount()
    {
        // b has no gradient at step 2: it is skipped, and its next update is its second (t = 2), as in PyTorch.
        var a = Param(1, 2);
        var b = Param(-1);
        var opt = new Adam<double>([a, b], lr: 0.1, beta1: 0.5, beta2: 0.7);
        double[] ra = [1, 2], rb = [-1], ma = new double[2], va = new double[2], mb = new double[1], vb = new double[1];
        int tb = 0;
        for (int step = 1; step <= 3; step++)
        {
            var ga = GradSequence(step, 0, 2);
            var gb = GradSequence(step, 1, 1);
            SetGrad(a, ga);
            if (step == 2) b.Grad = null; else SetGrad(b, gb);
            opt.Step();
            Reference(ra, ga, ma, va, step, 0.1, 0.5, 0.7, 1e-8, 0);
            if (step != 2) Reference(rb, gb, mb, vb, ++tb, 0.1, 0.5, 0.7, 1e-8, 0);
            Close(ra, a.Data.ToArray());
            Close(rb, b.Data.ToArray());
        }
        Assert.Equal(3, opt.ParameterStepCount(0));
        Assert.Equal(2, opt.ParameterStepCount(1));
        Assert.Equal(3, opt.StepCount);
    }

    [Fact]
    public void Float32MatchesDoubleReference()
    {
        var p = ParamF(0.5f, -0.5f, 3f);
        var opt = new Adam<float>([p], lr: 0.01, weightDecay: 0.1);
        double[] r = [0.5, -0.5, 3], m = new double[3], v = new double[3];
        for (int t = 1; t <= 3; t++)
        {
            var g = GradSequence(t, 2, 3).Select(x => (double)(float)x).ToArray();
            SetGrad(p, g.Select(x => (float)x).ToArray());
            opt.Step();
            Reference(r, g, m, v, t, (float)0.01, (float)0.9, (float)0.999, (float)1e-8, (float)0.1);
            Close(r, p.Data.ToArray(), 1e-6);
        }
    }

    [Theory]
    [InlineData(-1e-3, 0.9, 0.999, 1e-8, 0, "learning rate -0.001")]
    [InlineData(1e-3, 1.0, 0.999, 1e-8, 0, "beta1 1")]
    [InlineData(1e-3, -0.1, 0.999, 1e-8, 0, "beta1 -0.1")]
    [InlineData(1e-3, 0.9, 1.0, 1e-8, 0, "beta2 1")]
    [InlineData(1e-3, 0.9, double.NaN, 1e-8, 0, "beta2 NaN")]
    [InlineData(1e-3, 0.9, 0.999, -1e-8, 0, "eps -1E-08")]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, -0.5, "weight decay -0.5")]
    [InlineData(double.PositiveInfinity, 0.9, 0.999, 1e-8, 0, "learning rate Infinity")]
    public void InvalidHyperparametersThrowNamingTheOptimizerAndValue(double lr, double b1, double b2, double eps, double wd, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Adam<double>([Param(1)], lr, b1, b2, eps, wd));
        Assert.StartsWith("Adam:", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }
}
