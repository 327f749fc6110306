using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Nn;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// LayerNorm and the losses (MSE, BCE with logits, NLL): gradient properties in float64 against central differences
/// with a random upstream gradient, forward values against formulas written out here, and the edge cases (huge
/// logits, x = 0 in BCE, ignored targets, every position ignored).
/// </summary>
public class NormAndLossOpTests
{
    private const int Runs = 100;
    private static Arbitrary<Tensor<double>> Any => TensorArb.Tensor();
    private static Arbitrary<int> Ints => Props.Ints;
    private static Arbitrary<bool> Bools => Props.Bools;
    private static readonly Arbitrary<Reduction> Reductions = Arb.From(Gen.Elements(Reduction.Mean, Reduction.Sum, Reduction.None));

    private static Tensor<double> Normal(int[] shape, Rng rng, double std = 1) => rng.Normal<double>(shape, 0, std);

    // ---- LayerNorm ----

    [Property(MaxTest = Runs)]
    public Property LayerNormGradient() =>
        Prop.ForAll(Props.Distinct, Ints, Arb.Zip(Bools, Bools), (x, pick, affine) =>
        {
            var rng = new Rng((ulong)(uint)pick);
            // Normalising fewer than 3 values is nearly constant (2 values always give about ±1): its gradient is
            // numerical noise for central differences. Normalise over at least 3 values (a fresh (2, 3) input if x
            // holds fewer).
            if (x.Length < 3) x = Normal([2, 3], rng);
            int k = 1 + Fit.Index(pick, x.Rank);
            while (Shapes.Prod(x.Shape, x.Rank - k, x.Rank) < 3) k++;
            var shape = x.Shape[(x.Rank - k)..].ToArray();
            var (hasW, hasB) = affine;
            var inputs = new List<Tensor<double>> { x };
            if (hasW) inputs.Add(Normal(shape, rng));
            if (hasB) inputs.Add(Normal(shape, rng));
            return GradientProperty.Check(v =>
            {
                int at = 1;
                var w = hasW ? v[at++] : null;
                var b = hasB ? v[at] : null;
                return v[0].LayerNorm(shape, w, b);
            }, inputs).Label($"normalizedShape {Shapes.Str(shape)}, weight {hasW}, bias {hasB}");
        });

    [Property(MaxTest = Runs)]
    public Property LayerNormForwardEqualsTheFormula() =>
        Prop.ForAll(TensorArb.Tensor(ShapeOptions.Default.WithRanks(2, 4)), Ints, (x, seed) =>
        {
            var rng = new Rng((ulong)(uint)seed);
            int m = x.Dim(-1);
            var w = Normal([m], rng);
            var b = Normal([m], rng);
            var y = x.AsVariable().LayerNorm([m], w.AsVariable(), b.AsVariable(), eps: 1e-3).Data;
            var expected = new Tensor<double>(x.ShapeArray);
            for (int r = 0; r < x.Length / m; r++)
            {
                var row = x.AsSpan().Slice(r * m, m).ToArray();
                double mean = row.Average(), variance = row.Select(v => (v - mean) * (v - mean)).Average();
                for (int j = 0; j < m; j++) expected.AsSpan()[r * m + j] = (row[j] - mean) / Math.Sqrt(variance + 1e-3) * w[j] + b[j];
            }
            Reference.Close(expected, y, 1e-13, what: "LayerNorm");
            return true;
        });

    [Fact]
    public void LayerNormByHandOverTwoAxes()
    {
        // One row [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
        var x = Tensor.FromArray([1.0, 2, 3, 4], 1, 2, 2);
        var y = x.AsVariable().LayerNorm([2, 2]).Data;
        double s = Math.Sqrt(1.25 + 1e-5);
        Assert.Equal(new[] { -1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s }, y.ToArray());
    }

    // ---- MSE ----

    [Property(MaxTest = Runs)]
    public Property MseLossGradientReachesInputAndTarget() =>
        Prop.ForAll(Any, Ints, Reductions, (x, seed, reduction) =>
            GradientProperty.Check(v => Functional.MseLoss(v[0], v[1], reduction), x, Normal(x.ShapeArray, new Rng((ulong)(uint)seed))));

