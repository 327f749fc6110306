using MiniTorch.Autograd;
using MiniTorch.Autograd.Fusion;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Fusion;

/// <summary>Fuse.Pointwise on hand-written functions: values and gradients against the eager ops, and bad input.</summary>
public class FuseTests
{
    /// <summary>The seed's LSTM gate equations on a (N, 4H) = [a_i | a_f | a_o | a_g] and c (N, H).</summary>
    internal static (Variable<T> H, Variable<T> C) LstmGates<T>(Variable<T> a, Variable<T> c) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int h = a.Dim(-1) / 4;
        var i = a.Narrow(-1, 0, h).Sigmoid();
        var f = a.Narrow(-1, h, h).Sigmoid();
        var o = a.Narrow(-1, 2 * h, h).Sigmoid();
        var g = a.Narrow(-1, 3 * h, h).Tanh();
        var cNext = f * c + i * g;
        return (o * cNext.Tanh(), cNext);
    }

    private static Variable<double> Gru(Variable<double> xw, Variable<double> hw, Variable<double> h)
    {
        int n = h.Dim(-1);
        var r = (xw.Narrow(-1, 0, n) + hw.Narrow(-1, 0, n)).Sigmoid();
        var z = (xw.Narrow(-1, n, n) + hw.Narrow(-1, n, n)).Sigmoid();
        var cand = (xw.Narrow(-1, 2 * n, n) + r * hw.Narrow(-1, 2 * n, n)).Tanh();
        return (1.0 - z) * cand + z * h;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(7, 5)]
    [InlineData(300, 3)]
    public void LstmGatesMatchTheEagerOpsInValueAndGradient(int n, int h)
    {
        var rng = new Rng((ulong)(n * 31 + h));
        var a = rng.Normal<double>([n, 4 * h], std: 2);
        var c = rng.Normal<double>([n, h]);
        var fused = Fuse.Pointwise<double>(LstmGates);
        var (gh, gc) = (rng.Normal<double>([n, h]), rng.Normal<double>([n, h]));

        var (av, cv) = (a.RequiresGrad(), c.RequiresGrad());
        var (fh, fc) = fused(av, cv);
        (fh * gh.AsVariable() + fc * gc.AsVariable()).Sum().Backward();
        var (ev, ecv) = (a.RequiresGrad(), c.RequiresGrad());
        var (eh, ec) = LstmGates(ev, ecv);
        (eh * gh.AsVariable() + ec * gc.AsVariable()).Sum().Backward();

        Assert.True(GradCheck.ScaledError(eh.Data.AsSpan(), fh.Data.AsSpan()) <= 1e-12);
        Assert.True(GradCheck.ScaledError(ec.Data.AsSpan(), fc.Data.AsSpan()) <= 1e-12);
        Assert.True(GradCheck.ScaledError(ev.Grad!.AsSpan(), av.Grad!.AsSpan()) <= 1e-10);
        Assert.True(GradCheck.ScaledError(ecv.Grad!.AsSpan(), cv.Grad!.AsSpan()) <= 1e-10);
    }

    [Fact]
    public void NoGradForwardGivesItsSavedValuesBackToThePoolAtOnce()
    {
        var rng = new Rng(11);
        var a = rng.Normal<double>([13, 4 * 7]); // sizes no other test uses: no pooled buffer of these lengths yet
        var c = rng.Normal<double>([13, 7]);
        var fused = Fuse.Pointwise<double>(LstmGates);
        var (rh, rc) = fused(a.RequiresGrad(), c.RequiresGrad()); // recorded: keeps what it saved until its backward
        using var _ = GradMode.NoGrad();
        long before = GradientPool<double>.PooledBytes;
        var (h, cNext) = fused(a.AsVariable(), c.AsVariable());
        long after = GradientPool<double>.PooledBytes;
        Assert.True(after > before, $"an unrecorded fused op returned nothing to the pool ({before} -> {after} bytes)");
        var (h2, _) = fused(a.AsVariable(), c.AsVariable());
        Assert.Equal(after, GradientPool<double>.PooledBytes); // the next call reuses those buffers
        Assert.Equal(rh.Data.AsSpan().ToArray(), h.Data.AsSpan().ToArray());
        Assert.Equal(rc.Data.AsSpan().ToArray(), cNext.Data.AsSpan().ToArray());
        Assert.Equal(h.Data.AsSpan().ToArray(), h2.Data.AsSpan().ToArray());
    }

    [Fact]
    public void GruGatesMatchCentralDifferences()
    {
        var rng = new Rng(3);
        var fused = Fuse.Pointwise<double>(Gru);
        GradientProperty.Assert(v => fused(v[0], v[1], v[2]), [rng.Normal<double>([4, 9]), rng.Normal<double>([4, 9]), rng.Normal<double>([4, 3])]);
    }

    [Fact]
    public void ABiasRowBroadcastsAndItsGradientSumsOverRows()
    {
        var rng = new Rng(4);
        var fused = Fuse.Pointwise<double>((x, b) => (x + b).Tanh() * b);
        GradientProperty.Assert(v => fused(v[0], v[1]), [rng.Normal<double>([2, 3, 4]), rng.Normal<double>([4])]);
        GradientProperty.Assert(v => fused(v[0], v[1]), [rng.Normal<double>([3, 2, 4]), rng.Normal<double>([3, 1, 4])]);
    }

    [Fact]
    public void ABiasRowAsTheFirstArgumentGetsItsGradientToo()
    {
        // The broadcast row is argument 0, so it is the plan's first node: the backward walk must reach it.
        var rng = new Rng(14);
        var fused = Fuse.Pointwise<double>((b, x) => (x + b).Tanh() * b);
        GradientProperty.Assert(v => fused(v[0], v[1]), [rng.Normal<double>([4]), rng.Normal<double>([2, 3, 4])]);
    }

    /// <summary>
    /// An argument broadcast over some leading axes (b (3, 1, 4) beside x (3, 2, 4); (1, 3, 4) beside (2, 3, 4)) reads
    /// the right row for every row of the plan: values and gradients equal the eager ops'. (The gradient property alone
    /// cannot see a wrong row map: the fused op's forward and backward would agree with each other.)
    /// </summary>
    [Theory]
    [InlineData(new[] { 3, 2, 4 }, new[] { 3, 1, 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 1, 3, 4 })]
    [InlineData(new[] { 2, 3, 5, 4 }, new[] { 2, 1, 5, 4 })]
    public void ABroadcastArgumentReadsTheRightRowsAsTheEagerOpsDo(int[] xShape, int[] bShape)
    {
        static Variable<double> F(Variable<double> x, Variable<double> b) => (x + b).Tanh() * b;
        var fused = Fuse.Pointwise<double>(F);
        var rng = new Rng(23);
        var (x, b, g) = (rng.Normal<double>(xShape), rng.Normal<double>(bShape), rng.Normal<double>(xShape));
        var (fx, fb) = (x.RequiresGrad(), b.RequiresGrad());
        var fy = fused(fx, fb);
        fy.Backward(g);
        var (ex, eb) = (x.RequiresGrad(), b.RequiresGrad());
        var ey = F(ex, eb);
        ey.Backward(g);
        Assert.True(GradCheck.ScaledError(ey.Data.AsSpan(), fy.Data.AsSpan()) <= 1e-12, "values");
        Assert.True(GradCheck.ScaledError(ex.Grad!.AsSpan(), fx.Grad!.AsSpan()) <= 1e-10, "dx");
        Assert.True(GradCheck.ScaledError(eb.Grad!.AsSpan(), fb.Grad!.AsSpan()) <= 1e-10, "db");
    }

    [Fact]
    public void AnArgumentThatNeedsNoGradientGetsNoneAndTheOthersTheirs()
    {
        // c is a constant: the backward walk must neither write nor ask for its gradient storage.
        var fused = Fuse.Pointwise<double>((x, c) => (x * c).Sigmoid() + c.Tanh());
        var rng = new Rng(24);
        var (xData, cData) = (rng.Normal<double>([5, 3]), rng.Normal<double>([5, 3]));
        var (x, c) = (xData.RequiresGrad(), cData.AsVariable());
        fused(x, c).Sum().Backward();
        Assert.Null(c.Grad);
        var ex = xData.RequiresGrad();
        ((ex * cData.AsVariable()).Sigmoid() + cData.AsVariable().Tanh()).Sum().Backward();
        Assert.True(GradCheck.ScaledError(ex.Grad!.AsSpan(), x.Grad!.AsSpan()) <= 1e-12);
    }

    [Fact]
    public void TheSameVariableAsTwoArgumentsGetsBothContributions()
    {
        // f(a, a) with f(x, y) = 2x + 3y²: da = 2 + 6a. Both arguments' gradients go to one buffer; the backward walk
        // reaches y's rule first, so x's must add to it rather than write over it.
        var fused = Fuse.Pointwise<double>((x, y) => x * 2.0 + y * y * 3.0);
        var data = new Rng(21).Normal<double>([5, 3]);
        var a = data.RequiresGrad();
        fused(a, a).Sum().Backward();
        var expected = data.AsSpan().ToArray().Select(v => 2 + 6 * v).ToArray();
        Assert.True(GradCheck.ScaledError(expected, a.Grad!.AsSpan()) <= 1e-15, $"da = {a.Grad}");
        GradientProperty.Assert(v => fused(v[0], v[0]), [data]);
    }

    [Fact]
    public void AnArgumentThatOnlyAnUnusedOutputReadsGetsZeroGradient()
    {
        // b feeds only the second output, which nothing downstream uses: b's gradient is zero (PyTorch's too), not
        // whatever its gradient storage held before (NaN in this test run) and not missing.
        var fused = Fuse.Pointwise<double>(v => [v[0].Tanh(), v[1] * 3.0], 2);
        var rng = new Rng(22);
        var (a, b) = (rng.Normal<double>([4, 6]).RequiresGrad(), rng.Normal<double>([4, 6]).RequiresGrad());
        var outs = fused.Apply(a, b);
        outs[0].Sum().Backward();
        Assert.All(b.Grad!.AsSpan().ToArray(), g => Assert.Equal(0.0, g));
        var t = outs[0].Data.AsSpan().ToArray();
        Assert.True(GradCheck.ScaledError(t.Select(y => 1 - y * y).ToArray(), a.Grad!.AsSpan()) <= 1e-15);
    }

    /// <summary>y = a + b²: a constant derivative for a only; b's derivative 2b reads the operand.</summary>
    private sealed class APlusBSquared : BinaryRule<double>
    {
        public override string Name => "APlusBSquared";
        public override string Symbol => "+²";
        public override void Forward(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
        { for (int i = 0; i < y.Length; i++) y[i] = a[i] + b[i] * b[i]; }
        public override void Backward(int operand, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> d)
        {
            if (operand == 0) throw new InvalidOperationException("operand 0 has a constant derivative");
            for (int i = 0; i < d.Length; i++) d[i] = 2 * b[i] * g[i];
        }
        public override bool HasConstantDerivative(int operand, out double value) { value = 1; return operand == 0; }
    }

    [Fact]
    public void ARuleWithOneConstantDerivativeStillGetsTheOperandsItsOtherDerivativeReads()
    {
        // b is a cheap intermediate (x * y), recomputed in the backward only because the rule's non-constant
        // derivative reads it (the backward's scratch holds nothing from the forward).
        var rule = new APlusBSquared();
        var fused = Fuse.Pointwise<double>((x, y) => rule.Apply(x.Tanh(), x * y));
        var rng = new Rng(15);
        GradientProperty.Assert(v => fused(v[0], v[1]), [rng.Normal<double>([50, 3]), rng.Normal<double>([50, 3])]);
    }

    [Fact]
    public void ItTracesOncePerShape()
    {
        var fn = Fuse.Pointwise<double>(v => [v[0].Exp()], 1);
        var rng = new Rng(5);
        fn.Apply(rng.Normal<double>([2, 3]).AsVariable());
        fn.Apply(rng.Normal<double>([2, 3]).AsVariable());
        Assert.Equal(1, fn.TraceCount);
        fn.Apply(rng.Normal<double>([4, 3]).AsVariable());
        Assert.Equal(2, fn.TraceCount);
    }

    [Fact]
    public void InputShapesThatReadTheSameRunTogetherGetTheirOwnPlans()
    {
        // The plan cache's key separates the arguments' shapes: (2, 2), (2) and (2), (2, 2) list the same sizes 2, 2, 2
        // and must not share a plan (the first broadcasts b over a's rows, the second a over b's). Both calls are checked
        // in value and gradient against the same function run on the eager ops.
        static Variable<double> F(Variable<double> a, Variable<double> b) => a.Tanh() * b + a * 0.5;
        var fused = Fuse.Pointwise<double>(v => [F(v[0], v[1])], 2);
        var rng = new Rng(21);
        foreach (var (sa, sb) in new[] { (new[] { 2, 2 }, new[] { 2 }), (new[] { 2 }, new[] { 2, 2 }) })
        {
            var (a, b, g) = (rng.Normal<double>(sa), rng.Normal<double>(sb), rng.Normal<double>([2, 2]));
            var (fa, fb) = (a.RequiresGrad(), b.RequiresGrad());
            var y = fused.Apply(fa, fb)[0];
            (y * g.AsVariable()).Sum().Backward();
            var (ea, eb) = (a.RequiresGrad(), b.RequiresGrad());
            var e = F(ea, eb);
            (e * g.AsVariable()).Sum().Backward();
            Assert.Equal(e.Data.ShapeString, y.Data.ShapeString);
            Assert.True(GradCheck.ScaledError(e.Data.AsSpan(), y.Data.AsSpan()) <= 1e-12, $"values for a {Shapes.Str(sa)}, b {Shapes.Str(sb)}");
            Assert.True(GradCheck.ScaledError(ea.Grad!.AsSpan(), fa.Grad!.AsSpan()) <= 1e-10, $"da for a {Shapes.Str(sa)}, b {Shapes.Str(sb)}");
            Assert.True(GradCheck.ScaledError(eb.Grad!.AsSpan(), fb.Grad!.AsSpan()) <= 1e-10, $"db for a {Shapes.Str(sa)}, b {Shapes.Str(sb)}");
        }
        Assert.Equal(2, fused.TraceCount);
        // And the sizes of one shape are kept apart: (1, 2) and (12) must not share a plan either.
        var one = Fuse.Pointwise<double>(v => [v[0].Tanh()], 1);
        Assert.Equal("(1, 2)", one.Apply(new Tensor<double>(1, 2).AsVariable())[0].Data.ShapeString);
        Assert.Equal("(12,)", one.Apply(new Tensor<double>(12).AsVariable())[0].Data.ShapeString);
        Assert.Equal(2, one.TraceCount);
    }

    [Fact]
    public void DescribePrintsTheProgram()
    {
        var fn = Fuse.Pointwise<double>(v => [v[0].Narrow(-1, 0, 2).Tanh() * v[0].Narrow(-1, 2, 2).Sigmoid() + 0.5], 1);
        Assert.Equal("a: (3, 4)\nt1 = a[..., 0:2]\nt2 = tanh(t1)\nt3 = a[..., 2:4]\nt4 = sigmoid(t3)\nt5 = (t2 * t4)\nt6 = (t5 + 0.5)\nout0 = t6\n", fn.Describe([3, 4]));
    }

    [Fact]
    public void DescribeNamesArgumentsBeyondTheAlphabetDistinctly()
    {
        // Arguments 0-25 print as a..z, 26-51 as a1..z1 (never a second "a").
        var fn = Fuse.Pointwise<double>(v => [v.Aggregate((x, y) => x + y)], 27);
        string text = fn.Describe(Enumerable.Repeat(new[] { 2 }, 27).ToArray());
        Assert.StartsWith("a: (2,)\nb: (2,)\n", text);
        Assert.Contains("\nz: (2,)\na1: (2,)\nt27 = (a + b)\n", text);
        Assert.EndsWith(" + a1)\nout0 = t52\n", text);
    }

    [Fact]
    public void DescribeLeavesOutValuesNoResultNeeds()
    {
        // The tanh is computed by the function but reaches no result: the plan drops it (it is never evaluated).
        var fn = Fuse.Pointwise<double>(v => { _ = v[0].Tanh(); return [v[0].Sigmoid()]; }, 1);
        Assert.Equal("a: (2, 3)\nt1 = sigmoid(a)\nout0 = t1\n", fn.Describe([2, 3]));
    }

    [Fact]
    public void ChangingAFusedOpsInputOrOutputInPlaceBeforeBackwardFails()
    {
        // The fused op reads its inputs and outputs in its backward, so it saves both under the version check.
        var fn = Fuse.Pointwise<double>(a => a.Tanh() * a);
        var rng = new Rng(16);
        var x = rng.Normal<double>([2, 3]).RequiresGrad("x");
        var loss = fn(x).Sum();
        x.Data.Fill(0.5);
        Assert.Contains("now version 1", Assert.Throws<InvalidOperationException>(() => loss.Backward()).Message);
        var x2 = rng.Normal<double>([2, 3]).RequiresGrad("x2");
        var y = fn(x2);
        var loss2 = (y * 2.0).Sum();
        y.Data.Fill(0.5);
        Assert.Contains("now version 1", Assert.Throws<InvalidOperationException>(() => loss2.Backward()).Message);
    }

    [Fact]
    public void SixtyFourArgumentsAreAllowed()
    {
        var fn = Fuse.Pointwise<double>(v => [v.Aggregate((x, y) => x * y)], 64);
        string text = fn.Describe(Enumerable.Repeat(new[] { 1 }, 64).ToArray());
        Assert.Contains("\nl2: (1,)\n", text);                                  // argument 63
        Assert.Throws<ArgumentOutOfRangeException>(() => Fuse.Pointwise<double>(v => [v[0]], 65));
    }

    [Fact]
    public void BadCallsAndBadFunctionsAreNamed()
    {
        var x = new Tensor<double>(2, 3).AsVariable();
        Assert.Contains("arity must be between 1 and 64, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => Fuse.Pointwise<double>(v => v, 0)).Message);
        var two = Fuse.Pointwise<double>(v => [v[0] + v[1]], 2);
        var count = Assert.Throws<ArgumentException>(() => two.Apply(x));
        Assert.Contains("Fuse.Pointwise: expected 2 argument(s), got 1.", count.Message);
        Assert.Equal("inputs", count.ParamName);
        Assert.Contains("argument 1 is null.", Assert.Throws<ArgumentNullException>(() => two.Apply(x, null!)).Message);
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => two.Apply((Variable<double>[])null!)).ParamName);
        Assert.Contains("expected 2 shape(s), got 1.", Assert.Throws<ArgumentException>(() => two.Describe([2, 3])).Message);
        Assert.Contains("the function returned null.", Assert.Throws<InvalidOperationException>(() => Fuse.Pointwise<double>(v => null!, 1).Apply(x)).Message);
        Assert.Contains("the function returned no results.", Assert.Throws<InvalidOperationException>(() => Fuse.Pointwise<double>(v => [], 1).Apply(x)).Message);
        Assert.Contains("result 0 is null.", Assert.Throws<InvalidOperationException>(() => Fuse.Pointwise<double>(v => [null!], 1).Apply(x)).Message);
        Assert.Contains("output 0 has shape (3,), but the function runs over rows (2,); every output must span all rows",
            Assert.Throws<ArgumentException>(() => Fuse.Pointwise<double>(v => [v[1].Tanh()], 2).Apply(x, new Tensor<double>(3).AsVariable())).Message);
        Assert.Contains("argument 0 is a scalar (shape ())",
            Assert.Throws<ArgumentException>(() => Fuse.Pointwise<double>(a => a.Tanh())(Tensor.Scalar(1.0).AsVariable())).Message);
        Assert.Contains("Mul of shapes (2, 3) and (2, 1) broadcasts the last axis",
            Assert.Throws<ArgumentException>(() => Fuse.Pointwise<double>((a, b) => a * b)(x, new Tensor<double>(2, 1).AsVariable())).Message);
        Assert.Contains("Concat on axis 0 of shapes (2, 3), (2, 3)",
            Assert.Throws<ArgumentException>(() => Fuse.Pointwise<double>(a => Ops.Concat([a, a], 0))(x)).Message);
    }

    [Fact]
    public void DescribePrintsAConcat()
    {
        var fn = Fuse.Pointwise<double>(v => [Ops.Concat([v[0], v[0].Tanh()], -1)], 1);
        Assert.Equal("a: (2, 3)\nt1 = tanh(a)\nt2 = concat(a, t1)\nout0 = t2\n", fn.Describe([2, 3]));
    }

    [Fact]
    public void ANonPointwiseOpIsNamed()
    {
        var fn = Fuse.Pointwise<double>((a, b) => a.MatMul(b));
        var e = Assert.Throws<NotSupportedException>(() => fn(new Tensor<double>(2, 2).AsVariable(), new Tensor<double>(2, 2).AsVariable()));
        Assert.Contains("MatMul is not a pointwise op", e.Message);
        var sum = Fuse.Pointwise<double>(a => a.Sum(1));
        Assert.Contains("Sum is not a pointwise op", Assert.Throws<NotSupportedException>(() => sum(new Tensor<double>(2, 2).AsVariable())).Message);
        var sel = Fuse.Pointwise<double>(a => a.Narrow(0, 0, 1));
        Assert.Contains("Narrow on axis 0", Assert.Throws<ArgumentException>(() => sel(new Tensor<double>(2, 2).AsVariable())).Message);
    }

    [Fact]
    public void ACapturedVariableIsNamed()
    {
        var w = new Tensor<double>(2, 3).AsVariable(name: "W");
        var fn = Fuse.Pointwise<double>(a => a * w);
        var e = Assert.Throws<InvalidOperationException>(() => fn(new Tensor<double>(2, 3).AsVariable()));
        Assert.Contains("input 1 of Mul is the Variable 'W' of shape (2, 3)", e.Message);
        Assert.Contains("not an argument", e.Message);
        Assert.Equal(0, 0);
    }

    [Fact]
    public void ShapesThatCannotBroadcastGiveTheEagerMessage()
    {
        var fn = Fuse.Pointwise<double>((a, b) => a * b);
        var (x, y) = (new Tensor<double>(2, 3).AsVariable(), new Tensor<double>(4, 3).AsVariable());
        var eager = Assert.Throws<ArgumentException>(() => x * y);
        var fused = Assert.Throws<ArgumentException>(() => fn(x, y));
        Assert.Equal(eager.Message, fused.Message);
    }

    [Fact]
    public void AThrowingFunctionRecordsNothingAndPoisonsNothing()
    {
        bool fail = true;
        var fn = Fuse.Pointwise<double>(a => fail ? throw new InvalidOperationException("boom") : a.Tanh());
        var x = new Rng(6).Normal<double>([2, 3]).RequiresGrad();
        Assert.Equal("boom", Assert.Throws<InvalidOperationException>(() => fn(x)).Message);
        Assert.Null(Tracing.Current);
        fail = false;
        var y = fn(x);
        Assert.Equal(x.Data.Tanh().ToArray(), y.Data.ToArray());
        var eager = x.Tanh(); // ops after a failed trace compute again
        Assert.NotNull(eager.GradFn);
    }
}
