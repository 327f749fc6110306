using MiniTorch.Autograd;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Examples.LongDependency;

namespace MiniTorch.Examples.Tests;

/// <summary>The adding-problem generator and the gradient probes of the long-dependency example.</summary>
public class AddingProblemTests
{
    private static Arbitrary<(int N, int T, ulong Seed)> Cases() => Arb.From(
        from n in Gen.Choose(1, 8)
        from t in Gen.Choose(2, 40)
        from seed in Gen.Choose(0, int.MaxValue)
        select (n, t, (ulong)seed));

    [Property(MaxTest = 100)]
    public Property EverySequenceHasTwoMarkersOneInEachHalfAndTheTargetIsTheirSum() => Prop.ForAll(Cases(), c =>
    {
        var (x, y) = AddingProblem.Batch(c.N, c.T, new Rng(c.Seed));
        Assert.Equal([c.N, c.T, 2], x.ShapeArray);
        Assert.Equal([c.N, 1], y.ShapeArray);
        for (int i = 0; i < c.N; i++)
        {
            var marked = new List<int>();
            for (int t = 0; t < c.T; t++)
            {
                double value = x[i, t, 0], marker = x[i, t, 1];
                Assert.InRange(value, 0, 1);
                Assert.True(marker is 0 or 1, $"marker {marker}");
                if (marker == 1) marked.Add(t);
            }
            Assert.Equal(2, marked.Count);
            Assert.True(marked[0] < c.T / 2 && marked[1] >= c.T / 2, $"markers at {marked[0]} and {marked[1]} for T = {c.T}");
            Assert.Equal(x[i, marked[0], 0] + x[i, marked[1], 0], y[i, 0]);
        }
    });

    [Fact]
    public void TheBaselineIsTheVarianceOfTheSum()
    {
        Assert.Equal(1.0 / 6, AddingProblem.BaselineMse, 1e-15);
        // Always guessing 1 on many sequences scores about 1/6.
        var (_, y) = AddingProblem.Batch(20000, 4, new Rng(1));
        double mse = y.ToArray().Average(v => (v - 1) * (v - 1));
        Assert.InRange(mse, 1.0 / 6 - 0.01, 1.0 / 6 + 0.01);
    }

    [Fact]
    public void TooShortSequencesAreRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AddingProblem.Batch(1, 1, new Rng(0)));

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    public void ProbeGradientAtTheLastStepIsTheReadoutGradient(string cell)
    {
        // L = mean_n (h_T[n]·w + b - y[n])², so ∂L/∂h_T[n] = 2/N (pred[n] - y[n]) w: its norm is
        // 2/N ‖pred - y‖ ‖w‖. The probes must reproduce it, and the forward must match Forward().
        const int n = 5, t = 7, hidden = 4;
        var model = new AddingModel(cell, hidden, new Rng(3), forgetBias: 1);
        var (xd, yd) = AddingProblem.Batch(n, t, new Rng(4));
        var x = Tensor.Cast<double, float>(xd);
        var y = Tensor.Cast<double, float>(yd);
        double[] norms = model.HiddenStateGradientNorms(x, y);
        Assert.Equal(t, norms.Length);

        var pred = model.Forward(x.AsVariable()).Data.ToArray();
        var w = model.NamedParameters().Single(p => p.Name == "readout.weight").Parameter.Data.ToArray();
        double residual = Math.Sqrt(pred.Zip(y.ToArray()).Sum(p => Math.Pow(p.First - p.Second, 2)));
        double expected = 2.0 / n * residual * Math.Sqrt(w.Sum(v => (double)v * v));
        Assert.Equal(expected, norms[^1], expected * 1e-5);
        Assert.All(norms, v => Assert.True(double.IsFinite(v) && v >= 0));
    }

    [Fact]
    public void ForgetBiasSetsOnlyTheForgetGateBlock()
    {
        var model = new AddingModel("lstm", 3, new Rng(0), forgetBias: 2.5);
        var b = model.NamedParameters().Single(p => p.Name == "lstm.b_l0").Parameter.Data.ToArray();
        Assert.All(b[3..6], v => Assert.Equal(2.5f, v));               // gates i, f, o, g: f is the second block
        Assert.All(b[..3].Concat(b[6..]), v => Assert.InRange(v, -1 / MathF.Sqrt(3), 1 / MathF.Sqrt(3)));
    }
}
