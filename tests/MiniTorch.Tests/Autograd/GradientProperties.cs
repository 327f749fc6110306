using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// For every differentiable op: the tape gradient equals central differences in float64 (scaled error below 1e-7,
/// random upstream gradient), at generated inputs of rank 1-4 with sizes 1-5.
/// </summary>
public class GradientProperties
{
    private const int Runs = 100;

    private static Arbitrary<Tensor<double>> Any => TensorArb.Tensor();
    private static Arbitrary<Tensor<double>> Positive => TensorArb.Tensor(values: ValueDomain.Positive());
    private static Arbitrary<Tensor<double>> AwayFromZero => TensorArb.Tensor(values: ValueDomain.AwayFromZero());
    private static Arbitrary<Tensor<double>> RankTwoUp => TensorArb.Tensor(ShapeOptions.Default.WithRanks(2, 4));
    private static Arbitrary<int> Ints => Props.Ints;
    private static Arbitrary<bool> Bools => Props.Bools;

    private static Property Check(Func<Variable<double>[], Variable<double>> f, params Tensor<double>[] inputs) =>
        GradientProperty.Check(f, inputs);

    // ---- binary elementwise with broadcasting ----

    [Property(MaxTest = Runs)]
    public Property Add() => Prop.ForAll(TensorArb.BroadcastPair(), p => Check(v => v[0] + v[1], p.A, p.B));

    [Property(MaxTest = Runs)]
    public Property Sub() => Prop.ForAll(TensorArb.BroadcastPair(), p => Check(v => v[0] - v[1], p.A, p.B));

    [Property(MaxTest = Runs)]
    public Property Mul() => Prop.ForAll(TensorArb.BroadcastPair(), p => Check(v => v[0] * v[1], p.A, p.B));

    [Property(MaxTest = Runs)]
    public Property Div() =>
        Prop.ForAll(TensorArb.BroadcastPair(b: ValueDomain.AwayFromZero()), p => Check(v => v[0] / v[1], p.A, p.B));

    [Property(MaxTest = Runs)]
    public Property SameVariableOnBothSides() => Prop.ForAll(Any, x => Check(v => v[0] * v[0] + v[0], x));

    // ---- with a constant ----

    [Property(MaxTest = Runs)]
    public Property Scale() => Prop.ForAll(Any, Ints, (x, s) => Check(v => v[0] * (s / 4.0), x));

    [Property(MaxTest = Runs)]
    public Property DivideByConstant() => Prop.ForAll(Any, Ints, (x, s) => Check(v => v[0] / (s == 0 ? 3.0 : s / 4.0), x));

    [Property(MaxTest = Runs)]
    public Property AddScalar() => Prop.ForAll(Any, Ints, (x, s) => Check(v => v[0] + s / 4.0, x));

    [Property(MaxTest = Runs)]
    public Property ConstantMinusVariable() => Prop.ForAll(Any, Ints, (x, s) => Check(v => s / 4.0 - v[0], x));

    [Property(MaxTest = Runs)]
    public Property Neg() => Prop.ForAll(Any, x => Check(v => v[0].Neg(), x));

    // ---- pointwise ----

    [Property(MaxTest = Runs)]
    public Property Exp() => Prop.ForAll(Any, x => Check(v => v[0].Exp(), x));

    [Property(MaxTest = Runs)]
    public Property Log() => Prop.ForAll(Positive, x => Check(v => v[0].Log(), x));

    [Property(MaxTest = Runs)]
    public Property Tanh() => Prop.ForAll(Any, x => Check(v => v[0].Tanh(), x));

    [Property(MaxTest = Runs)]
    public Property Sigmoid() => Prop.ForAll(Any, x => Check(v => v[0].Sigmoid(), x));

    [Property(MaxTest = Runs)]
    public Property Relu() => Prop.ForAll(AwayFromZero, x => Check(v => v[0].Relu(), x));

    [Property(MaxTest = Runs)]
    public Property Square() => Prop.ForAll(Any, x => Check(v => v[0].Square(), x));

    [Property(MaxTest = Runs)]
    public Property Pow() =>
        Prop.ForAll(Positive, Arb.From(Gen.Elements(-1.5, -1.0, 0.5, 2.0, 3.0)), (x, p) => Check(v => v[0].Pow(p), x));

    [Property(MaxTest = Runs)]
    public Property Sqrt() => Prop.ForAll(Positive, x => Check(v => v[0].Sqrt(), x));

    // ---- reductions ----