    [Fact]
    public void MseLossByHand()
    {
        var input = Tensor.FromArray([1.0, 2, 3, 4], 2, 2).AsVariable();
        var target = Tensor.FromArray([0.0, 2, 5, 1], 2, 2).AsVariable();
        Assert.Equal((1 + 0 + 4 + 9) / 4.0, Functional.MseLoss(input, target).Item());
        Assert.Equal(14.0, new MseLoss<double>(Reduction.Sum).Forward(input, target).Item());
        Assert.Equal([1.0, 0, 4, 9], Functional.MseLoss(input, target, Reduction.None).Data.ToArray());
    }

    // ---- BCE with logits ----

    /// <summary>−[p·y·log σ(x) + (1 − y)·log(1 − σ(x))], the definition (fine for moderate x).</summary>
    private static double Bce(double x, double y, double p = 1)
    {
        double s = 1 / (1 + Math.Exp(-x));
        return -(p * y * Math.Log(s) + (1 - y) * Math.Log(1 - s));
    }

    [Property(MaxTest = Runs)]
    public Property BceWithLogitsGradient() =>
        Prop.ForAll(TensorArb.Tensor(values: ValueDomain.Normal(std: 4, clip: 15)), Ints, Arb.Zip(Bools, Reductions), (x, seed, how) =>
        {
            var (weighted, reduction) = how;
            var rng = new Rng((ulong)(uint)seed);
            var y = rng.Uniform<double>(x.ShapeArray);                 // soft targets in [0, 1)
            var p = weighted ? rng.Uniform<double>([x.Dim(-1)], 0.2, 3) : null;
            return GradientProperty.Check(v => Functional.BinaryCrossEntropyWithLogits(v[0], y, p, reduction), x)
                .Label($"targets {y}, posWeight {p?.ToString() ?? "none"}, {reduction}");
        });

    [Property(MaxTest = Runs)]
    public Property BceWithLogitsEqualsTheDefinition() =>
        Prop.ForAll(Any, Ints, (x, seed) =>
        {
            var rng = new Rng((ulong)(uint)seed);
            var y = rng.Uniform<double>(x.ShapeArray);
            var p = rng.Uniform<double>([x.Dim(-1)], 0.2, 3);
            var loss = Functional.BinaryCrossEntropyWithLogits(x.AsVariable(), y, p, Reduction.None).Data;
            var expected = new Tensor<double>(x.ShapeArray);
            for (int i = 0; i < x.Length; i++) expected.AsSpan()[i] = Bce(x.AsSpan()[i], y.AsSpan()[i], p.AsSpan()[i % x.Dim(-1)]);
            Reference.Close(expected, loss, 1e-13, what: "BCE");
            return true;
        });

