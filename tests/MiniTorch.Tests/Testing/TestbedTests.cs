using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Testing;

/// <summary>The testbed itself: generators stay in range, shrinkers keep every constraint, failures read well.</summary>
public class TestbedTests
{
    private static T[] Sample<T>(Gen<T> gen, int count = 300, ulong seed = 11) => gen.Sample(count, new Rnd(seed), 10);

    private static int Numel(int[] shape) => shape.Aggregate(1, (p, s) => p * s);

    private static readonly ShapeOptions Custom = new(2, 3, 2, 7);
    private static readonly ShapeOptions WithEmpty = new(0, 3, 0, 3); // scalars and empty axes

    [Fact]
    public void ShapesStayWithinTheirOptionsAndCoverThem()
    {
        var shapes = Sample(TensorGen.Shape());
        Assert.All(shapes, s => Assert.True(ShapeOptions.Default.Allows(s), Shapes.Str(s)));
        Assert.Equal([1, 2, 3, 4], shapes.Select(s => s.Length).Distinct().Order());
        Assert.Equal([1, 2, 3, 4, 5], shapes.SelectMany(s => s).Distinct().Order());
        Assert.All(Sample(TensorGen.Shape(Custom)), s => Assert.True(Custom.Allows(s), Shapes.Str(s)));
    }

    [Fact]
    public void BroadcastPairsAlwaysBroadcastAndCoverRankDifferencesAndSizeOneAxes()
    {
        var pairs = Sample(TensorGen.BroadcastShapes());
        foreach (var p in pairs)
        {
            Assert.True(ShapeOptions.Default.Allows(p.A) && ShapeOptions.Default.Allows(p.B), p.ToString());
            Assert.Equal(Reference.BroadcastShape(p.A, p.B), p.Result);
        }
        Assert.Contains(pairs, p => p.A.Length < p.B.Length);
        Assert.Contains(pairs, p => p.A.Length > p.B.Length);
        Assert.Contains(pairs, p => p.A.Length == p.B.Length && !p.A.SequenceEqual(p.B));
        Assert.Contains(pairs, p => p.A.SequenceEqual(p.B));
        // A size-1 axis facing a larger one, on either side.
        bool Stretches(int[] x, int[] y) => x.Reverse().Zip(y.Reverse()).Any(t => t.First == 1 && t.Second > 1);
        Assert.Contains(pairs, p => Stretches(p.A, p.B));
        Assert.Contains(pairs, p => Stretches(p.B, p.A));
    }

    [Fact]
    public void TensorValuesStayInTheirDomain()
    {
        foreach (var domain in new[] { ValueDomain.Default, ValueDomain.Positive(), ValueDomain.AwayFromZero(), ValueDomain.Uniform(-1, 0.5), ValueDomain.Positive(2, 2.5) })
        {
            var values = Sample(TensorGen.Tensor(values: domain), 100).SelectMany(t => t.ToArray()).ToArray();
            Assert.All(Sample(TensorArb.Tensor([2, 3], domain).Generator, 20), t => Assert.True(t.HasShape([2, 3]) && t.ToArray().All(domain.Contains)));
            Assert.All(values, v => Assert.True(domain.Contains(v), $"{v} not in {domain}"));
            Assert.True(values.Distinct().Count() > values.Length / 2, "values vary");
        }
        var normal = Sample(TensorGen.Tensor(), 200).SelectMany(t => t.ToArray()).ToArray();
        Assert.InRange(normal.Average(), -0.1, 0.1);
        Assert.Contains(normal, v => v < -1.5);
        Assert.Contains(normal, v => v > 1.5);
    }

