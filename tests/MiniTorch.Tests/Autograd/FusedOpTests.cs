using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// The fused ops the recurrent modules use (AddMatMul, LstmCellState, LstmCellOutput): gradients against central
/// differences in float64, and forwards against the same computation written with elementary ops.
/// </summary>
public class FusedOpTests
{
    private static Gen<(int N, int H, int K, ulong Seed)> Sizes =>
        from n in Gen.Choose(1, 5)
        from h in Gen.Choose(1, 5)
        from k in Gen.Choose(1, 6)
        from seed in Gen.Choose(0, 1 << 30)
        select (n, h, k, (ulong)seed);

    private static Property ForAllSizes(Func<(int N, int H, int K, ulong Seed), bool> check) =>
        Prop.ForAll(Arb.From(Sizes), check);

    [Property(MaxTest = 40)]
    public Property AddMatMulGradientsMatchCentralDifferences() => ForAllSizes(s =>
    {
        var rng = new Rng(s.Seed);
        // full addend (N, H), bias addend (H,), batched left operand (2, N, K)
        GradCheck.Run(v => Ops.AddMatMul(v[0], v[1], v[2]), [rng.Normal<double>([s.N, s.H]), rng.Normal<double>([s.N, s.K]), rng.Normal<double>([s.K, s.H])], seed: s.Seed).AssertScaledErrorBelow(1e-7);
        GradCheck.Run(v => Ops.AddMatMul(v[0], v[1], v[2]), [rng.Normal<double>([s.H]), rng.Normal<double>([2, s.N, s.K]), rng.Normal<double>([s.K, s.H])], seed: s.Seed).AssertScaledErrorBelow(1e-7);
        return true;
    });

    [Property(MaxTest = 40)]
    public Property AWeightUsedByManyProductsInOnePassHasTheRightGradients() => ForAllSizes(s =>
    {
        // From its second use in a pass on, the engine multiplies by a cached transpose of the weight (the recurrent
        // Wh of every step): the left operands' gradients and the weight's must still be exact.
        var rng = new Rng(s.Seed);
        var (c, a1, a2, a3, b) = (rng.Normal<double>([s.N, s.H]), rng.Normal<double>([s.N, s.K]), rng.Normal<double>([s.N, s.K]),
            rng.Normal<double>([s.N, s.K]), rng.Normal<double>([s.K, s.H]));
        GradCheck.Run(v => Ops.AddMatMul(Ops.AddMatMul(Ops.AddMatMul(v[0], v[1], v[4]), v[2], v[4]), v[3], v[4]).Square(), [c, a1, a2, a3, b], seed: s.Seed)
            .AssertScaledErrorBelow(1e-7);
        return true;
    });

    [Property(MaxTest = 40)]
    public Property AddMatMulEqualsAddOfMatMul() => ForAllSizes(s =>
    {
        var rng = new Rng(s.Seed);
        var (c, a, b) = (rng.Normal<double>([s.H]), rng.Normal<double>([3, s.N, s.K]), rng.Normal<double>([s.K, s.H]));
        var fused = Ops.AddMatMul(c.AsVariable(), a.AsVariable(), b.AsVariable()).Data;
        var plain = a.MatMul(b) + c;
        return GradCheck.ScaledError(plain.AsSpan(), fused.AsSpan()) < 1e-14;
    });

    [Property(MaxTest = 40)]
    public Property LstmCellOpsGradientsMatchCentralDifferences() => ForAllSizes(s =>
    {
        var rng = new Rng(s.Seed);
        var a = rng.Normal<double>([s.N, 4 * s.H], std: 2);
        var c = rng.Normal<double>([s.N, s.H]);
        GradCheck.Run(v => Ops.LstmCellState(v[0], v[1]), [a, c], seed: s.Seed).AssertScaledErrorBelow(1e-7);
        GradCheck.Run(v => Ops.LstmCellState(v[0], null), [a], seed: s.Seed).AssertScaledErrorBelow(1e-7);
        GradCheck.Run(v => Ops.LstmCellOutput(v[0], v[1]), [a, c], seed: s.Seed).AssertScaledErrorBelow(1e-7);
        // The two together, as a cell uses them: a feeds both ops, c feeds the second.
        GradCheck.Run(v => { var cn = Ops.LstmCellState(v[0], v[1]); return Ops.LstmCellOutput(v[0], cn) * cn; }, [a, c], seed: s.Seed)
            .AssertScaledErrorBelow(1e-7);
        return true;
    });

