using FsCheck;
using FsCheck.Fluent;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Tensors;

/// <summary>The tensor layer: views and copies, joins, gathers and scatters, reductions, printing, the RNG.</summary>
public class TensorLayerTests
{
    private static Tensor<double> Counting(params int[] shape) => Tensor.Arange<double>(Reference.Numel(shape)).Reshape(shape);

    // ---- reshape ----

    [Fact]
    public void ReshapeIsAViewWritesAreVisibleBothWays()
    {
        var x = Counting(2, 3);
        var y = x.Reshape(3, 2);
        y[2, 1] = 100;
        Assert.Equal(100, x[1, 2]);
        x[0, 1] = -7;
        Assert.Equal(-7, y[0, 1]);
        Assert.Equal([3, 2], y.ShapeArray);
    }

    [Theory]
    [InlineData(new[] { -1 }, new[] { 24 })]
    [InlineData(new[] { 4, -1 }, new[] { 4, 6 })]
    [InlineData(new[] { -1, 2, 3 }, new[] { 4, 2, 3 })]
    [InlineData(new[] { 2, -1, 4 }, new[] { 2, 3, 4 })]
    [InlineData(new[] { 1, -1, 1 }, new[] { 1, 24, 1 })]
    public void ReshapeInfersTheMinusOneSize(int[] target, int[] expected)
    {
        var x = Counting(2, 3, 4);
        var y = x.Reshape(target);
        Assert.Equal(expected, y.ShapeArray);
        Assert.Equal(x.ToArray(), y.ToArray());
    }

