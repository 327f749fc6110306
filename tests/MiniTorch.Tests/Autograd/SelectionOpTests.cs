using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// Gather, Flip, Where, Maximum/Minimum and the Max/Min reductions: gradient properties (float64, central differences,
/// random upstream) at inputs generated away from the ties where the derivative is undefined, forward values against
/// index-by-index loops and hand values, and the subgradient rule at ties checked explicitly.
/// </summary>
public class SelectionOpTests
{
    private const int Runs = 100;
    private static Arbitrary<Tensor<double>> Any => TensorArb.Tensor();
    private static Arbitrary<int> Ints => Props.Ints;
    private static Arbitrary<bool> Bools => Props.Bools;

    private static Property Check(Func<Variable<double>[], Variable<double>> f, params Tensor<double>[] inputs) =>
        GradientProperty.Check(f, inputs);

    // ---- generators ----

    /// <summary>A gather index for x along axis: x's rank, sizes up to x's (1-5 on the axis itself), values in range.</summary>
    private static Tensor<int> GatherIndex(Tensor<double> x, int axis, int seed)
    {
        var rng = new Rng((ulong)(uint)seed);
        int ax = axis < 0 ? axis + x.Rank : axis;
        var shape = x.ShapeArray.Select((s, d) => d == ax ? 1 + rng.NextInt(5) : 1 + rng.NextInt(s)).ToArray();
        return rng.Integers(shape, x.Dim(ax));
    }

    private static Arbitrary<Tensor<double>> Distinct => Props.Distinct;

    /// <summary>
    /// Broadcast pairs that never tie: one operand has |values| in [0.5, 3], the other in [-0.4, 0.4] (which is which
    /// is drawn), so every pair of compared elements is at least 0.1 apart and both sides win somewhere.
    /// </summary>
    private static Arbitrary<(TensorPair Pair, bool Swap)> Apart =>
        Arb.From(TensorGen.BroadcastPair(a: ValueDomain.AwayFromZero(0.5, 3), b: ValueDomain.Uniform(-0.4, 0.4))
            .Zip(ArbMap.Default.GeneratorFor<bool>(), (p, s) => (p, s)));

    // ---- gradient properties ----

    [Property(MaxTest = Runs)]
    public Property GatherAccumulatesRepeatedPositions() =>
        Prop.ForAll(Any, Ints, Ints, (x, a, seed) =>
        {
            int axis = Fit.Axis(a, x.Rank);
            var index = GatherIndex(x, axis, seed);
            return Check(v => v[0].Gather(axis, index), x).Label($"axis {axis}, index {index}");
        });

    [Property(MaxTest = Runs)]
    public Property Flip() =>
        Prop.ForAll(Any, Ints, Bools, (x, pick, negative) =>
        {
            var axes = Enumerable.Range(0, x.Rank).Where(d => ((pick >> d) & 1) == 1).Select(d => negative ? d - x.Rank : d).ToArray();
            return Check(v => v[0].Flip(axes).Tanh(), x).Label($"axes ({string.Join(", ", axes)})");
        });

    [Property(MaxTest = Runs)]
    public Property WhereRoutesEachSideItsGradient() =>
        Prop.ForAll(TensorArb.BroadcastPair(), Ints, (p, seed) =>
        {
            var rng = new Rng((ulong)(uint)seed);
            var full = Reference.BroadcastShape(p.A.ShapeArray, p.B.ShapeArray);
            var maskShape = full[rng.NextInt(full.Length)..].Select(s => rng.NextInt(3) == 0 ? 1 : s).ToArray();
            var mask = Tensor.Cast<int, double>(rng.Integers(maskShape, 2));
            return Check(v => Ops.Where(mask, v[0], v[1]), p.A, p.B).Label($"mask {mask}");
        });

    [Property(MaxTest = Runs)]
    public Property Maximum() => Prop.ForAll(Apart, c =>
    {
        var (a, b) = c.Swap ? (c.Pair.B, c.Pair.A) : (c.Pair.A, c.Pair.B);
        return Check(v => v[0].Maximum(v[1]), a, b);
    });

    [Property(MaxTest = Runs)]
    public Property Minimum() => Prop.ForAll(Apart, c =>
    {
        var (a, b) = c.Swap ? (c.Pair.B, c.Pair.A) : (c.Pair.A, c.Pair.B);
        return Check(v => v[0].Minimum(v[1]), a, b);
    });

    [Property(MaxTest = Runs)]
    public Property MaxAll() => Prop.ForAll(Distinct, x => Check(v => v[0].Max(), x));

