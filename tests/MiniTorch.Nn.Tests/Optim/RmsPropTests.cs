using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Optim.OptimTestKit;

namespace MiniTorch.Nn.Tests.Optim;

public class RmsPropTests
{
    [Fact]
    public void FirstStepByHandWithEpsOutsideTheRoot()
    {
        // α 0.99, g 0.5: v = 0.01·0.25 = 0.0025, √v = 0.05; p = 1 − 0.01·0.5/(0.05 + 1e-8).
        var p = Param(1);
        var opt = new RmsProp<double>([p], lr: 0.01);
        SetGrad(p, 0.5);
        opt.Step();
        Close([1 - 0.01 * 0.5 / (0.05 + 1e-8)], p.Data.ToArray());
    }

    /// <summary>PyTorch's RMSprop pseudo-code, one scalar at a time.</summary>
    private static void Reference(double[] p, double[] g, double[] v, double[] gAvg, double[] buf,
        double lr, double alpha, double eps, double wd, double mu, bool centered)
    {
        for (int i = 0; i < p.Length; i++)
        {
            double d = g[i] + wd * p[i];
            v[i] = alpha * v[i] + (1 - alpha) * d * d;
            double vt = v[i];
            if (centered)
            {
                gAvg[i] = alpha * gAvg[i] + (1 - alpha) * d;
                vt -= gAvg[i] * gAvg[i];
            }
            double step = d / (Math.Sqrt(vt) + eps);
            if (mu > 0)
            {
                buf[i] = mu * buf[i] + step;
                p[i] -= lr * buf[i];
            }
            else p[i] -= lr * step;
        }
    }

    [Theory]
    [InlineData(0.99, 1e-8, 0.0, 0.0, false)]
    [InlineData(0.9, 1e-6, 0.01, 0.0, false)]
    [InlineData(0.9, 1e-8, 0.0, 0.5, false)]
    [InlineData(0.8, 1e-6, 0.02, 0.9, true)]
    [InlineData(0.95, 1e-8, 0.0, 0.0, true)]
    public void MatchesScalarReferenceOverThreeSteps(double alpha, double eps, double wd, double mu, bool centered) =>
        CompareWithReference(alpha, eps, wd, mu, centered, 4);

    [Fact]
    public void MatchesScalarReferenceAcrossUpdateBlocks() => CompareWithReference(0.8, 1e-6, 0.02, 0.9, true, 2500);

    private static void CompareWithReference(double alpha, double eps, double wd, double mu, bool centered, int length)
    {
        var p = Param(GradSequence(9, 9, length));
        var opt = new RmsProp<double>([p], lr: 0.01, alpha: alpha, eps: eps, weightDecay: wd, momentum: mu, centered: centered);
        double[] r = p.Data.ToArray(), v = new double[length], gAvg = new double[length], buf = new double[length];
        for (int k = 0; k < 3; k++)
        {
            var g = GradSequence(k, 0, length);
            SetGrad(p, g);
            opt.Step();
            Reference(r, g, v, gAvg, buf, 0.01, alpha, eps, wd, mu, centered);
            Close(r, p.Data.ToArray(), 1e-12);
        }
    }

    [Theory]
    [InlineData(-0.01, 0.99, 1e-8, 0, "learning rate -0.01")]
    [InlineData(0.01, 1.5, 1e-8, 0, "alpha 1.5")]
    [InlineData(0.01, -0.1, 1e-8, 0, "alpha -0.1")]
    [InlineData(0.01, 0.99, -1, 0, "eps -1")]
    [InlineData(0.01, 0.99, 1e-8, -0.9, "momentum -0.9")]
    public void InvalidHyperparametersThrowNamingTheOptimizerAndValue(double lr, double alpha, double eps, double mu, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => new RmsProp<double>([Param(1)], lr, alpha, eps, momentum: mu));
        Assert.StartsWith("RmsProp:", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }
}
