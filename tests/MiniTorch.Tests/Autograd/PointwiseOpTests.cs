using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Autograd.Functions;
using MiniTorch.Autograd.Fusion;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// Abs, Sin, Cos, LeakyRelu, GELU (exact and tanh) and Clamp: gradient properties in float64 at inputs generated away
/// from their kinks (0 for Abs and LeakyRelu, the bounds for Clamp), forward values against System.Math and hand
/// values, the subgradient at each kink checked explicitly, and bad arguments.
/// </summary>
public class PointwiseOpTests
{
    private const int Runs = 100;
    private static Arbitrary<Tensor<double>> Any => TensorArb.Tensor(values: ValueDomain.Normal(std: 2, clip: 8));
    private static Arbitrary<Tensor<double>> AwayFromZero => TensorArb.Tensor(values: ValueDomain.AwayFromZero(0.05, 4));

    private static Property Check(Func<Variable<double>[], Variable<double>> f, Tensor<double> x) => GradientProperty.Check(f, x);

    [Property(MaxTest = Runs)]
    public Property Abs() => Prop.ForAll(AwayFromZero, x => Check(v => v[0].Abs(), x));

    [Property(MaxTest = Runs)]
    public Property Sin() => Prop.ForAll(Any, x => Check(v => v[0].Sin(), x));

    [Property(MaxTest = Runs)]
    public Property Cos() => Prop.ForAll(Any, x => Check(v => v[0].Cos(), x));

    [Property(MaxTest = Runs)]
    public Property LeakyRelu() =>
        Prop.ForAll(AwayFromZero, Arb.From(Gen.Elements(0.01, 0.2, -0.5, 1.5)), (x, slope) => Check(v => v[0].LeakyRelu(slope), x));

    [Property(MaxTest = Runs)]
    public Property Gelu() =>
        Prop.ForAll(Any, Arb.From(Gen.Elements(GeluApproximation.None, GeluApproximation.Tanh)), (x, form) => Check(v => v[0].Gelu(form), x));

    /// <summary>Clamp bounds: lower only, upper only, or both.</summary>
    private static readonly (double? Min, double? Max)[] Bounds = [(-0.5, null), (null, 0.7), (-0.5, 0.7), (-1.25, -0.25)];

    /// <summary>Normal values at least 0.05 from every bound in <see cref="Bounds"/> (no central difference straddles one).</summary>
    private static Arbitrary<Tensor<double>> AwayFromBounds =>
        Arb.From(TensorGen.Shape().SelectMany(shape => TensorGen.Seed.Select(seed =>
        {
            var rng = new Rng(seed);
            var t = new Tensor<double>(shape);
            var s = t.AsSpan();
            var edges = new[] { -0.5, 0.7, -1.25, -0.25 };
            for (int i = 0; i < s.Length; i++)
            {
                double v;
                do v = 1.5 * rng.NextNormal(); while (edges.Any(e => Math.Abs(v - e) < 0.05));
                s[i] = v;
            }
            return t;
        })));

    [Property(MaxTest = Runs)]
    public Property Clamp() =>
        Prop.ForAll(AwayFromBounds, Arb.From(Gen.Choose(0, Bounds.Length - 1)), (x, k) =>
            Check(v => v[0].Clamp(Bounds[k].Min, Bounds[k].Max), x).Label($"min {Bounds[k].Min}, max {Bounds[k].Max}"));

    // ---- forward values ----

    [Property(MaxTest = Runs)]
    public Property ForwardMatchesSystemMath() =>
        Prop.ForAll(Any, x =>
        {
            var v = x.AsVariable();
            Reference.Close(Reference.Map(x, Math.Abs), v.Abs().Data, 0, what: "Abs");
            Reference.Close(Reference.Map(x, Math.Sin), v.Sin().Data, 4e-16, what: "Sin");
            Reference.Close(Reference.Map(x, Math.Cos), v.Cos().Data, 4e-16, what: "Cos");
            Reference.Close(Reference.Map(x, a => a > 0 ? a : 0.1 * a), v.LeakyRelu(0.1).Data, 0, what: "LeakyRelu");
            Reference.Close(Reference.Map(x, a => Math.Min(Math.Max(a, -0.5), 0.7)), v.Clamp(-0.5, 0.7).Data, 0, what: "Clamp");
            return true;
        });

    [Fact]
    public void ErfMatchesTabulatedValues()
    {
        // erf to 16 digits (glibc's erf via Python's math.erf, agreeing with Abramowitz and Stegun table 7.1).
        (double X, double Erf)[] table =
        [
            (0, 0), (0.1, 0.1124629160182849), (0.5, 0.5204998778130465), (1, 0.8427007929497149),
            (-1.5, -0.9661051464753108), (1.99, 0.995111413199617), (2, 0.9953222650189527), (2.5, 0.999593047982555), (3, 0.9999779095030014), (5, 0.9999999999984626), (7, 1),
        ];
        // Within 4 units in the last place (the documented accuracy; the 16-digit values themselves are within ½ ulp).
        foreach (var (x, erf) in table)
        {
            double ulp = Math.BitIncrement(Math.Abs(erf)) - Math.Abs(erf);
            Assert.True(Math.Abs(Special.Erf(x) - erf) <= 4.5 * ulp, $"erf({x}) = {Special.Erf(x):R}, expected {erf:R} ({Math.Abs(Special.Erf(x) - erf) / ulp:G3} ulps)");
        }
        Assert.True(double.IsNaN(Special.Erf(double.NaN)));
    }

