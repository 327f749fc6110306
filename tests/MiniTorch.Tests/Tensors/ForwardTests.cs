using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using MiniTorch.Autograd;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Tensors;

/// <summary>
/// Differential tests of the forward kernels: against System.Math one element at a time, against naive reference
/// loops (broadcasting, reductions, products), float32 against float64, and numerically extreme inputs.
/// </summary>
public class ForwardTests
{
    // Tanh is checked separately (TanhIsAccurateInAbsoluteTerms): TensorPrimitives' vectorized tanh is accurate to
    // about one ulp of 1, not of the result, so it loses relative accuracy near 0.
    public static TheoryData<string> UlpAccurateOps => new() { "Exp", "Log", "Sigmoid", "Relu", "Square", "Sqrt", "Abs", "Pow", "Neg", "Scale", "AddScalar", "ScalarMinus", "DivScalar" };

    public static TheoryData<string> UnaryOps => new() { "Exp", "Log", "Tanh", "Sigmoid", "Relu", "Square", "Sqrt", "Abs", "Pow", "Neg", "Scale", "AddScalar", "ScalarMinus", "DivScalar" };

    private static Tensor<T> Unary<T>(string op, Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        "Exp" => x.Exp(), "Log" => x.Log(), "Tanh" => x.Tanh(), "Sigmoid" => x.Sigmoid(), "Relu" => x.Relu(),
        "Square" => x.Square(), "Sqrt" => x.Sqrt(), "Abs" => x.Abs(), "Pow" => x.Pow(T.CreateChecked(1.5)), "Neg" => -x,
        "Scale" => x * T.CreateChecked(0.75), "AddScalar" => x + T.CreateChecked(0.25), "ScalarMinus" => T.CreateChecked(0.25) - x,
        "DivScalar" => x / T.CreateChecked(3),
        _ => throw new ArgumentException(op),
    };

    private static double Scalar(string op, double v) => op switch
    {
        "Exp" => Math.Exp(v), "Log" => Math.Log(v), "Tanh" => Math.Tanh(v), "Sigmoid" => 1 / (1 + Math.Exp(-v)), "Relu" => Math.Max(v, 0),
        "Square" => v * v, "Sqrt" => Math.Sqrt(v), "Abs" => Math.Abs(v), "Pow" => Math.Pow(v, 1.5), "Neg" => -v,
        "Scale" => v * 0.75, "AddScalar" => v + 0.25, "ScalarMinus" => 0.25 - v, "DivScalar" => v / 3,
        _ => throw new ArgumentException(op),
    };

    private static float Scalar(string op, float v) => op switch
    {
        "Exp" => MathF.Exp(v), "Log" => MathF.Log(v), "Tanh" => MathF.Tanh(v), "Sigmoid" => 1 / (1 + MathF.Exp(-v)), "Relu" => MathF.Max(v, 0),
        "Square" => v * v, "Sqrt" => MathF.Sqrt(v), "Abs" => MathF.Abs(v), "Pow" => MathF.Pow(v, 1.5f), "Neg" => -v,
        "Scale" => v * 0.75f, "AddScalar" => v + 0.25f, "ScalarMinus" => 0.25f - v, "DivScalar" => v / 3f,
        _ => throw new ArgumentException(op),
    };

    private static ValueDomain DomainOf(string op) => op is "Log" or "Sqrt" or "Pow" ? ValueDomain.Positive(0.05, 20) : ValueDomain.Normal(3, 12);