    [Property(MaxTest = Runs)]
    public Property SumAll() => Prop.ForAll(Any, x => Check(v => v[0].Sum(), x));

    [Property(MaxTest = Runs)]
    public Property MeanAll() => Prop.ForAll(Any, x => Check(v => v[0].Mean(), x));

    [Property(MaxTest = Runs)]
    public Property SumAxis() =>
        Prop.ForAll(Any, Ints, Bools, (x, a, keep) => Check(v => v[0].Sum(Fit.Axis(a, x.Rank), keep), x));

    [Property(MaxTest = Runs)]
    public Property MeanAxis() =>
        Prop.ForAll(Any, Ints, Bools, (x, a, keep) => Check(v => v[0].Mean(Fit.Axis(a, x.Rank), keep), x));

    // ---- shape ops ----

    /// <summary>Shapes with x's element count: flat, -1 inferred, reversed, a leading 1, two axes merged.</summary>
    private static int[] ReshapeTarget(int[] shape, int pick)
    {
        int n = shape.Aggregate(1, (p, s) => p * s);
        List<int[]> options = [[n], [-1], shape.Reverse().ToArray(), [1, .. shape], [n, 1], [.. shape[..^1], -1]];
        if (shape.Length >= 2) options.Add([.. shape[..^2], shape[^2] * shape[^1]]);
        if (shape.Length >= 2) options.Add([-1, shape[^1]]);
        return options[Fit.Index(pick, options.Count)];
    }

    [Property(MaxTest = Runs)]
    public Property Reshape() =>
        Prop.ForAll(Any, Ints, (x, pick) => Check(v => v[0].Reshape(ReshapeTarget(x.ShapeArray, pick)).Tanh(), x));

    private static int[] Permutation(int rank, int seed, bool negative)
    {
        var p = new Rng((ulong)seed).Permutation(rank);
        return negative ? p.Select(a => a - rank).ToArray() : p;
    }

    [Property(MaxTest = Runs)]
    public Property Permute() =>
        Prop.ForAll(Any, Ints, Bools, (x, seed, neg) => Check(v => v[0].Permute(Permutation(x.Rank, seed, neg)), x));

    [Property(MaxTest = Runs)]
    public Property Transpose() =>
        Prop.ForAll(RankTwoUp, Ints, Ints, (x, a, b) => Check(v => v[0].Transpose(Fit.Axis(a, x.Rank), Fit.Axis(b, x.Rank)), x));

    [Property(MaxTest = Runs)]
    public Property TransposeLastTwo() => Prop.ForAll(RankTwoUp, x => Check(v => v[0].Transpose(), x));

    [Property(MaxTest = Runs)]
    public Property Narrow() =>
        Prop.ForAll(Any, Ints, Arb.Zip(Ints, Ints), (x, a, window) =>
        {
            var (s, l) = window;
            int axis = Fit.Axis(a, x.Rank);
            var (start, length) = Fit.Window(s, l, x.Dim(axis));
            return Check(v => v[0].Narrow(axis, start, length).Square(), x);
        });

    [Property(MaxTest = Runs)]
    public Property Select() =>
        Prop.ForAll(Any, Ints, Ints, (x, a, i) =>
        {
            int axis = Fit.Axis(a, x.Rank);
            return Check(v => v[0].Select(axis, Fit.Index(i, x.Dim(axis))).Square(), x);
        });

    [Property(MaxTest = Runs)]
    public Property Unbind() =>
        Prop.ForAll(Any, Ints, (x, a) => Check(v =>
        {
            // Weight each slice differently so a gradient delivered to the wrong slice shows.
            var parts = v[0].Unbind(Fit.Axis(a, x.Rank));
            var total = parts[0].Tanh();
            for (int i = 1; i < parts.Length; i++) total = total + parts[i].Tanh() * (i + 1.0);
            return total;
        }, x));

    /// <summary>A normal tensor of <paramref name="shape"/> drawn from <paramref name="seed"/>.</summary>
    private static Tensor<double> Normal(int[] shape, int seed) => new Rng((ulong)(uint)seed).Normal<double>(shape);

    [Property(MaxTest = Runs)]
    public Property Concat() =>
        Prop.ForAll(Any, Ints, Arb.Zip(Ints, Ints), (x, a, sizesAndSeed) =>
        {
            var (sizes, seed) = sizesAndSeed;
            int axis = Fit.Axis(a, x.Rank), at = axis < 0 ? axis + x.Rank : axis;
            var s1 = x.ShapeArray; s1[at] = 1 + Fit.Index(sizes, 3);
            var s2 = x.ShapeArray; s2[at] = 1 + Fit.Index(sizes / 3, 4);
            return Check(v => Ops.Concat([v[0], v[1], v[2]], axis), x, Normal(s1, seed), Normal(s2, seed + 1));
        });