    [Property(MaxTest = 40)]
    public Property LstmCellOpsEqualTheElementaryComposition() => ForAllSizes(s =>
    {
        var rng = new Rng(s.Seed);
        var a = rng.Normal<double>([s.N, 4 * s.H], std: 3).AsVariable();
        var c = rng.Normal<double>([s.N, s.H]).AsVariable();
        int h = s.H;
        var i = a.Narrow(1, 0, h).Sigmoid();
        var f = a.Narrow(1, h, h).Sigmoid();
        var o = a.Narrow(1, 2 * h, h).Sigmoid();
        var g = a.Narrow(1, 3 * h, h).Tanh();
        var cExpected = f * c + i * g;
        var hExpected = o * cExpected.Tanh();
        var cFused = Ops.LstmCellState(a, c);
        var hFused = Ops.LstmCellOutput(a, cFused);
        return GradCheck.ScaledError(cExpected.Data.AsSpan(), cFused.Data.AsSpan()) < 1e-14
            && GradCheck.ScaledError(hExpected.Data.AsSpan(), hFused.Data.AsSpan()) < 1e-14
            && GradCheck.ScaledError((i * g).Data.AsSpan(), Ops.LstmCellState(a, null).Data.AsSpan()) < 1e-14;
    });

    [Fact]
    public void BadShapesAreRejectedNamingTheOp()
    {
        var a = Tensor.Zeros<double>(2, 8).AsVariable();
        Assert.Contains("LstmCellState", Assert.Throws<ArgumentException>(() => Ops.LstmCellState(Tensor.Zeros<double>(2, 7).AsVariable(), null)).Message);
        Assert.Contains("(2, 2)", Assert.Throws<ArgumentException>(() => Ops.LstmCellState(a, Tensor.Zeros<double>(2, 3).AsVariable())).Message);
        Assert.Contains("LstmCellOutput", Assert.Throws<ArgumentException>(() => Ops.LstmCellOutput(a, Tensor.Zeros<double>(3, 2).AsVariable())).Message);
        Assert.Contains("AddMatMul", Assert.Throws<ArgumentException>(() => Ops.AddMatMul(Tensor.Zeros<double>(3).AsVariable(), Tensor.Zeros<double>(2, 4).AsVariable(), Tensor.Zeros<double>(4, 5).AsVariable())).Message);
        Assert.Contains("AddMatMul", Assert.Throws<ArgumentException>(() => Ops.AddMatMul(Tensor.Zeros<double>(5).AsVariable(), Tensor.Zeros<double>(2, 4).AsVariable(), Tensor.Zeros<double>(3, 5).AsVariable())).Message);
    }

    [Fact]
    public void AWeightUsedAtManyStepsGetsTheSumOfItsDeferredProducts()
    {
        var rng = new Rng(3);
        var w = rng.Normal<double>([4, 3]).RequiresGrad();
        var xs = Enumerable.Range(0, 5).Select(_ => rng.Normal<double>([2, 4])).ToArray();
        Variable<double> loss = xs[0].AsVariable().MatMul(w).Sum();
        foreach (var x in xs.Skip(1)) loss = loss + x.AsVariable().MatMul(w).Tanh().Sum();
        loss.Backward();
        // Expected: Σ_t x_tᵀ·g_t with g_0 = 1 and g_t = 1 - tanh²(x_t w) for t > 0.
        var expected = Tensor.Zeros<double>(4, 3);
        for (int t = 0; t < xs.Length; t++)
        {
            var y = xs[t].MatMul(w.Data);
            var g = t == 0 ? Tensor.Ones<double>(2, 3) : 1.0 - y.Tanh().Square();
            Tensor.MatMulInto(xs[t], true, g, false, expected, accumulate: true);
        }
        Assert.True(GradCheck.ScaledError(expected.AsSpan(), w.Grad!.AsSpan()) < 1e-14);
    }

    [Fact]
    public void RecycledSavedAndGradientBuffersGiveIdenticalSteps()
    {
        // The second and third steps run on buffers the first step's graph and backward returned to the pool.
        var rng = new Rng(11);
        var a = rng.Normal<double>([3, 8], std: 2).RequiresGrad();
        var c = rng.Normal<double>([3, 2]).RequiresGrad();
        var w = rng.Normal<double>([2, 8]).RequiresGrad();
        double[] Step()
        {
            a.Grad = c.Grad = w.Grad = null;
            var cn = Ops.LstmCellState(a, c);
            var h = Ops.LstmCellOutput(a, cn);
            var a2 = Ops.AddMatMul(a, h, w);
            var h2 = Ops.LstmCellOutput(a2, Ops.LstmCellState(a2, cn));
            (h2 * h).Sum().Backward();
            return [.. a.Grad!.ToArray(), .. c.Grad!.ToArray(), .. w.Grad!.ToArray(), .. h2.Data.ToArray()];
        }
        var first = Step();
        Assert.Equal(first, Step());
        Assert.Equal(first, Step());
    }
}
