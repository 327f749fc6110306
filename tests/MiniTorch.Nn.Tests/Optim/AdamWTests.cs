using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Optim.OptimTestKit;

namespace MiniTorch.Nn.Tests.Optim;

public class AdamWTests
{
    [Fact]
    public void FirstStepShrinksThenMovesByLrTimesSignOfGrad()
    {
        // t = 1: p ← p(1 − lr·λ), then p −= lr·g/(|g| + eps) (m̂ = g, v̂ = g²).
        var p = Param(1, -1, 0.5);
        var opt = new AdamW<double>([p], lr: 0.1, weightDecay: 0.5);
        SetGrad(p, 2, -0.5, 0);
        opt.Step();
        Close([1 * 0.95 - 0.1 * 2 / (2 + 1e-8), -1 * 0.95 + 0.1 * 0.5 / (0.5 + 1e-8), 0.5 * 0.95], p.Data.ToArray());
    }

    [Fact]
    public void DecayIsDecoupledFromTheMoments()
    {
        // A zero gradient leaves m = v = 0, so only the decay acts: p·(1 − lr·λ)^3 after three steps. Adam's L2 decay
        // would instead feed λ·p into the moments and move p by about lr per step.
        var p = Param(2, -4);
        var opt = new AdamW<double>([p], lr: 0.1, weightDecay: 0.2);
        for (int t = 0; t < 3; t++) { SetGrad(p, 0, 0); opt.Step(); }
        Close([2 * Math.Pow(0.98, 3), -4 * Math.Pow(0.98, 3)], p.Data.ToArray(), 1e-15);
        Assert.Equal(new double[2], opt.StateDict()["state.0.exp_avg"].ToArray());
    }

    /// <summary>PyTorch's AdamW pseudo-code, one scalar at a time.</summary>
    private static void Reference(double[] p, double[] g, double[] m, double[] v, double[] vMax, int t, double lr, double b1, double b2, double eps, double wd, bool amsgrad)
    {
        for (int i = 0; i < p.Length; i++)
        {
            p[i] -= lr * wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            vMax[i] = Math.Max(vMax[i], v[i]);
            double mHat = m[i] / (1 - Math.Pow(b1, t));
            double vHat = (amsgrad ? vMax[i] : v[i]) / (1 - Math.Pow(b2, t));
            p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
        }
    }

    [Theory]
    [InlineData(0.9, 0.999, 1e-8, 0.01, false, 4)]
    [InlineData(0.8, 0.95, 1e-6, 0.1, true, 4)]
    [InlineData(0.0, 0.5, 1e-3, 0.0, true, 4)]
    [InlineData(0.8, 0.95, 1e-6, 0.05, true, 2500)]   // several update blocks and a partial one
    public void MatchesScalarReferenceOverFiveSteps(double b1, double b2, double eps, double wd, bool amsgrad, int length)
    {
        var p = Param(GradSequence(9, 9, length));
        var opt = new AdamW<double>([p], lr: 0.05, beta1: b1, beta2: b2, eps: eps, weightDecay: wd, amsgrad: amsgrad);
        double[] r = p.Data.ToArray(), m = new double[length], v = new double[length], vMax = new double[length];
        for (int t = 1; t <= 5; t++)
        {
            // Shrinking gradients after step 2, so v falls and the AMSGrad maximum differs from v.
            var g = GradSequence(t, 0, length).Select(x => t > 2 ? x / (4 * t) : x).ToArray();
            SetGrad(p, g);
            opt.Step();
            Reference(r, g, m, v, vMax, t, 0.05, b1, b2, eps, wd, amsgrad);
            Close(r, p.Data.ToArray(), 1e-12);
        }
        Assert.Equal(amsgrad, opt.StateDict().ContainsKey("state.0.max_exp_avg_sq"));
    }

    [Fact]
    public void AmsGradChangesTheTrajectory()
    {
        double[] Run(bool amsgrad)
        {
            var p = Param(1, 1);
            var opt = new AdamW<double>([p], lr: 0.1, amsgrad: amsgrad);
            foreach (double g in new[] { 5.0, 0.1, 0.1 }) { SetGrad(p, g, -g); opt.Step(); }
            return p.Data.ToArray();
        }
        Assert.NotEqual(Run(false)[0], Run(true)[0]);
    }

    [Fact]
    public void Float32MatchesDoubleReference()
    {
        var p = ParamF(0.5f, -0.5f, 3f);
        var opt = new AdamW<float>([p], lr: 0.01, weightDecay: 0.1, amsgrad: true);
        double[] r = [0.5, -0.5, 3], m = new double[3], v = new double[3], vMax = new double[3];
        for (int t = 1; t <= 3; t++)
        {
            var g = GradSequence(t, 2, 3).Select(x => (double)(float)x).ToArray();
            SetGrad(p, g.Select(x => (float)x).ToArray());
            opt.Step();
            Reference(r, g, m, v, vMax, t, (float)0.01, (float)0.9, (float)0.999, (float)1e-8, (float)0.1, true);
            Close(r, p.Data.ToArray(), 1e-6);
        }
    }

    [Fact]
    public void StateWithoutTheAmsGradBufferDoesNotLoadIntoAnAmsGradOptimizer()
    {
        var p = Param(1, 2);
        var plain = new AdamW<double>([p]);
        SetGrad(p, 1, 1);
        plain.Step();
        var state = plain.StateDict();
        state["hyper.amsgrad"] = Tensor.Scalar(1.0);
        var target = new AdamW<double>([Param(1, 2)], amsgrad: true);
        var ex = Assert.Throws<ArgumentException>(() => target.LoadStateDict(state));
        Assert.Contains("missing: state.0.max_exp_avg_sq", ex.Message);
        Assert.Equal(0, target.StepCount);
        state["hyper.amsgrad"] = Tensor.Scalar(0.5);
        Assert.Contains("amsgrad flag 0.5", Assert.Throws<ArgumentException>(() => target.LoadStateDict(state)).Message);
    }

    [Theory]
    [InlineData(-1e-3, 0.9, 0.999, 1e-8, 0.01, "learning rate -0.001")]
    [InlineData(1e-3, 1.0, 0.999, 1e-8, 0.01, "beta1 1")]
    [InlineData(1e-3, 0.9, -0.5, 1e-8, 0.01, "beta2 -0.5")]
    [InlineData(1e-3, 0.9, 0.999, double.NaN, 0.01, "eps NaN")]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, -0.5, "weight decay -0.5")]
    public void InvalidHyperparametersThrowNamingTheOptimizerAndValue(double lr, double b1, double b2, double eps, double wd, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => new AdamW<double>([Param(1)], lr, b1, b2, eps, wd));
        Assert.StartsWith("AdamW:", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }
}