    [Fact]
    public void GeluByHand()
    {
        // Exact: x·Φ(x) with Φ(1) = 0.8413447460685429, Φ(-1) = 0.15865525393145707, Φ(2) = 0.9772498680518208.
        var x = Tensor.FromArray([1.0, -1, 2, 0]).AsVariable();
        var exact = x.Gelu().Data.ToArray();
        double[] expected = [0.8413447460685429, -0.15865525393145707, 2 * 0.9772498680518208, 0];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], exact[i], 1e-15);
        // Tanh form at 1: ½(1 + tanh(√(2/π)·1.044715)).
        Assert.Equal(0.8411919906082768, x.Gelu(GeluApproximation.Tanh).Data[0], 1e-15);
        Assert.Equal(0.8411919906082768f, Tensor.FromArray([1f]).AsVariable().Gelu(GeluApproximation.Tanh).Data[0], 6);
    }

    // ---- kinks ----

    private static double[] Grad(Func<Variable<double>, Variable<double>> f, params double[] values)
    {
        var x = Tensor.FromArray(values).RequiresGrad();
        f(x).Backward(Tensor.Full(2.0, values.Length));
        return x.Grad!.ToArray();
    }

    [Fact]
    public void SubgradientsAtTheKinksAreStatedOnes()
    {
        Assert.Equal([-2.0, 0, 2], Grad(v => v.Abs(), -1, 0, 1));                          // sign(0) = 0
        Assert.Equal([0.2, 0.2, 2], Grad(v => v.LeakyRelu(0.1), -1, 0, 1));                // slope at 0
        Assert.Equal([0.0, 2, 2, 2, 0], Grad(v => v.Clamp(-0.5, 0.7), -1, -0.5, 0, 0.7, 1)); // bounds pass
        Assert.Equal([0.0, 2, 2], Grad(v => v.Clamp(min: 0), -1, 0, 1));
        Assert.Equal([2.0, 2, 0], Grad(v => v.Clamp(max: 0), -1, 0, 1));
        Assert.Equal(1.0, Grad(v => v.Gelu(), 0)[0], 15);                                  // Φ(0) = ½
    }

    // ---- fusion: the same rules run inside Fuse.Pointwise ----

    [Property(MaxTest = 30)]
    public Property FusedFunctionOfTheNewPrimitivesMatchesEager() =>
        Prop.ForAll(TensorArb.BroadcastPair(new ShapeOptions(2, 3, 1, 5), a: ValueDomain.AwayFromZero(0.1, 3)), p =>
        {
            // b broadcasts over a's leading axes only (the fusion compiler's rule): give it a's last axis.
            var b = new Rng(7).Normal<double>([p.A.Dim(-1)]);
            static Variable<double> F(Variable<double> a, Variable<double> b) =>
                a.Abs().Sin() * b.Cos() + a.LeakyRelu(0.2).Gelu() + a.Gelu(GeluApproximation.Tanh).Clamp(-0.3, 0.8) + a.Maximum(b) - a.Minimum(b * 0.5);
            var fused = Fuse.Pointwise<double>(F);
            var (a1, b1) = (p.A.RequiresGrad(), b.RequiresGrad());
            var (a2, b2) = (p.A.RequiresGrad(), b.RequiresGrad());
            var eager = F(a1, b1);
            var viaFusion = fused(a2, b2);
            var g = new Rng(8).Normal<double>(eager.Data.ShapeArray);
            eager.Backward(g);
            viaFusion.Backward(g);
            Reference.Close(eager.Data, viaFusion.Data, 1e-14, what: "value");
            Reference.Close(a1.Grad!, a2.Grad!, 1e-14, what: "da");
            Reference.Close(b1.Grad!, b2.Grad!, 1e-14, what: "db");
            return true;
        });

    // ---- bad arguments ----

    [Fact]
    public void BadArgumentsAreRejectedBeforeAnythingIsRecorded()
    {
        var x = Tensor.FromArray([1.0, 2]).RequiresGrad();
        Assert.Contains("Clamp: at least one of min and max", Assert.ThrowsAny<ArgumentException>(() => x.Clamp()).Message);
        Assert.Contains("Clamp: min 2 is greater than max 1", Assert.ThrowsAny<ArgumentException>(() => x.Clamp(2, 1)).Message);
        Assert.Contains("Clamp: min NaN", Assert.ThrowsAny<ArgumentException>(() => x.Clamp(double.NaN, 1)).Message);
        Assert.Contains("LeakyRelu: negativeSlope must be finite", Assert.ThrowsAny<ArgumentException>(() => x.LeakyRelu(double.NaN)).Message);
        Assert.Contains("Gelu: unknown approximation 5", Assert.ThrowsAny<ArgumentException>(() => x.Gelu((GeluApproximation)5)).Message);
    }
}