    [Fact]
    public void ReshapeToAnyShapeOfTheSameSizeKeepsRowMajorOrder() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), TensorArb.Shape(), (x, s) =>
        {
            var target = s.Take(s.Length - 1).Append(-1).ToArray();
            int known = Reference.Numel(target[..^1]);
            if (x.Length % known != 0) return;
            var y = x.Reshape(target);
            Assert.Equal(x.Length / known, y.Shape[^1]);
            Assert.Equal(x.ToArray(), y.ToArray());
        }));

    [Fact]
    public void UnsqueezeAndSqueezeAreViews()
    {
        var x = Counting(2, 3);
        var u = x.Unsqueeze(1);
        Assert.Equal([2, 1, 3], u.ShapeArray);
        Assert.Equal([2, 3, 1], x.Unsqueeze(-1).ShapeArray);
        u[1, 0, 2] = 50;
        Assert.Equal(50, x[1, 2]);
        Assert.Equal([2, 3], u.Squeeze(1).ShapeArray);
    }

    // ---- narrow / select ----

    [Fact]
    public void NarrowWithOnlySizeOneAxesBeforeItIsAView()
    {
        var x = Counting(1, 4, 3);
        var n = x.Narrow(1, 1, 2);
        Assert.Equal([1, 2, 3], n.ShapeArray);
        Assert.Equal([3.0, 4, 5, 6, 7, 8], n.ToArray());
        n[0, 0, 0] = -1;
        Assert.Equal(-1, x[0, 1, 0]);

        var rows = Counting(4, 3).Narrow(0, 2, 2);
        Assert.Equal([6.0, 7, 8, 9, 10, 11], rows.ToArray());
    }

    [Fact]
    public void NarrowOnAnInnerAxisIsACopy()
    {
        var x = Counting(2, 4);
        var n = x.Narrow(1, 1, 2);
        Assert.Equal([1.0, 2, 5, 6], n.ToArray());
        n[0, 0] = -1;
        Assert.Equal(1, x[0, 1]);
    }

    [Fact]
    public void NarrowAndSelectPickTheReferenceElements() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), Props.Ints, Arb.Zip(Props.Ints, Props.Ints), (x, a, w) =>
        {
            int axis = Fit.Axis(a, x.Rank), at = axis < 0 ? axis + x.Rank : axis;
            var (start, length) = Fit.Window(w.Item1, w.Item2, x.Dim(axis));
            var n = x.Narrow(axis, start, length);
            var sel = x.Select(axis, start);
            for (int i = 0; i < n.Length; i++)
            {
                var idx = Reference.Unravel(i, n.ShapeArray);
                var src = (int[])idx.Clone(); src[at] += start;
                Assert.Equal(x[src], n[idx]);
            }
            for (int i = 0; i < sel.Length; i++)
            {
                var idx = Reference.Unravel(i, sel.ShapeArray).ToList();
                idx.Insert(at, start);
                Assert.Equal(x[idx.ToArray()], sel.AsSpan()[i]);
            }
        }));

    [Fact]
    public void AddToNarrowIsTheAdjointOfNarrow() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), Props.Ints, Arb.Zip(Props.Ints, Props.Ints), (x, a, w) =>
        {
            int axis = Fit.Axis(a, x.Rank);
            var (start, length) = Fit.Window(w.Item1, w.Item2, x.Dim(axis));
            var g = new Rng(3).Normal<double>(x.Narrow(axis, start, length).ShapeArray);
            var dst = new Tensor<double>(x.ShapeArray);
            Tensor.AddToNarrow(dst, axis, start, g);
            // <Narrow(x), g> == <x, AddToNarrow(0, g)>
            double lhs = (x.Narrow(axis, start, length) * g).SumAll(), rhs = (x * dst).SumAll();
            Assert.Equal(lhs, rhs, 1e-12 * Math.Max(1, Math.Abs(lhs)));
        }));

    [Fact]
    public void NarrowIntoWritesOrAddsTheWindowAndChecksTheDestinationFirst()
    {
        var x = Counting(2, 3, 2); // x[o, n, i] = 6o + 2n + i
        var selected = Tensor.Full(100.0, 2, 2);
        Tensor.NarrowInto(x, 1, 1, selected, accumulate: false);
        Assert.Equal(x.Select(1, 1).ToArray(), selected.ToArray());
        Tensor.NarrowInto(x, 1, 1, selected, accumulate: true);
        Assert.Equal((x.Select(1, 1) * 2.0).ToArray(), selected.ToArray());

        var window = Tensor.Full(1.0, 2, 2, 2);
        Tensor.NarrowInto(x, 1, 1, window, accumulate: true);
        Assert.Equal((x.Narrow(1, 1, 2) + 1.0).ToArray(), window.ToArray());
        Tensor.NarrowInto(x, -1, 1, Tensor.Full(0.0, 2, 3), accumulate: false); // negative axis, select-shaped

        var keep = Tensor.Full(5.0, 2, 3);
        var before = keep.ToArray();
        var e = Assert.Throws<ArgumentException>(() => Tensor.NarrowInto(x, 1, 0, keep, accumulate: false));
        Assert.Equal("NarrowInto: destination (2, 3) does not fit (2, 3, 2) at axis 1.", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.NarrowInto(x, 1, 2, Tensor.Full(0.0, 2, 2, 2), accumulate: false));
        Assert.Throws<ArgumentException>(() => Tensor.NarrowInto(x, 1, 0, Tensor.Full(0.0, 2), accumulate: false));
        Assert.Equal(before, keep.ToArray());
    }

    // ---- concat / stack ----

    [Fact]
    public void ConcatAndStackPlaceEachInputWhereExpected()
    {
        var a = Counting(2, 2);
        var b = Counting(2, 1) + 10.0;
        Assert.Equal([0.0, 1, 10, 2, 3, 11], Tensor.Concat([a, b], 1).ToArray());
        Assert.Equal([0.0, 1, 2, 3, 0, 1, 2, 3], Tensor.Concat([a, a], 0).ToArray());
        var s0 = Tensor.Stack([a, a * 2.0], 0);
        Assert.Equal([2, 2, 2], s0.ShapeArray);
        Assert.Equal([0.0, 1, 2, 3, 0, 2, 4, 6], s0.ToArray());
        var s2 = Tensor.Stack([a, a * 2.0], -1);
        Assert.Equal([2, 2, 2], s2.ShapeArray);
        Assert.Equal([0.0, 0, 1, 2, 2, 4, 3, 6], s2.ToArray());
    }

    [Fact]
    public void ConcatThenNarrowGivesBackEachPart() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), Props.Ints, Props.Ints, (x, a, seed) =>
        {
            int axis = Fit.Axis(a, x.Rank), at = axis < 0 ? axis + x.Rank : axis;
            var shape = x.ShapeArray; shape[at] = 1 + Fit.Index(seed, 3);
            var y = new Rng((ulong)(uint)seed).Normal<double>(shape);
            var c = Tensor.Concat([x, y], axis);
            Assert.Equal(x.ToArray(), c.Narrow(axis, 0, x.Dim(axis)).ToArray());
            Assert.Equal(y.ToArray(), c.Narrow(axis, x.Dim(axis), y.Dim(axis)).ToArray());
            var s = Tensor.Stack([x, x * 2.0], axis);
            Assert.Equal((x * 2.0).ToArray(), s.Select(axis, 1).ToArray());
        }));

    // ---- gather / scatter ----

    [Fact]
    public void IndexAddWithDuplicateIndicesAccumulatesLikeNumpyAddAt()
    {
        var dst = Tensor.Zeros<double>(3);
        Tensor.IndexAdd(dst, 0, Tensor.FromArray([0, 0, 2, 0]), Tensor.FromArray([1.0, 2, 3, 4]));
        Assert.Equal([7.0, 0, 3], dst.ToArray());

        var w = Tensor.Ones<double>(4, 2);
        Tensor.IndexAdd(w, 0, Tensor.FromArray([1, 3, 1], 3), Counting(3, 2));
        Assert.Equal([1.0, 1, 1 + 0 + 4, 1 + 1 + 5, 1, 1, 1 + 2, 1 + 3], w.ToArray());
    }

    [Fact]
    public void IndexSelectAndIndexAddMatchTheReferenceOnAnyAxis() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), Props.Ints, TensorArb.Indices(5, duplicates: true), (x, a, raw) =>
        {
            int axis = Fit.Axis(a, x.Rank), at = axis < 0 ? axis + x.Rank : axis, n = x.Dim(axis);
            var idx = raw.Clone();
            for (int i = 0; i < idx.Length; i++) idx.AsSpan()[i] %= n;
            var y = x.IndexSelect(axis, idx);
            int[] expectedShape = [.. x.Shape[..at], .. idx.ShapeArray, .. x.Shape[(at + 1)..]];
            Assert.Equal(expectedShape, y.ShapeArray);
            var expectedSum = new Tensor<double>(x.ShapeArray);
            for (int i = 0; i < y.Length; i++)
            {
                var o = Reference.Unravel(i, expectedShape);
                var k = o[at..(at + idx.Rank)];
                var src = o[..at].Append(idx[k]).Concat(o[(at + idx.Rank)..]).ToArray();
                Assert.Equal(x[src], y[o]);
                expectedSum[src] += x[src]; // np.add.at(dst, idx, y) adds y back onto its source slots
            }
            var dst = new Tensor<double>(x.ShapeArray);
            Tensor.IndexAdd(dst, axis, idx, y);
            Reference.Close(expectedSum, dst, 1e-14, what: "IndexAdd");
        }));

    // ---- broadcasting adjoints and reductions ----

    [Fact]
    public void SumToShapeSumsOverTheBroadcastAxes() =>
        Props.Holds(Prop.ForAll(TensorArb.BroadcastShapes(), Props.Ints, (shapes, seed) =>
        {
            var full = shapes.Result;
            var x = new Rng((ulong)(uint)seed).Normal<double>(full);
            var target = shapes.A;
            var expected = new Tensor<double>(target);
            for (int i = 0; i < x.Length; i++)
            {
                var o = Reference.Unravel(i, full);
                expected[Reference.BroadcastIndex(o, target)] += x[o];
            }
            Reference.Close(expected, x.SumToShape(target), 1e-13, what: "SumToShape");
            // The adjoint of BroadcastTo: <BroadcastTo(a), x> == <a, SumToShape(x)>
            var a = new Rng((ulong)(uint)seed + 1).Normal<double>(target);
            Assert.Equal((a.BroadcastTo(full) * x).SumAll(), (a * x.SumToShape(target)).SumAll(), 1e-12 * x.Length);
            Assert.Same(x, x.SumToShape(full));
        }));

    [Fact]
    public void BroadcastToRepeatsAlongNewAndSizeOneAxes() =>
        Props.Holds(Prop.ForAll(TensorArb.BroadcastShapes(), Props.Ints, (shapes, seed) =>
        {
            var a = new Rng((ulong)(uint)seed).Normal<double>(shapes.A);
            var full = shapes.Result;
            var y = a.BroadcastTo(full);
            Assert.Equal(full, y.ShapeArray);
            for (int i = 0; i < y.Length; i++)
            {
                var o = Reference.Unravel(i, full);
                Assert.Equal(a[Reference.BroadcastIndex(o, shapes.A)], y[o]);
            }
        }));

    [Fact]
    public void ReductionsWithKeepDimKeepASizeOneAxis()
    {
        var x = Counting(2, 3, 4);
        Assert.Equal([2, 1, 4], x.Sum(1, keepDim: true).ShapeArray);
        Assert.Equal([2, 4], x.Sum(1).ShapeArray);
        Assert.Equal([2, 3, 1], x.Mean(-1, keepDim: true).ShapeArray);
        Assert.Equal([1, 3, 4], x.Max(0, keepDim: true).ShapeArray);
        Assert.Equal([2, 3, 1], x.ArgMax(2, keepDim: true).ShapeArray);
        // x[i,j,k] = 12i + 4j + k: sums over j are 3(12i + k) + 12
        Assert.Equal([12.0, 15, 18, 21, 48, 51, 54, 57], x.Sum(1).ToArray());
        Assert.Equal([1.5, 5.5, 9.5, 13.5, 17.5, 21.5], x.Mean(-1).ToArray());
    }

    [Fact]
    public void ArgMaxPicksTheFirstMaximum()
    {
        var x = Tensor.FromArray([1.0, 5, 5, 2, 7, 7, 7, 0], 2, 4);
        Assert.Equal([1, 0], x.ArgMax(1).ToArray());
        Assert.Equal([1, 1, 1, 0], x.ArgMax(0).ToArray());
    }

    // ---- printing ----

    [Fact]
    public void ToStringShowsValuesShapeAndDtype()
    {
        Assert.Equal("tensor([[1, 2], [3, 4.5]], shape=(2, 2), dtype=float32)", Tensor.FromArray([1f, 2f, 3f, 4.5f], 2, 2).ToString());
        Assert.Equal("tensor([0.1, -2], shape=(2,), dtype=float64)", Tensor.FromArray([0.1, -2.0]).ToString());
        Assert.Equal("tensor([3, 1], shape=(2,), dtype=int32)", Tensor.FromArray([3, 1]).ToString());
        Assert.Equal("tensor(2.5, shape=(), dtype=float64)", Tensor.Scalar(2.5).ToString());
    }

    [Fact]
    public void ToStringElidesLargeAxes()
    {
        Assert.Equal("tensor([0, 1, 2, ..., 97, 98, 99], shape=(100,), dtype=float64)", Tensor.Arange<double>(100).ToString());
        var big = Tensor.Arange<int>(0, 80).Reshape(8, 10);
        string s = big.ToString();
        Assert.StartsWith("tensor([[0, 1, 2, ..., 7, 8, 9], [10, 11, 12, ..., 17, 18, 19], [20, 21, 22, ..., 27, 28, 29], ..., [50, 51, 52,", s);
        Assert.EndsWith("77, 78, 79]], shape=(8, 10), dtype=int32)", s);
        Assert.Equal("tensor([0, 1, 2, 3, 4, 5], shape=(6,), dtype=float64)", Tensor.Arange<double>(6).ToString());
        Assert.True(Tensor.Zeros<float>(1000, 1000).ToString().Length < 400);
    }

    // ---- RNG ----

    [Fact]
    public void TheSameSeedGivesTheSameStreamsAndOtherSeedsDiffer()
    {
        static (ulong[] bits, double[] normal, double[] uniform, int[] ints, int[] perm) Draw(ulong seed)
        {
            var r = new Rng(seed);
            return (Enumerable.Range(0, 50).Select(_ => r.NextUInt64()).ToArray(), r.Normal<double>([33]).ToArray(),
                r.Uniform<double>([20], -2, 3).ToArray(), r.Integers([40], 7).ToArray(), r.Permutation(30));
        }
        var a = Draw(42); var b = Draw(42); var c = Draw(43);
        Assert.Equal(a.bits, b.bits); Assert.Equal(a.normal, b.normal); Assert.Equal(a.uniform, b.uniform);
        Assert.Equal(a.ints, b.ints); Assert.Equal(a.perm, b.perm);
        Assert.NotEqual(a.bits, c.bits); Assert.NotEqual(a.normal, c.normal); Assert.NotEqual(a.perm, c.perm);
        Assert.Equal(42UL, new Rng(42).Seed);
    }

    [Fact]
    public void RngDistributionsHaveTheirRangesAndMoments()
    {
        var r = new Rng(9);
        var u = r.Uniform<double>([100_000], -2, 3).ToArray();
        Assert.All(u, v => Assert.InRange(v, -2, 3 - 1e-12));
        Assert.InRange(u.Average(), 0.5 - 0.02, 0.5 + 0.02); // sd of the mean = 5/sqrt(12e5) ≈ 0.0046
        var n = r.Normal<double>([100_000], 1, 2).ToArray();
        double mean = n.Average(), sd = Math.Sqrt(n.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, 1 - 0.03, 1 + 0.03);  // sd of the mean ≈ 0.0063
        Assert.InRange(sd, 2 - 0.03, 2 + 0.03);
        var counts = new int[7];
        foreach (int i in r.Integers([70_000], 7).ToArray()) counts[i]++;
        Assert.All(counts, c => Assert.InRange(c, 10_000 - 500, 10_000 + 500)); // sd ≈ 93
        Assert.Equal(Enumerable.Range(0, 50), r.Permutation(50).Order());
    }
}