    [Property(MaxTest = Runs)]
    public Property Stack() =>
        Prop.ForAll(Any, Ints, Ints, (x, a, seed) =>
        {
            int axis = Fit.Axis(a, x.Rank + 1);
            return Check(v => Ops.Stack([v[0], v[1], v[2]], axis), x, Normal(x.ShapeArray, seed), Normal(x.ShapeArray, seed + 1));
        });

    [Property(MaxTest = Runs)]
    public Property IndexSelectWithDuplicates() =>
        Prop.ForAll(Any, Ints, TensorArb.Indices(5, duplicates: true), (x, a, indices) =>
        {
            int axis = Fit.Axis(a, x.Rank), n = x.Dim(axis);
            var idx = indices.Clone();
            var s = idx.AsSpan();
            for (int i = 0; i < s.Length; i++) s[i] %= n; // equal indices stay equal: the duplicate survives
            return Check(v => v[0].IndexSelect(axis, idx), x);
        });

    // ---- matrix products ----

    [Property(MaxTest = Runs)]
    public Property MatMul2D() =>
        Prop.ForAll(TensorArb.MatMul(), Ints, (m, seed) =>
            Check(v => v[0].MatMul(v[1]), Normal([m.M, m.K], seed), Normal([m.K, m.N], seed + 1)));

    private static readonly ShapeOptions BatchShapes = new(1, 2, 1, 3);

    [Property(MaxTest = 60)]
    public Property MatMulBatchedTimesMatrix() =>
        Prop.ForAll(TensorArb.Shape(BatchShapes), TensorArb.MatMul(1, 6), Ints, (batch, m, seed) =>
            Check(v => v[0].MatMul(v[1]), Normal([.. batch, m.M, m.K], seed), Normal([m.K, m.N], seed + 1)));

    [Property(MaxTest = 60)]
    public Property MatMulBatchedTimesBatched() =>
        Prop.ForAll(TensorArb.Shape(BatchShapes), TensorArb.MatMul(1, 6), Ints, (batch, m, seed) =>
            Check(v => v[0].MatMul(v[1]), Normal([.. batch, m.M, m.K], seed), Normal([.. batch, m.K, m.N], seed + 1)));

    // ---- softmax family ----

    [Property(MaxTest = Runs)]
    public Property Softmax() => Prop.ForAll(Any, x => Check(v => v[0].Softmax(), x));

    [Property(MaxTest = Runs)]
    public Property LogSoftmax() => Prop.ForAll(Any, x => Check(v => v[0].LogSoftmax(), x));

    private static readonly Arbitrary<Reduction> Reductions = Arb.From(Gen.Elements(Reduction.Mean, Reduction.Sum, Reduction.BatchMean));

    [Property(MaxTest = 60)]
    public Property CrossEntropy() =>
        Prop.ForAll(Any, Ints, Arb.Zip(Reductions, Bools), (logits, seed, how) =>
        {
            var (reduction, masked) = how;
            var rng = new Rng((ulong)(uint)seed);
            var targetShape = logits.Shape[..^1].ToArray();
            var targets = rng.Integers(targetShape, logits.Dim(-1));
            // Mask weights 0 or 1, with the first position always counted.
            Tensor<double>? mask = null;
            if (masked)
            {
                mask = Tensor.Cast<int, double>(rng.Integers(targetShape, 2));
                mask.AsSpan()[0] = 1;
            }
            return Check(v => v[0].CrossEntropy(targets, mask, reduction), logits)
                .Label($"targets {targets}, mask {mask?.ToString() ?? "none"}, reduction {reduction}");
        });

    // ---- compositions: shared subexpressions, broadcasting into a chain ----

    [Property(MaxTest = Runs)]
    public Property TwoLayerPerceptron() =>
        Prop.ForAll(TensorArb.MatMul(1, 8), Ints, (m, seed) =>
            Check(v => (v[0].MatMul(v[1]) + v[2]).Tanh().MatMul(v[3]).LogSoftmax(),
                Normal([m.M, m.K], seed), Normal([m.K, m.N], seed + 1), Normal([m.N], seed + 2), Normal([m.N, 3], seed + 3)));
}