    [Property(MaxTest = Runs)]
    public Property MinAll() => Prop.ForAll(Distinct, x => Check(v => v[0].Min(), x));

    [Property(MaxTest = Runs)]
    public Property MaxAlongAxis() =>
        Prop.ForAll(Distinct, Ints, Bools, (x, a, keep) => Check(v => v[0].Max(Fit.Axis(a, x.Rank), keep).Values, x));

    [Property(MaxTest = Runs)]
    public Property MinAlongAxis() =>
        Prop.ForAll(Distinct, Ints, Bools, (x, a, keep) => Check(v => v[0].Min(Fit.Axis(a, x.Rank), keep).Values, x));

    // ---- forward against loops and hand values ----

    [Property(MaxTest = Runs)]
    public Property GatherForwardEqualsTheDefinition() =>
        Prop.ForAll(Any, Ints, Ints, (x, a, seed) =>
        {
            int axis = Fit.Axis(a, x.Rank), ax = axis < 0 ? axis + x.Rank : axis;
            var index = GatherIndex(x, axis, seed);
            var y = x.Gather(axis, index);
            Assert.Equal(index.ShapeArray, y.ShapeArray);
            for (int i = 0; i < index.Length; i++)
            {
                var at = Reference.Unravel(i, index.ShapeArray);
                var src = (int[])at.Clone();
                src[ax] = index[at];
                Assert.Equal(x[src], y[at]);
            }
            return true;
        });

    [Fact]
    public void GatherByHandAndScatterAddAccumulatesDuplicates()
    {
        // torch.gather(t, 1, [[0, 0], [1, 0]]) for t = [[1, 2], [3, 4]] is [[1, 1], [4, 3]].
        var t = Tensor.FromArray([1.0, 2, 3, 4], 2, 2);
        var index = Tensor.FromArray([0, 0, 1, 0], 2, 2);
        Assert.Equal([1.0, 1, 4, 3], t.Gather(1, index).ToArray());
        var x = t.RequiresGrad();
        x.Gather(1, index).Backward(Tensor.FromArray([1.0, 10, 100, 1000], 2, 2));
        Assert.Equal([11.0, 0, 1000, 100], x.Grad!.ToArray());
        // axis 0 with a narrower index: y[i, j] = t[index[i, j], j]
        Assert.Equal([3.0, 2], t.Gather(0, Tensor.FromArray([1, 0], 1, 2)).ToArray());
    }

    [Property(MaxTest = Runs)]
    public Property FlipForwardEqualsTheDefinition() =>
        Prop.ForAll(Any, Ints, (x, pick) =>
        {
            var axes = Enumerable.Range(0, x.Rank).Where(d => ((pick >> d) & 1) == 1).ToArray();
            var y = x.Flip(axes);
            for (int i = 0; i < x.Length; i++)
            {
                var at = Reference.Unravel(i, x.ShapeArray);
                var src = at.Select((c, d) => axes.Contains(d) ? x.Shape[d] - 1 - c : c).ToArray();
                Assert.Equal(x[src], y[at]);
            }
            return true;
        });

    [Fact]
    public void FlipByHand()
    {
        var x = Tensor.Arange<double>(6).Reshape(2, 3);
        Assert.Equal([2.0, 1, 0, 5, 4, 3], x.Flip(1).ToArray());
        Assert.Equal([3.0, 4, 5, 0, 1, 2], x.Flip(-2).ToArray());
        Assert.Equal([5.0, 4, 3, 2, 1, 0], x.Flip(0, 1).ToArray());
        Assert.Equal(x.ToArray(), x.Flip().ToArray());
    }