    [Fact]
    public void BceWithLogitsIsFiniteForHugeLogitsAndHasTheRightSlopeAtZero()
    {
        var x = Tensor.FromArray([1000.0, -1000, 1000, -1000, 0, 0]).RequiresGrad();
        var y = Tensor.FromArray([0.0, 1, 1, 0, 1, 0]);
        var loss = Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None);
        Assert.Equal([1000.0, 1000, 0, 0, Math.Log(2), Math.Log(2)], loss.Data.ToArray());
        loss.Sum().Backward();
        Assert.Equal([1.0, -1, 0, 0, -0.5, 0.5], x.Grad!.ToArray());     // σ(x) − y, also at x = 0
        var w = Tensor.FromArray([0.5]).RequiresGrad();
        Functional.BinaryCrossEntropyWithLogits(w, Tensor.FromArray([1.0]), Tensor.FromArray([3.0])).Backward();
        Assert.Equal(3 * (1 / (1 + Math.Exp(-0.5)) - 1), w.Grad![0], 15); // p·(σ(x) − 1) for y = 1
    }

    // ---- NLL ----

    [Property(MaxTest = Runs)]
    public Property NllLossGradient() =>
        Prop.ForAll(TensorArb.Tensor(new ShapeOptions(1, 4, 1, 4)), Ints, Arb.Zip(Bools, Reductions), (x, seed, how) =>
        {
            var (weighted, reduction) = how;
            var rng = new Rng((ulong)(uint)seed);
            int classAxis = x.Rank == 1 ? 0 : 1, c = x.Shape[classAxis];
            int[] targetShape = [.. x.Shape[..classAxis], .. x.Shape[(classAxis + 1)..]];
            var target = rng.Integers(targetShape, c);
            var t = target.AsSpan();
            for (int i = 1; i < t.Length; i += 3) t[i] = -100;            // some ignored positions (never the first)
            var weight = weighted ? rng.Uniform<double>([c], 0.5, 2) : null;
            return GradientProperty.Check(v => Functional.NllLoss(v[0], target, weight, reduction: reduction), x)
                .Label($"target {target}, weight {weight?.ToString() ?? "none"}, {reduction}");
        });

    [Fact]
    public void NllLossByHandWithWeightsAndIgnoredTargets()
    {
        var logp = Tensor.FromArray([-1.0, -2, -3, -4, -5, -6], 3, 2).AsVariable(); // (N = 3, C = 2)
        var target = Tensor.FromArray([1, 0, -100]);
        var weight = Tensor.FromArray([2.0, 3]);
        Assert.Equal((2.0 + 3) / 2, Functional.NllLoss(logp, target).Item());
        Assert.Equal((3 * 2.0 + 2 * 3) / (3 + 2), Functional.NllLoss(logp, target, weight).Item(), 1e-15);
        Assert.Equal(5.0, new NllLoss<double>(reduction: Reduction.Sum).Forward(logp, target).Item());
        Assert.Equal([6.0, 6, 0], Functional.NllLoss(logp, target, weight, reduction: Reduction.None).Data.ToArray());
        Assert.True(double.IsNaN(Functional.NllLoss(logp, Tensor.FromArray([-100, -100, -100])).Item())); // PyTorch: nan
    }

    [Fact]
    public void NllLossTakesTheClassOnAxisOneLikePyTorch()
    {
        // (N = 1, C = 3, d = 2): position j picks input[0, target[0, j], j].
        var logp = Tensor.FromArray([-1.0, -2, -3, -4, -5, -6], 1, 3, 2).AsVariable();
        Assert.Equal((5.0 + 2) / 2, Functional.NllLoss(logp, Tensor.FromArray([2, 0], 1, 2)).Item());
    }

    [Property(MaxTest = 50)]
    public Property NllOfLogSoftmaxIsCrossEntropy() =>
        Prop.ForAll(TensorArb.Tensor(new ShapeOptions(2, 2, 1, 5)), Ints, (logits, seed) =>
        {
            var target = new Rng((ulong)(uint)seed).Integers([logits.Dim(0)], logits.Dim(1));
            double nll = Functional.NllLoss(logits.AsVariable().LogSoftmax(), target).Item();
            double ce = logits.AsVariable().CrossEntropy(target).Item();
            return (Math.Abs(nll - ce) <= 1e-14 * Math.Max(1, Math.Abs(ce))).Label($"nll {nll:R} vs cross-entropy {ce:R}");
        });

    [Fact]
    public void ChangingASavedTensorInPlaceBeforeBackwardFails()
    {
        // LayerNorm keeps its weight; an optimizer step in between would make the gradient wrong, so backward refuses.
        var x = Tensor.FromArray([1.0, 2, 4], 1, 3).RequiresGrad();
        var w = Tensor.Ones<double>(3).RequiresGrad("w");
        var loss = x.LayerNorm([3], w).Sum();
        Tensor.AddInPlace(w.Data, Tensor.Ones<double>(3));
        Assert.Contains("LayerNorm", Assert.Throws<InvalidOperationException>(() => loss.Backward()).Message);
        // BCE keeps its target, Abs and Maximum their inputs.
        var y = Tensor.FromArray([0.0, 1]);
        var logits = Tensor.FromArray([0.5, -0.5]).RequiresGrad();
        var bce = Functional.BinaryCrossEntropyWithLogits(logits, y);
        y.Fill(0.5);
        Assert.Throws<InvalidOperationException>(() => bce.Backward());
        var a = Tensor.FromArray([1.0, -2]).RequiresGrad();
        var abs = a.Abs().Sum();
        var max = a.Maximum(Tensor.FromArray([0.0, 0]).AsVariable()).Sum();
        a.Data.Fill(3);
        Assert.Contains("Abs", Assert.Throws<InvalidOperationException>(() => abs.Backward()).Message);
        Assert.Contains("Maximum", Assert.Throws<InvalidOperationException>(() => max.Backward()).Message);
    }
}
