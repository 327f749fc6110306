using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Reference;

/// <summary>
/// The numerically stable branches of the reference functions, at inputs where the unstable formula overflows: the
/// sigmoid's two formulas (1 / (1 + e^-x) for x ≥ 0, e^x / (1 + e^x) below) and the softmax's shift by the row maximum.
/// At moderate inputs both choices agree to rounding, so only inputs like these tell them apart.
/// </summary>
public class ReferenceStabilityTests
{
    [Fact]
    public void SigmoidUsesTheFormulaThatCannotOverflowOnEachSide()
    {
        // e^1000 overflows to ∞: e^x / (1 + e^x) would give ∞/∞ = NaN at x = 1000, 1 / (1 + e^-x) gives 0 (not NaN) at -1000.
        double[] xs = [-1000, -40, -1, 0, 1, 40, 1000];
        var y = Cs231n.Sigmoid(Tensor.FromArray(xs)).ToArray();
        Assert.Equal(0.0, y[0]);
        Assert.Equal(0.5, y[3]);
        Assert.Equal(1.0, y[6]);
        for (int i = 1; i < 6; i++)
        {
            double expected = 1 / (1 + Math.Exp(-xs[i])); // exact to rounding for |x| ≤ 40
            Assert.True(Math.Abs(y[i] - expected) <= 1e-15 * expected, $"σ({xs[i]}) = {y[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void TemporalSoftmaxLossShiftsEachRowByItsMaximum()
    {
        // Scores 800 apart: shifted by the row maximum the exponentials are e^0 = 1 and e^-800 = 0 (exact in float64);
        // shifted by anything smaller, e^800 overflows and the loss and the gradient become ∞ or NaN.
        var x = Tensor.FromArray([0.0, 800.0, -800.0, 0.0], 1, 2, 2);
        var y = Tensor.FromArray([0, 1], 1, 2);
        var mask = Tensor.FromArray([1.0, 1.0], 1, 2);
        var (loss, dx) = Cs231n.TemporalSoftmaxLoss(x, y, mask);
        // Step 0: the right word scores 800 below the other: -log p = 800. Step 1: it scores 800 above: -log p = 0.
        Assert.Equal(800.0, loss);
        // dx = p - onehot(y): step 0 p = (0, 1), y = 0; step 1 p = (0, 1), y = 1.
        Assert.Equal([-1.0, 1.0, 0.0, 0.0], dx.ToArray());
    }
}