    [Fact]
    public void WhereByHandBroadcastsAndGivesTheUnchosenSideZeroEvenForInfinities()
    {
        var mask = Tensor.FromArray([1.0, 0, 1], 3);
        var a = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3).RequiresGrad();
        var b = Tensor.FromArray([double.PositiveInfinity]).RequiresGrad();
        var y = Ops.Where(mask, a, b);
        Assert.Equal([1.0, double.PositiveInfinity, 3, 4, double.PositiveInfinity, 6], y.Data.ToArray());
        y.Backward(Tensor.Full(2.0, 2, 3));
        Assert.Equal([2.0, 0, 2, 2, 0, 2], a.Grad!.ToArray());
        Assert.Equal([4.0], b.Grad!.ToArray());
    }

    [Fact]
    public void MaxAndMinAlongAnAxisReturnValuesAndFirstIndices()
    {
        var x = Tensor.FromArray([1.0, 5, 5, 2, 7, 7, -7, 0], 2, 4).RequiresGrad();
        var (values, indices) = x.Max(1);
        Assert.Equal([5.0, 7], values.Data.ToArray());
        Assert.Equal([1, 0], indices.ToArray());
        var (minValues, minIndices) = x.Min(0, keepDim: true);
        Assert.Equal([1.0, 5, -7, 0], minValues.Data.ToArray());
        Assert.Equal([0, 0, 1, 1], minIndices.ToArray());
        Assert.Equal([1, 4], minIndices.ShapeArray);
        // Ties: the whole gradient goes to the returned (first) index.
        values.Backward(Tensor.FromArray([3.0, 4]));
        Assert.Equal([0.0, 3, 0, 0, 4, 0, 0, 0], x.Grad!.ToArray());
    }

    [Property(MaxTest = Runs)]
    public Property MaxAndMinAlongAnAxisEqualTheLoop() =>
        Prop.ForAll(Any, Ints, Bools, (x, a, keep) =>
        {
            int axis = Fit.Axis(a, x.Rank), ax = axis < 0 ? axis + x.Rank : axis;
            var r = Reference.Map(x, v => Math.Round(v)); // ties on purpose: the first index must win
            var (mv, mi) = r.MaxWithIndices(axis, keep);
            var (nv, ni) = r.MinWithIndices(axis, keep);
            Assert.Equal(Reference.Reduce(r, ax, keep, v => v.Max()).ToArray(), mv.ToArray());
            Assert.Equal(Reference.Reduce(r, ax, keep, v => Array.IndexOf(v, v.Max())).ToArray(), mi.ToArray());
            Assert.Equal(Reference.Reduce(r, ax, keep, v => v.Min()).ToArray(), nv.ToArray());
            Assert.Equal(Reference.Reduce(r, ax, keep, v => Array.IndexOf(v, v.Min())).ToArray(), ni.ToArray());
            Assert.Equal(mi.ShapeArray, mv.ShapeArray);
            return true;
        });

    [Fact]
    public void NaNWinsTheReductionsAsInPyTorch()
    {
        var x = Tensor.FromArray([1.0, double.NaN, 3, 4, 5, 6], 2, 3);
        var (values, indices) = x.MaxWithIndices(1);
        Assert.True(double.IsNaN(values[0]));
        Assert.Equal([1, 2], indices.ToArray());
        Assert.True(double.IsNaN(x.MinWithIndices(1).Values[0]));
        Assert.True(double.IsNaN(x.RequiresGrad().Max().Item()));
    }

    [Fact]
    public void AllElementMaxAndMinShareTheGradientEvenlyOverTies()
    {
        var x = Tensor.FromArray([2.0, -1, 2, 0, 2, -1]).RequiresGrad();
        var m = x.Max();
        Assert.Equal(2.0, m.Item());
        m.Backward(Tensor.Scalar(6.0));
        Assert.Equal([2.0, 0, 2, 0, 2, 0], x.Grad!.ToArray());
        var z = Tensor.FromArray([2.0, -1, 2, 0, 2, -1]).RequiresGrad();
        z.Min().Backward(Tensor.Scalar(1.0));
        Assert.Equal([0.0, 0.5, 0, 0, 0, 0.5], z.Grad!.ToArray());
    }

    [Fact]
    public void MaximumAndMinimumSplitTheGradientInHalfOnTies()
    {
        var a = Tensor.FromArray([1.0, 2, 3]).RequiresGrad();
        var b = Tensor.FromArray([2.0]).RequiresGrad();
        var y = a.Maximum(b);
        Assert.Equal([2.0, 2, 3], y.Data.ToArray());
        y.Backward(Tensor.FromArray([10.0, 20, 40]));
        Assert.Equal([0.0, 10, 40], a.Grad!.ToArray());   // a < b: nothing; tie: half; a > b: all
        Assert.Equal([10.0 + 10], b.Grad!.ToArray());       // all of the first, half of the tie
        var c = Tensor.FromArray([1.0, 2, 3]).RequiresGrad();
        var d = Tensor.FromArray([2.0]).RequiresGrad();
        var z = c.Minimum(d);
        Assert.Equal([1.0, 2, 2], z.Data.ToArray());
        z.Backward(Tensor.FromArray([10.0, 20, 40]));
        Assert.Equal([10.0, 10, 0], c.Grad!.ToArray());
        Assert.Equal([10.0 + 40], d.Grad!.ToArray());
    }
}