    [Theory, MemberData(nameof(UlpAccurateOps))]
    public void Float64ElementwiseMatchesSystemMath(string op) =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(values: DomainOf(op)), x =>
            Reference.WithinUlps(Reference.Map(x, v => Scalar(op, v)), Unary(op, x), 4, op)));

    [Theory, MemberData(nameof(UlpAccurateOps))]
    public void Float32ElementwiseMatchesMathF(string op) =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(values: DomainOf(op)), x =>
        {
            var x32 = x.ToFloat();
            Reference.WithinUlps(Reference.Map(x32, v => Scalar(op, v)), Unary(op, x32), 4, op);
        }));

    [Fact]
    public void TanhIsAccurateInAbsoluteTerms() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(values: DomainOf("Tanh")), x =>
        {
            Reference.Close(Reference.Map(x, Math.Tanh), x.Tanh(), 4 * double.Epsilon.Ulp1(), Tensor.Ones<double>(x.ShapeArray), "Tanh float64");
            var x32 = x.ToFloat();
            Reference.Close(Reference.Map(x32.ToDouble(), Math.Tanh), x32.Tanh().ToDouble(), 4 * 1f.Ulp1(), Tensor.Ones<double>(x.ShapeArray), "Tanh float32");
        }));

    [Fact]
    public void TanhIsAccurateInUlpsNearZero()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => i * 1e-4f).ToArray());
        Reference.WithinUlps(Reference.Map(x, MathF.Tanh), x.Tanh(), 4, "Tanh float32 near 0");
    }

    /// <summary>
    /// tanh within 4 ulps of the runtime's scalar tanh at magnitudes from 1e-30 to 8 (log-spaced, both signs, and ±0
    /// with their sign), in float32 and float64, out of place and in place, at a length that is no multiple of a
    /// vector and spans several in-place blocks.
    /// </summary>
    [Fact]
    public void TanhIsAccurateInUlpsAtEveryMagnitudeInPlaceOrNot()
    {
        const int n = 1001;
        var v = new double[n];
        for (int i = 0; i < n - 2; i++) v[i] = (i % 2 == 0 ? 1 : -1) * Math.Pow(10, -30 + 31 * (i / 2) / (double)(n / 2));
        (v[n - 2], v[n - 1]) = (0.0, -0.0);
        var x64 = Tensor.FromArray(v);
        var x32 = x64.ToFloat();
        Reference.WithinUlps(Reference.Map(x64, Math.Tanh), x64.Tanh(), 4, "Tanh float64");
        Reference.WithinUlps(Reference.Map(x32, MathF.Tanh), x32.Tanh(), 4, "Tanh float32");
        var inPlace = x32.Clone();
        SpanMath.Tanh<float>(inPlace.AsSpan(), inPlace.AsSpan());
        Assert.Equal(x32.Tanh().AsSpan().ToArray(), inPlace.AsSpan().ToArray());
        Assert.True(float.IsNegative(x32.Tanh().AsSpan()[n - 1]) && !float.IsNegative(x32.Tanh().AsSpan()[n - 2]), "tanh(±0) keeps the sign");
        Assert.True(float.IsNaN(Tensor.FromArray([float.NaN]).Tanh().Item()));
    }

    /// <summary>
    /// float tanh within 2 ulps of the correctly rounded value ((float)Math.Tanh) across its range with the library's
    /// own kernel (Vector512/Vector256; 4 on the 128-bit path, TensorPrimitives.Tanh and the near-zero series): 200,000
    /// floats log-spaced from 1e-30 to 20 and every float within 2000 ulps of the series' edge at 1/4; exactly odd; and
    /// an element's value does not depend on its position in the span (the last partial vector included).
    /// </summary>
    [Fact]
    public void Float32TanhIsWithinTwoUlpsOfCorrectlyRoundedEverywhere()
    {
        int bound = SpanMath.FloatTanhIsOwnKernel ? 2 : 4;
        var values = new List<float>();
        for (int i = 0; i < 200_000; i++) values.Add((float)Math.Pow(10, -30 + 31.3 * i / 200_000.0));
        int edge = BitConverter.SingleToInt32Bits(0.25f);
        for (int b = edge - 2000; b <= edge + 2000; b++) values.Add(BitConverter.Int32BitsToSingle(b));
        var x = values.ToArray();
        var y = new float[x.Length];
        SpanMath.Tanh<float>(x, y);
        var yn = new float[x.Length];
        SpanMath.Tanh<float>(Array.ConvertAll(x, v => -v), yn);
        for (int i = 0; i < x.Length; i++)
        {
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits((float)Math.Tanh(x[i])) - BitConverter.SingleToInt32Bits(y[i]));
            Assert.True(ulps <= bound, $"tanh({x[i]:R}) = {y[i]:R}, {ulps} ulps from {(float)Math.Tanh(x[i]):R}");
            Assert.Equal(-y[i], yn[i]);
        }
        for (int shift = 1; shift < 20; shift++)
        {
            var part = new float[x.Length - shift];
            SpanMath.Tanh<float>(x.AsSpan(shift), part);
            Assert.True(part.AsSpan().SequenceEqual(y.AsSpan(shift)), $"values moved by {shift} elements changed");
        }
    }

    [Theory, MemberData(nameof(UnaryOps))]
    public void Float32ElementwiseMatchesFloat64(string op) =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(values: DomainOf(op)), x =>
        {
            var x32 = x.ToFloat();
            // Compare at the same (float32-representable) inputs, so only the float32 arithmetic differs.
            Reference.Close(Unary(op, x32.ToDouble()), Unary(op, x32).ToDouble(), 1e-6, what: op);
        }));

    public static TheoryData<string> BinaryOps => new() { "Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "Greater" };

    private static Tensor<T> Binary<T>(string op, Tensor<T> a, Tensor<T> b) where T : unmanaged, INumber<T> => op switch
    {
        "Add" => a + b, "Sub" => a - b, "Mul" => a * b, "Div" => a / b,
        "Maximum" => Tensor.Maximum(a, b), "Minimum" => Tensor.Minimum(a, b), "Greater" => Tensor.Greater(a, b),
        _ => throw new ArgumentException(op),
    };

    private static T Scalar<T>(string op, T a, T b) where T : INumber<T> => op switch
    {
        "Add" => a + b, "Sub" => a - b, "Mul" => a * b, "Div" => a / b,
        "Maximum" => T.Max(a, b), "Minimum" => T.Min(a, b), "Greater" => a > b ? T.One : T.Zero,
        _ => throw new ArgumentException(op),
    };

    [Theory, MemberData(nameof(BinaryOps))]
    public void BroadcastingBinaryOpsEqualTheScalarLoopExactly(string op) =>
        Props.Holds(Prop.ForAll(TensorArb.BroadcastPair(b: ValueDomain.AwayFromZero(0.1, 4)), p =>
        {
            // Round half the values so Maximum and Greater meet ties.
            var a = Reference.Map(p.A, v => v > 0 ? Math.Round(v) : v);
            var b = Reference.Map(p.B, v => v > 0 ? Math.Round(v) : v);
            Assert.Equal(Reference.Zip(a, b, (x, y) => Scalar(op, x, y)).ToArray(), Binary(op, a, b).ToArray());
            Assert.Equal(Reference.BroadcastShape(a.ShapeArray, b.ShapeArray), Binary(op, a, b).ShapeArray);
            var a32 = a.ToFloat(); var b32 = b.ToFloat();
            Assert.Equal(Reference.Zip(a32, b32, (x, y) => Scalar(op, x, y)).ToArray(), Binary(op, a32, b32).ToArray());
        }), 100);

    [Fact]
    public void BroadcastingCoversRankDifferencesAndSizeOneAxes()
    {
        var a = Tensor.Arange<double>(6).Reshape(2, 1, 3);
        var b = Tensor.FromArray([10.0, 20.0, 30.0, 40.0], 4, 1);
        var c = a + b;
        Assert.Equal([2, 4, 3], c.ShapeArray);
        Assert.Equal(10 + 5, c[1, 0, 2]);
        Assert.Equal(40 + 1, c[0, 3, 1]);
    }

    // ---- reductions, softmax family and products against reference loops ----

    private static double SumAbs(double[] v) => v.Sum(Math.Abs);

    [Fact]
    public void SumAndMeanOverAnAxisMatchTheReferenceWithAndWithoutKeepDim() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), Props.Ints, Props.Bools, (x, a, keep) =>
        {
            int axis = Fit.Axis(a, x.Rank), at = axis < 0 ? axis + x.Rank : axis;
            var scale = Reference.Reduce(x, at, keep, SumAbs);
            Reference.Close(Reference.Reduce(x, at, keep, v => v.Sum()), x.Sum(axis, keep), 1e-14, scale, "Sum");
            Reference.Close(Reference.Reduce(x, at, keep, v => v.Sum() / v.Length), x.Mean(axis, keep), 1e-14, scale, "Mean");
            var expectedShape = x.ShapeArray.ToList();
            if (keep) expectedShape[at] = 1; else expectedShape.RemoveAt(at);
            Assert.Equal(expectedShape.ToArray(), x.Sum(axis, keep).ShapeArray);
        }));

    [Fact]
    public void SumAllAndMeanAllMatchTheReference() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), x =>
        {
            double s = 0;
            foreach (double v in x.ToArray()) s += v;
            double scale = SumAbs(x.ToArray());
            Assert.InRange(x.SumAll(), s - 1e-14 * scale, s + 1e-14 * scale);
            Assert.InRange(x.MeanAll(), s / x.Length - 1e-14 * scale, s / x.Length + 1e-14 * scale);
        }));

    [Fact]
    public void MaxAndArgMaxMatchTheReferenceAndPickTheFirstOfTies() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), Props.Ints, Props.Bools, (x0, a, keep) =>
        {
            var x = Reference.Map(x0, Math.Round); // many ties
            int axis = Fit.Axis(a, x.Rank), at = axis < 0 ? axis + x.Rank : axis;
            Assert.Equal(Reference.Reduce(x, at, keep, v => v.Max()).ToArray(), x.Max(axis, keep).ToArray());
            Assert.Equal(Reference.Reduce(x, at, keep, v => Array.IndexOf(v, v.Max())).ToArray(), x.ArgMax(axis, keep).ToArray());
            Assert.Equal(x.ToArray().Max(), x.MaxAll());
        }));

    [Fact]
    public void SoftmaxAndLogSoftmaxMatchTheReference() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(values: ValueDomain.Normal(3, 12)), x =>
        {
            int last = x.Rank - 1;
            var rows = Reference.Reduce(x, last, true, v => v.Max());
            var shifted = x - rows;
            var logSum = Reference.Reduce(shifted, last, true, v => Math.Log(v.Sum(Math.Exp)));
            var expectedLog = Reference.Zip(shifted, logSum, (s, l) => s - l);
            Reference.Close(expectedLog, x.LogSoftmax(), 1e-14, what: "LogSoftmax");
            Reference.Close(Reference.Map(expectedLog, Math.Exp), x.Softmax(), 1e-14, what: "Softmax");
            foreach (double total in Reference.Reduce(x.Softmax(), last, false, v => v.Sum()).ToArray())
                Assert.InRange(total, 1 - 1e-14, 1 + 1e-14);
        }));

    private static Tensor<double> Normal(int[] shape, int seed) => new Rng((ulong)(uint)seed).Normal<double>(shape);

    private static (Tensor<double> product, Tensor<double> scale) ReferenceMatMul(Tensor<double> a, Tensor<double> b, bool transA = false, bool transB = false)
    {
        int m = transA ? a.Dim(1) : a.Dim(0), k = transA ? a.Dim(0) : a.Dim(1), n = transB ? b.Dim(0) : b.Dim(1);
        var c = new Tensor<double>(m, n);
        var s = new Tensor<double>(m, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++)
                {
                    double x = transA ? a[p, i] : a[i, p], y = transB ? b[j, p] : b[p, j];
                    c[i, j] += x * y;
                    s[i, j] += Math.Abs(x * y);
                }
        return (c, s);
    }

    [Fact]
    public void MatMulMatchesTheTripleLoop() =>
        Props.Holds(Prop.ForAll(TensorArb.MatMul(), Props.Ints, (m, seed) =>
        {
            var a = Normal([m.M, m.K], seed); var b = Normal([m.K, m.N], seed + 1);
            var (c, scale) = ReferenceMatMul(a, b);
            Reference.Close(c, a.MatMul(b), 1e-14, scale, "MatMul");
        }), 60);

    [Fact]
    public void MatMulIntoWithTransposesAndAccumulationMatchesTheTripleLoop() =>
        Props.Holds(Prop.ForAll(TensorArb.MatMul(), Props.Ints, Arb.Zip(Props.Bools, Props.Bools), (m, seed, trans) =>
        {
            var (ta, tb) = trans;
            var a = Normal(ta ? [m.K, m.M] : [m.M, m.K], seed);
            var b = Normal(tb ? [m.N, m.K] : [m.K, m.N], seed + 1);
            var c0 = Normal([m.M, m.N], seed + 2);
            var (c, scale) = ReferenceMatMul(a, b, ta, tb);
            var into = c0.Clone();
            Tensor.MatMulInto(a, ta, b, tb, into, accumulate: false);
            Reference.Close(c, into, 1e-14, scale, "MatMulInto");
            Tensor.MatMulInto(a, ta, b, tb, into = c0.Clone(), accumulate: true);
            Reference.Close(c0 + c, into, 1e-14, scale + Reference.Map(c0, Math.Abs), "MatMulInto accumulate");
        }), 60);

    /// <summary>Sizes around the block and vector widths a blocked GEMM kernel is likely to use, where edge handling breaks.</summary>
    private static readonly Arbitrary<MatMulSizes> EdgeSizes = Arb.From(
        from m in Gen.Elements(1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 97, 130)
        from k in Gen.Elements(1, 3, 16, 17, 63, 64, 65, 129, 257)
        from n in Gen.Elements(1, 4, 8, 15, 16, 17, 33, 64, 65, 100)
        select new MatMulSizes(m, k, n),
        s => TensorShrink.MatMul(s));

    [Fact]
    public void MatMulAtBlockEdgeSizesMatchesTheTripleLoopInEveryLayout() =>
        Props.Holds(Prop.ForAll(EdgeSizes, Props.Ints, Arb.Zip(Props.Bools, Props.Bools), (m, seed, trans) =>
        {
            var (ta, tb) = trans;
            // The textbook bound for a K-term dot product: |error| <= K·u·Σ|a·b| (u = 2^-53, 2^-24), with slack of 2 terms.
            double tol64 = (m.K + 2) * Math.ScaleB(1, -53), tol32 = (m.K + 2) * Math.ScaleB(1, -24);
            var a = Normal(ta ? [m.K, m.M] : [m.M, m.K], seed);
            var b = Normal(tb ? [m.N, m.K] : [m.K, m.N], seed + 1);
            var (c, scale) = ReferenceMatMul(a, b, ta, tb);
            var into = Normal([m.M, m.N], seed + 2);
            Tensor.MatMulInto(a, ta, b, tb, into, accumulate: false);
            Reference.Close(c, into, tol64, scale, $"MatMulInto {m} transA={ta} transB={tb}");
            if (!ta && !tb) Reference.Close(c, a.MatMul(b), tol64, scale, $"MatMul {m}");
            var (c32, scale32) = ReferenceMatMul(a.ToFloat().ToDouble(), b.ToFloat().ToDouble(), ta, tb);
            var into32 = new Tensor<float>(m.M, m.N);
            Tensor.MatMulInto(a.ToFloat(), ta, b.ToFloat(), tb, into32, accumulate: false);
            Reference.Close(c32, into32.ToDouble(), tol32, scale32, $"float32 MatMulInto {m} transA={ta} transB={tb}");
        }), 25);

    [Fact]
    public void BatchedMatMulIsAProductPerBatchEntry() =>
        Props.Holds(Prop.ForAll(TensorArb.Shape(new ShapeOptions(1, 2, 1, 3)), TensorArb.MatMul(1, 8), Arb.Zip(Props.Ints, Props.Bools), (batch, m, how) =>
        {
            var (seed, shared) = how;
            var a = Normal([.. batch, m.M, m.K], seed);
            var b = shared ? Normal([m.K, m.N], seed + 1) : Normal([.. batch, m.K, m.N], seed + 1);
            var c = a.MatMul(b);
            Assert.Equal([.. batch, m.M, m.N], c.ShapeArray);
            int count = Reference.Numel(batch);
            var a3 = a.Reshape(count, m.M, m.K); var c3 = c.Reshape(count, m.M, m.N);
            for (int i = 0; i < count; i++)
            {
                var (expected, scale) = ReferenceMatMul(a3.Select(0, i), shared ? b : b.Reshape(count, m.K, m.N).Select(0, i));
                Reference.Close(expected, c3.Select(0, i), 1e-14, scale, $"batch entry {i}");
            }
        }), 40);

    [Fact]
    public void PermuteAndTransposeMoveEveryElementExactly() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), Props.Ints, (x, seed) =>
        {
            var axes = new Rng((ulong)(uint)seed).Permutation(x.Rank);
            Assert.Equal(Reference.Permute(x, axes).ToArray(), x.Permute(axes).ToArray());
            Assert.Equal(axes.Select(a => x.Shape[a]).ToArray(), x.Permute(axes).ShapeArray);
            if (x.Rank >= 2)
            {
                var swap = Enumerable.Range(0, x.Rank).ToArray();
                (swap[^1], swap[^2]) = (swap[^2], swap[^1]);
                Assert.Equal(Reference.Permute(x, swap).ToArray(), x.Transpose().ToArray());
            }
        }));

    /// <summary>
    /// A matrix transpose moves every element, whether it takes the blocked register path (float and double with a
    /// row count that is a multiple of 8, columns not) or the tiled loop.
    /// </summary>
    [Theory]
    [InlineData(8, 1)]
    [InlineData(64, 40)]
    [InlineData(24, 1003)]
    [InlineData(256, 1024)]
    [InlineData(17, 33)]
    [InlineData(1, 9)]
    public void MatrixTransposeMovesEveryElementOnEveryPath(int rows, int cols)
    {
        var x = new Rng(31).Normal<double>([rows, cols]);
        Assert.Equal(Reference.Permute(x, [1, 0]).ToArray(), x.Transpose().ToArray());
        var x32 = x.ToFloat();
        Assert.Equal(Reference.Permute(x32, [1, 0]).ToArray(), x32.Transpose().ToArray());
        Assert.Equal([cols, rows], x32.Transpose().ShapeArray);
    }

    [Fact]
    public void CrossEntropyForwardMatchesItsDefinitionForEveryReduction() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(ShapeOptions.Default.WithRanks(2, 3)), Props.Ints, (logits, seed) =>
        {
            var rng = new Rng((ulong)(uint)seed);
            var tShape = logits.Shape[..^1].ToArray();
            var targets = rng.Integers(tShape, logits.Dim(-1));
            var mask = Tensor.Cast<int, double>(rng.Integers(tShape, 2));
            mask.AsSpan()[0] = 1;
            var logp = logits.LogSoftmax();
            double total = 0, weight = 0;
            for (int i = 0; i < targets.Length; i++)
            {
                var idx = Reference.Unravel(i, tShape);
                total -= mask[idx] * logp[[.. idx, targets[idx]]];
                weight += mask[idx];
            }
            var x = logits.AsVariable();
            double Loss(Reduction r) => x.CrossEntropy(targets, mask, r).Item();
            Assert.Equal(total / weight, Loss(Reduction.Mean), 12);
            Assert.Equal(total, Loss(Reduction.Sum), 12);
            Assert.Equal(total / logits.Dim(0), Loss(Reduction.BatchMean), 12);
        }));

    // ---- float32 against float64 for the reductions and products ----

    [Fact]
    public void Float32ReductionsAndSoftmaxMatchFloat64() =>
        Props.Holds(Prop.ForAll(TensorArb.Tensor(), Props.Ints, (x, a) =>
        {
            var x32 = x.ToFloat(); var x64 = x32.ToDouble();
            int axis = Fit.Axis(a, x.Rank), at = axis < 0 ? axis + x.Rank : axis;
            var scale = Reference.Reduce(x64, at, false, SumAbs);
            Reference.Close(x64.Sum(axis), x32.Sum(axis).ToDouble(), 1e-6, scale, "Sum float32");
            Reference.Close(x64.Mean(axis), x32.Mean(axis).ToDouble(), 1e-6, scale, "Mean float32");
            Reference.Close(x64.Softmax(), x32.Softmax().ToDouble(), 1e-6, what: "Softmax float32");
            Reference.Close(x64.LogSoftmax(), x32.LogSoftmax().ToDouble(), 1e-6, what: "LogSoftmax float32");
            Assert.InRange(x32.SumAll() - x64.SumAll(), -1e-6 * SumAbs(x64.ToArray()), 1e-6 * SumAbs(x64.ToArray()));
        }));

    [Fact]
    public void Float32MatMulMatchesFloat64() =>
        Props.Holds(Prop.ForAll(TensorArb.MatMul(), Props.Ints, (m, seed) =>
        {
            var a = Normal([m.M, m.K], seed).ToFloat(); var b = Normal([m.K, m.N], seed + 1).ToFloat();
            var (c, scale) = ReferenceMatMul(a.ToDouble(), b.ToDouble());
            Reference.Close(c, a.MatMul(b).ToDouble(), 1e-6, scale, "MatMul float32");
        }), 60);

    [Fact]
    public void Float32CrossEntropyMatchesFloat64()
    {
        var logits = new Rng(7).Normal<double>([4, 3, 6], std: 3).ToFloat();
        var targets = new Rng(8).Integers([4, 3], 6);
        double l64 = logits.ToDouble().AsVariable().CrossEntropy(targets).Item();
        float l32 = logits.AsVariable().CrossEntropy(targets).Item();
        Assert.Equal(l64, l32, 1e-5 * Math.Max(1, Math.Abs(l64)));
    }

    // ---- numerically extreme inputs ----

    [Fact]
    public void SoftmaxFamilyAndSigmoidAreStableForHugeLogits()
    {
        var x = Tensor.FromArray([1000.0, -1000.0, 0.0]);
        Assert.Equal([1.0, 0.0, 0.0], x.Softmax().ToArray());
        Assert.Equal([0.0, -2000.0, -1000.0], x.LogSoftmax().ToArray());
        Assert.Equal([1.0, 0.0, 0.5], x.Sigmoid().ToArray());
        Assert.Equal([1.0, -1.0, 0.0], x.Tanh().ToArray());

        var f = x.ToFloat();
        Assert.Equal([1f, 0f, 0f], f.Softmax().ToArray());
        Assert.Equal([0f, -2000f, -1000f], f.LogSoftmax().ToArray());
        Assert.Equal([1f, 0f, 0.5f], f.Sigmoid().ToArray());

        var same = Tensor.FromArray([1000.0, 1000.0]);
        Assert.Equal([0.5, 0.5], same.Softmax().ToArray());
        Assert.Equal([-Math.Log(2), -Math.Log(2)], same.LogSoftmax().ToArray());
    }

    [Fact]
    public void CrossEntropyAndItsGradientAreFiniteForHugeLogits()
    {
        var logits = Tensor.FromArray([1000.0, -1000.0, -1000.0, 1000.0], 2, 2).RequiresGrad();
        var loss = logits.CrossEntropy(Tensor.FromArray([1, 1], 2), reduction: Reduction.Sum);
        Assert.Equal(2000.0, loss.Item());
        loss.Backward();
        Assert.Equal([1.0, -1.0, 0.0, 0.0], logits.Grad!.ToArray());

        var p = Tensor.FromArray([1000f, -1000f]).RequiresGrad();
        p.Softmax().Backward(Tensor.FromArray([1f, 2f]));
        var ls = Tensor.FromArray([1000f, -1000f]).RequiresGrad();
        ls.LogSoftmax().Backward(Tensor.FromArray([1f, 0f]));
        Assert.All(p.Grad!.ToArray(), g => Assert.True(float.IsFinite(g)));
        Assert.Equal([0f, 0f], ls.Grad!.ToArray());
        var s = Tensor.FromArray([-1000.0, 1000.0]).RequiresGrad();
        s.Sigmoid().Sum().Backward();
        Assert.Equal([0.0, 0.0], s.Grad!.ToArray());
    }
}