    [Fact]
    public void GenerationIsAPureFunctionOfFsChecksSeed()
    {
        var first = Sample(TensorGen.BroadcastPair(), 20, seed: 5).Select(p => p.ToString()).ToArray();
        var again = Sample(TensorGen.BroadcastPair(), 20, seed: 5).Select(p => p.ToString()).ToArray();
        var other = Sample(TensorGen.BroadcastPair(), 20, seed: 6).Select(p => p.ToString()).ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void IndicesLieInRangeAndRepeatWhenAsked()
    {
        foreach (int n in new[] { 1, 2, 7 })
        {
            var withDup = Sample(TensorGen.Indices(n, duplicates: true), 200);
            Assert.All(withDup, t => Assert.True(t.ToArray().All(i => i >= 0 && i < n) && TensorShrink.HasDuplicate(t), t.ToString()));
            Assert.All(withDup, t => Assert.True(TensorGen.IndexShapes.Allows(t.Shape), t.ShapeString));
            var any = Sample(TensorGen.Indices(n, [3, 2]), 100);
            Assert.All(any, t => Assert.True(t.HasShape([3, 2]) && t.ToArray().All(i => i >= 0 && i < n), t.ToString()));
        }
        Assert.Contains(Sample(TensorGen.Indices(9, [4])), t => !TensorShrink.HasDuplicate(t));
        Assert.Throws<ArgumentException>(() => TensorGen.Indices(3, [1], duplicates: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorGen.Indices(0, [2]));
    }

    [Fact]
    public void MatMulSizesCoverOneToSeventeen()
    {
        var sizes = Sample(TensorGen.MatMul(), 500);
        var all = sizes.SelectMany(s => new[] { s.M, s.K, s.N }).ToArray();
        Assert.All(all, d => Assert.InRange(d, 1, 17));
        Assert.Contains(1, all);
        Assert.Contains(17, all);
        Assert.All(sizes.SelectMany(s => TensorShrink.MatMul(s)), s => Assert.True(s.M >= 1 && s.K >= 1 && s.N >= 1));
    }

    // ---- shrinkers ----

    [Fact]
    public void TensorShrinkCandidatesAreSmallerAndKeepTheConstraints()
    {
        foreach (var (options, domain) in new[] { (ShapeOptions.Default, ValueDomain.Positive()), (Custom, ValueDomain.AwayFromZero()), (ShapeOptions.Default, ValueDomain.Default), (WithEmpty, ValueDomain.Default) })
            foreach (var x in Sample(TensorGen.Tensor(options, domain), 40))
                foreach (var c in TensorShrink.Tensor(x, options, domain))
                {
                    Assert.True(options.Allows(c.Shape), $"{c.ShapeString} outside {options}");
                    Assert.All(c.ToArray(), v => Assert.True(domain.Contains(v), $"{v} outside {domain}"));
                    Assert.True(c.Length < x.Length || c.Rank < x.Rank || c.ShapeArray.Sum() < x.ShapeArray.Sum() || (c.SameShape(x) && !c.ToArray().SequenceEqual(x.ToArray())), "a candidate must be smaller");
                }
    }

    [Fact]
    public void AShapeShrinkKeepsTheLeadingSliceOfTheValues()
    {
        var x = Tensor.Arange<double>(6).Reshape(2, 3);
        var candidates = TensorShrink.Tensor(x).Select(c => (c.ShapeString, string.Join(",", c.ToArray()))).ToList();
        Assert.Contains(("(3,)", "0,1,2"), candidates);   // axis 0 dropped: row 0
        Assert.Contains(("(2,)", "0,3"), candidates);     // axis 1 dropped: column 0
        Assert.Contains(("(1, 3)", "0,1,2"), candidates);
        Assert.Contains(("(2, 1)", "0,3"), candidates);
        Assert.Contains(("(2, 2)", "0,1,3,4"), candidates);
    }

    [Fact]
    public void PairShrinkCandidatesStillBroadcast()
    {
        foreach (var p in Sample(TensorGen.BroadcastPair(b: ValueDomain.AwayFromZero()), 60))
            foreach (var c in TensorShrink.Pair(p, b: ValueDomain.AwayFromZero()))
            {
                Assert.Equal(Reference.BroadcastShape(c.A.ShapeArray, c.B.ShapeArray), Shapes.Broadcast(c.A.Shape, c.B.Shape, "test"));
                Assert.True(ShapeOptions.Default.Allows(c.A.Shape) && ShapeOptions.Default.Allows(c.B.Shape), c.ToString());
                Assert.All(c.B.ToArray(), v => Assert.True(Math.Abs(v) >= 0.5));
                Assert.True(c.A.Length + c.B.Length < p.A.Length + p.B.Length || c.A.Rank + c.B.Rank < p.A.Rank + p.B.Rank || (c.A.SameShape(p.A) && c.B.SameShape(p.B)));
            }
        foreach (var s in Sample(TensorGen.BroadcastShapes(), 100))
            Assert.All(TensorShrink.Broadcast(s), c => Shapes.Broadcast(c.A, c.B, "test"));
        foreach (var p in Sample(TensorGen.BroadcastPair(WithEmpty), 100))
            Assert.All(TensorShrink.Pair(p, WithEmpty), c => Assert.True(WithEmpty.Allows(c.A.Shape) && WithEmpty.Allows(c.B.Shape) && Shapes.Broadcast(c.A.Shape, c.B.Shape, "test").Length >= 0));
    }

    [Fact]
    public void IndexShrinkCandidatesKeepTheirDuplicateAndRange()
    {
        foreach (var t in Sample(TensorGen.Indices(6, duplicates: true), 60))
            foreach (var c in TensorShrink.Indices(t, duplicates: true))
            {
                Assert.True(TensorShrink.HasDuplicate(c), c.ToString());
                Assert.All(c.ToArray(), i => Assert.InRange(i, 0, 5));
                Assert.True(c.Length < t.Length || c.Rank < t.Rank || c.ToArray().Sum() < t.ToArray().Sum());
            }
    }

    [Fact]
    public void ValueSimplificationStaysInTheDomainAndEnds()
    {
        var rng = new Rng(4);
        foreach (var domain in new[] { ValueDomain.Default, ValueDomain.Positive(), ValueDomain.AwayFromZero(), ValueDomain.Uniform(2.2, 2.4) })
            for (int i = 0; i < 200; i++)
            {
                double v = domain.Sample(rng);
                int steps = 0;
                for (var next = domain.Simpler(v).FirstOrDefault(double.NaN); !double.IsNaN(next); next = domain.Simpler(v).FirstOrDefault(double.NaN))
                {
                    Assert.True(domain.Contains(next), $"{next} outside {domain}");
                    v = next;
                    Assert.True(++steps < 10, $"no end in sight at {v} in {domain}");
                }
            }
    }

    [Fact]
    public void ShrinkingFindsASmallCounterexample()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(100),
            Prop.ForAll(TensorArb.Tensor(), x => x.ToArray().All(v => v < 2))));
        var shrunk = ex.Message[ex.Message.IndexOf("Shrunk:", StringComparison.Ordinal)..];
        Assert.Contains("tensor([2], shape=(1,), dtype=float64)", shrunk); // the simplest value that is not < 2
    }

    // ---- the gradient property ----

    /// <summary>x³ with a wrong derivative, 2.9x² instead of 3x².</summary>
    private static Cube BadCube() => new(2.9);

    [Fact]
    public void AWrongGradientFailsWithShapesReportShrunkCaseAndSeed()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(20),
            Prop.ForAll(TensorArb.BroadcastPair(), p => GradientProperty.Check(v => BadCube().Apply(v[0]) * v[1], p.A, p.B))));
        string m = ex.Message;
        Assert.Contains("gradient check failed", m);
        Assert.Contains("for inputs of shapes (", m);
        Assert.Matches(@"input 0 \([0-9, ]+\): rel_error=\S+ scaled_error=\S+", m);
        Assert.Contains("input 1", m);                   // the correct input is reported as well
        Assert.Contains("worst at flat index", m);
        Assert.Contains("Shrunk:", m);
        Assert.Matches(@"\(\d+,\d+\)", m);               // the replay seed
        Assert.Matches(@"Shrunk:\s*A = tensor\(\[\S+\], shape=\(1,\)", m); // shrunk to one element
    }

    [Fact]
    public void AssertThrowsAReadableGradCheckExceptionAndPassesCorrectOps()
    {
        var x = new Rng(1).Normal<double>([2, 3]);
        var ex = Assert.Throws<GradCheckException>(() => GradientProperty.Assert(v => BadCube().Apply(v[0]), [x]));
        Assert.Contains("shapes (2, 3)", ex.Message);
        Assert.Contains("scaled_error", ex.Message);
        var report = GradientProperty.Assert(v => v[0].Square().Sum(), [x]);
        Assert.True(report.MaxScaledError < 1e-7);
        Assert.Single(report.Inputs);
        // wrt: only the checked inputs are reported.
        Assert.Single(GradientProperty.Assert(v => v[0] * v[1], [x, x], wrt: [false, true]).Inputs);
    }

    [Fact]
    public void ANearZeroGradientIsNotAFalseFailure()
    {
        // x³ at 0: the tape says 0, central differences say h² = 1e-10; both are right.
        var report = GradientProperty.Assert(v => v[0] * v[0] * v[0], [Tensor.Zeros<double>(3)]);
        Assert.True(report.MaxScaledError > 1e-7, "the scaled error alone would call this a failure");
    }

    [Property(Arbitrary = [typeof(MiniTorchArbitraries)], MaxTest = 20)]
    public Property DefaultArbitrariesServePropertyParameters(Tensor<double> x, TensorPair p, MatMulSizes m) =>
        GradientProperty.Check(v => (v[0].Tanh().Sum() * v[1].Sum()).Sigmoid(), x, p.A)
            .And(p.A.Rank >= 1 && Shapes.Broadcast(p.A.Shape, p.B.Shape, "test").Length >= 1 && m.M is >= 1 and <= 17);

    [Fact]
    public void ADependentCaseComposesFromThePieces()
    {
        // The example in TensorGen's documentation: indices into the first axis of a generated tensor.
        var gen = from x in TensorGen.Tensor()
                  from idx in TensorGen.Indices(x.Dim(0), duplicates: true)
                  select (x, idx);
        var arb = Arb.From(gen, c => TensorShrink.Indices(c.idx, duplicates: true).Select(i => (c.x, i)));
        Props.Holds(Prop.ForAll(arb, c =>
        {
            Assert.All(c.idx.ToArray(), i => Assert.InRange(i, 0, c.x.Dim(0) - 1));
            return GradientProperty.Check(v => v[0].IndexSelect(0, c.idx).Tanh(), c.x);
        }), 30);
    }

    [Fact]
    public void ScalarsAndEmptyTensorsCanBeGeneratedAndChecked()
    {
        var tensors = Sample(TensorGen.Tensor(WithEmpty), 200);
        Assert.Contains(tensors, t => t.Rank == 0);
        Assert.Contains(tensors, t => t.Length == 0);
        Props.Holds(Prop.ForAll(TensorArb.BroadcastPair(WithEmpty), p =>
            GradientProperty.Check(v => (v[0] * v[1]).Tanh() + v[0], p.A, p.B)), 100);
        Props.Holds(Prop.ForAll(TensorArb.Tensor(WithEmpty), x => GradientProperty.Check(v => v[0].Sum() * v[0].Exp(), x)), 100);
    }

    // ---- parameter fitting and options ----

    [Fact]
    public void FitMapsEveryIntegerOntoAValidParameter()
    {
        foreach (int raw in new[] { int.MinValue, int.MinValue + 1, -5, -1, 0, 1, 5, int.MaxValue })
            for (int rank = 1; rank <= 4; rank++)
            {
                int axis = Fit.Axis(raw, rank);
                Assert.InRange(axis, -rank, rank - 1);
                Assert.Equal(raw < 0, axis < 0);
                Assert.InRange(Fit.Index(raw, rank), 0, rank - 1);
                var (start, length) = Fit.Window(raw, raw / 3, rank);
                Assert.True(start >= 0 && length >= 1 && start + length <= rank);
            }
        Assert.Throws<ArgumentOutOfRangeException>(() => Fit.Axis(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fit.Index(0, 0));
    }

    [Fact]
    public void OptionsAndDomainsRejectEmptyRanges()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShapeOptions(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShapeOptions(1, 4, 5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShapeOptions(-1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ValueDomain.Positive(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ValueDomain.Uniform(2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ValueDomain.AwayFromZero(5, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ValueDomain.Normal(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorGen.MatMul(0, 3));
        Assert.Equal("rank 1..4, sizes 1..5", ShapeOptions.Default.ToString());
    }
}
