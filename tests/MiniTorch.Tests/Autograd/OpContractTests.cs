using MiniTorch.Autograd;
using MiniTorch.Autograd.Functions;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// What the op facade (Ops) promises beyond the gradient properties: each bad argument is rejected with the exact
/// exception type, parameter name and message before anything is drawn or recorded; edge inputs (an empty axis, an
/// all-masked loss, a size-1 normalised axis, bounds that meet) give the stated values; gradients are exact next to
/// constant inputs and add up for an operand used twice; saved arguments are under the version check; every op is named
/// in the graph and every primitive rule prints as the source Fuse.Describe shows. Written against Stryker's survivors
/// in the ops area (tools/mutation.sh ops); each test was watched failing with its mutation applied by hand.
/// </summary>
public class OpContractTests
{
    private static Variable<double> V(params double[] values) => Tensor.FromArray(values).RequiresGrad();

    // ---- Dropout ----

    [Fact]
    public void DropoutKeepsExactlyTheElementsWhoseUniformDrawIsAtLeastP()
    {
        // One uniform per element in row-major order; kept where u >= p, scaled by 1/(1 - p); the gradient is g ⊙ mask.
        const double p = 0.4;
        var x = new Rng(3).Normal<double>([4, 5]).RequiresGrad();
        var y = Ops.Dropout(x, p, new Rng(11));
        var draws = new Rng(11);
        double scale = 1 / (1 - p);
        var mask = Enumerable.Range(0, 20).Select(_ => draws.NextDouble() >= p ? scale : 0).ToArray();
        Assert.Contains(0.0, mask);
        Assert.Contains(scale, mask);
        Assert.Equal(x.Data.ToArray().Zip(mask, (a, m) => a * m).ToArray(), y.Data.ToArray());
        var g = new Rng(4).Normal<double>([4, 5]);
        y.Backward(g);
        Assert.Equal(g.ToArray().Zip(mask, (a, m) => a * m).ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void DropoutWithPZeroOrNotTrainingIsTheInputAndDrawsNothing()
    {
        var x = V(1, 2, 3);
        var rng = new Rng(5);
        Assert.Same(x, Ops.Dropout(x, 0, rng));
        Assert.Same(x, Ops.Dropout(x, 0.5, rng, training: false));
        Assert.Equal(new Rng(5).NextDouble(), rng.NextDouble());
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void DropoutRejectsAProbabilityOutsideZeroToOne(double p)
    {
        var rng = new Rng(5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Dropout(V(1, 2), p, rng));
        Assert.Equal("p", e.ParamName);
        Assert.StartsWith($"Dropout: p must be in [0, 1), got {p}.", e.Message);
        Assert.Equal(new Rng(5).NextDouble(), rng.NextDouble()); // nothing drawn
    }

    [Fact]
    public void DropoutNamesANullArgument()
    {
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => Ops.Dropout<double>(null!, 0.5, new Rng(1))).ParamName);
        Assert.Equal("rng", Assert.Throws<ArgumentNullException>(() => Ops.Dropout(V(1), 0.5, null!)).ParamName);
    }

    // ---- Clamp, LeakyRelu, Gelu arguments ----

    [Fact]
    public void ClampNamesEachBadBound()
    {
        var x = V(1, 2);
        var none = Assert.Throws<ArgumentException>(() => x.Clamp());
        Assert.Equal("Clamp: at least one of min and max must be given.", none.Message);
        var lo = Assert.Throws<ArgumentOutOfRangeException>(() => x.Clamp(min: double.NaN));
        Assert.Equal("min", lo.ParamName);
        Assert.StartsWith("Clamp: min NaN is not a bound.", lo.Message);
        var hi = Assert.Throws<ArgumentOutOfRangeException>(() => x.Clamp(0, double.NaN));
        Assert.Equal("max", hi.ParamName);
        Assert.StartsWith("Clamp: max NaN is not a bound.", hi.Message);
        var crossed = Assert.Throws<ArgumentException>(() => x.Clamp(2.5, -1.5));
        Assert.Equal("Clamp: min 2.5 is greater than max -1.5.", crossed.Message);
    }

    [Fact]
    public void ClampWithEqualBoundsIsThatValueAndPassesTheGradientOnlyAtIt()
    {
        var x = V(0, 1, 2);
        var y = x.Clamp(1, 1);
        Assert.Equal([1.0, 1, 1], y.Data.ToArray());
        y.Backward(Tensor.FromArray([5.0, 6, 7]));
        Assert.Equal([0.0, 6, 0], x.Grad!.ToArray());
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void LeakyReluRejectsASlopeThatIsNotFinite(double slope)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => V(1).LeakyRelu(slope));
        Assert.Equal("negativeSlope", e.ParamName);
        Assert.StartsWith($"LeakyRelu: negativeSlope must be finite, got {slope}.", e.Message);
    }

    [Fact]
    public void GeluNamesAnUnknownApproximation()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => V(1).Gelu((GeluApproximation)7));
        Assert.Equal("approximate", e.ParamName);
        Assert.StartsWith("Gelu: unknown approximation 7 (None or Tanh).", e.Message);
    }

    // ---- LayerNorm arguments and edges ----

    [Fact]
    public void LayerNormChecksItsArguments()
    {
        var x = Tensor.FromArray([1.0, 2, 4, 3, 5, 9], 2, 3).RequiresGrad();
        Assert.Equal("normalizedShape", Assert.Throws<ArgumentNullException>(() => x.LayerNorm(null!)).ParamName);
        foreach (var eps in new[] { double.NaN, double.PositiveInfinity, -1e-9 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.LayerNorm([3], eps: eps));
            Assert.Equal("eps", e.ParamName);
            Assert.StartsWith($"LayerNorm: eps must be finite and >= 0, got {eps}.", e.Message);
        }
        Assert.Equal("LayerNorm: normalizedShape (3, 0) must have at least one axis, each of size >= 1.",
            Assert.Throws<ArgumentException>(() => new Tensor<double>(2, 3, 0).RequiresGrad().LayerNorm([3, 0])).Message);
        Assert.Equal("LayerNorm: input (3,) must end with normalizedShape (2, 3).",
            Assert.Throws<ArgumentException>(() => Tensor.FromArray([1.0, 2, 3]).RequiresGrad().LayerNorm([2, 3])).Message);
        Assert.Equal("LayerNorm: weight (2,) must have normalizedShape (3,).",
            Assert.Throws<ArgumentException>(() => x.LayerNorm([3], weight: V(1, 2))).Message);
        Assert.Equal("LayerNorm: bias (3, 1) must have normalizedShape (3,).",
            Assert.Throws<ArgumentException>(() => x.LayerNorm([3], bias: Tensor.Ones<double>(3, 1).RequiresGrad())).Message);
    }

    [Fact]
    public void LayerNormOverTheWholeInputWithEpsZeroIsTheExactStandardisation()
    {
        // x = [1, 2, 4, 3, 5, 9] over both axes (rank equal to normalizedShape's length): mean 4, variance 40/6.
        var x = Tensor.FromArray([1.0, 2, 4, 3, 5, 9], 2, 3).RequiresGrad();
        var y = x.LayerNorm([2, 3], eps: 0).Data.ToArray();
        double s = Math.Sqrt(40.0 / 6);
        double[] expected = [-3 / s, -2 / s, 0, -1 / s, 1 / s, 5 / s];
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], y[i], 1e-15);
    }

    [Fact]
    public void LayerNormOverASizeOneAxisGivesTheBiasAndNoInputGradient()
    {
        // Each "row" is one value: x - mean = 0, so y = bias and dy/dx = 0, dy/dbias = g.
        var x = Tensor.FromArray([3.0, -1, 7], 3, 1).RequiresGrad();
        var w = Tensor.FromArray([2.0]).RequiresGrad();
        var b = Tensor.FromArray([0.5]).RequiresGrad();
        var y = x.LayerNorm([1], w, b);
        Assert.Equal([0.5, 0.5, 0.5], y.Data.ToArray());
        y.Backward(Tensor.FromArray([1.0, 2, 4], 3, 1));
        Assert.Equal([0.0, 0, 0], x.Grad!.ToArray());
        Assert.Equal([0.0], w.Grad!.ToArray());
        Assert.Equal([7.0], b.Grad!.ToArray());
    }

    [Fact]
    public void LayerNormKeepsItsOwnCopyOfTheNormalizedShape()
    {
        // The caller may reuse the array after the call; the backward (the weight gradient's shape) must not see it.
        var shape = new[] { 3 };
        var x = Tensor.FromArray([1.0, 2, 4], 1, 3).RequiresGrad();
        var w = Tensor.FromArray([1.0, 1, 1]).RequiresGrad();
        var y = x.LayerNorm(shape, w);
        shape[0] = 1;
        y.Sum().Backward();
        Assert.Equal([3], w.Grad!.ShapeArray);
    }

    // ---- CrossEntropy reductions and edges ----

    private static double LogSoftmax(double[] row, int k) => row[k] - Math.Log(row.Sum(Math.Exp));

    [Fact]
    public void CrossEntropyReductionsByHandWithAMask()
    {
        // Logits (2, 2, 3), targets (2, 2), mask (2, 2) with weights 1, 0, 2, 0.5.
        double[] flat = [0.1, 1.2, -0.3, 2.0, 0.5, 0.0, -1.0, 0.3, 0.7, 0.2, 0.2, 0.9];
        int[] t = [2, 0, 1, 1];
        double[] w = [1, 0, 2, 0.5];
        var nll = Enumerable.Range(0, 4).Select(i => -LogSoftmax(flat[(3 * i)..(3 * i + 3)], t[i])).ToArray();
        double sum = Enumerable.Range(0, 4).Sum(i => w[i] * nll[i]);
        var logits = Tensor.FromArray(flat, 2, 2, 3);
        var targets = Tensor.FromArray(t, 2, 2);
        var mask = Tensor.FromArray(w, 2, 2);
        Assert.Equal(sum / 3.5, logits.AsVariable().CrossEntropy(targets, mask).Item(), 1e-14);
        Assert.Equal(sum, logits.AsVariable().CrossEntropy(targets, mask, Reduction.Sum).Item(), 1e-14);
        Assert.Equal(sum / 2, logits.AsVariable().CrossEntropy(targets, mask, Reduction.BatchMean).Item(), 1e-14);
        Assert.Equal(nll.Average(), logits.AsVariable().CrossEntropy(targets).Item(), 1e-14);

        // Backward: g · w · (softmax − onehot) / denominator, with g = 3 and the Mean denominator 3.5.
        var x = logits.RequiresGrad();
        x.CrossEntropy(targets, mask).Backward(Tensor.Scalar(3.0));
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++)
            {
                double softmax = Math.Exp(LogSoftmax(flat[(3 * i)..(3 * i + 3)], j));
                double expected = 3 * w[i] * (softmax - (j == t[i] ? 1 : 0)) / 3.5;
                Assert.Equal(expected, x.Grad!.AsSpan()[3 * i + j], 1e-15);
            }
    }

    [Fact]
    public void CrossEntropyOfOnePositionTakesRankOneLogits()
    {
        // Logits (V,) with a rank-0 target; BatchMean divides by 1 (there is no batch axis).
        var logits = Tensor.FromArray([0.5, -1.0, 2.0]);
        double expected = -LogSoftmax([0.5, -1.0, 2.0], 2);
        var target = new Tensor<int>();
        target.AsSpan()[0] = 2;
        Assert.Equal(expected, logits.AsVariable().CrossEntropy(target).Item(), 1e-15);
        Assert.Equal(expected, logits.AsVariable().CrossEntropy(target, reduction: Reduction.BatchMean).Item(), 1e-15);
    }

    [Fact]
    public void CrossEntropyWithEveryPositionMaskedOrNoPositionsIsZeroNotNaN()
    {
        var x = Tensor.FromArray([1.0, 2, 3, 4], 2, 2).RequiresGrad();
        var loss = x.CrossEntropy(Tensor.FromArray([0, 1]), Tensor.FromArray([0.0, 0]));
        Assert.Equal(0.0, loss.Item());
        loss.Backward();
        Assert.Equal([0.0, 0, 0, 0], x.Grad!.ToArray());
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.BatchMean })
            Assert.Equal(0.0, new Tensor<double>(0, 3).AsVariable().CrossEntropy(new Tensor<int>(0), reduction: reduction).Item());
    }

    [Fact]
    public void CrossEntropyNamesAnUnsupportedReductionAndScalarLogits()
    {
        var logits = Tensor.FromArray([1.0, 2, 3, 4], 2, 2).RequiresGrad();
        foreach (var reduction in new[] { Reduction.None, (Reduction)9 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => logits.CrossEntropy(Tensor.FromArray([0, 1]), reduction: reduction));
            Assert.Equal("reduction", e.ParamName);
            Assert.StartsWith($"CrossEntropy: reduction {reduction} is not supported (use Mean, Sum or BatchMean).", e.Message);
        }
        var scalar = Assert.Throws<ArgumentException>(() => Tensor.Scalar(1.0).RequiresGrad().CrossEntropy(new Tensor<int>()));
        Assert.Equal("CrossEntropy: targets () must have the logits' shape () without its last axis.", scalar.Message);
        var high = Assert.Throws<ArgumentOutOfRangeException>(() => logits.CrossEntropy(Tensor.FromArray([0, 2])));
        Assert.Equal("targets", high.ParamName);
        Assert.StartsWith("CrossEntropy: target 2 at flat position 1 is out of range [0, 2) for logits (2, 2).", high.Message);
    }

    // ---- BCE, AddMatMul shape checks ----

    [Fact]
    public void BinaryCrossEntropyRejectsAPosWeightThatBroadcastsPastTheInput()
    {
        var x = Tensor.FromArray([0.5, -0.5, 1, 2, 3, 4], 2, 3).RequiresGrad();
        var y = Tensor.FromArray([1.0, 0, 1, 0, 1, 0], 2, 3);
        var e = Assert.Throws<ArgumentException>(() => new BinaryCrossEntropyWithLogits<double>(y, Tensor.Ones<double>(2, 2, 3)).Apply(x));
        Assert.Equal("BinaryCrossEntropyWithLogits: posWeight (2, 2, 3) must broadcast to the input's shape (2, 3) (e.g. one weight per class on the last axis).", e.Message);
        Assert.Null(x.Grad);
        // A full-shape or a single weight is fine.
        Assert.Equal([2, 3], new BinaryCrossEntropyWithLogits<double>(y, Tensor.Ones<double>(2, 3)).Apply(x).Data.ShapeArray);
        Assert.Equal([2, 3], new BinaryCrossEntropyWithLogits<double>(y, Tensor.Ones<double>(1)).Apply(x).Data.ShapeArray);
    }

    [Fact]
    public void AddMatMulNamesTheShapesItCannotMultiplyOrAdd()
    {
        var v3 = Tensor.Ones<double>(3).RequiresGrad();
        (Func<Variable<double>> Call, string Message)[] cases =
        [
            (() => Ops.AddMatMul(v3, Tensor.Ones<double>(2, 4).RequiresGrad(), Tensor.Ones<double>(3, 3).RequiresGrad()),
                "AddMatMul: cannot multiply (2, 4) by (3, 3) (need (…,M,K)·(K,N))."),
            (() => Ops.AddMatMul(v3, Tensor.Ones<double>(3).RequiresGrad(), Tensor.Ones<double>(3, 3).RequiresGrad()),
                "AddMatMul: cannot multiply (3,) by (3, 3) (need (…,M,K)·(K,N))."),
            (() => Ops.AddMatMul(v3, Tensor.Ones<double>(2, 3).RequiresGrad(), Tensor.Ones<double>(1, 3, 3).RequiresGrad()),
                "AddMatMul: cannot multiply (2, 3) by (1, 3, 3) (need (…,M,K)·(K,N))."),
            (() => Ops.AddMatMul(Tensor.Ones<double>(4, 2, 3).RequiresGrad(), Tensor.Ones<double>(2, 3).RequiresGrad(), Tensor.Ones<double>(3, 3).RequiresGrad()),
                "AddMatMul: addend (4, 2, 3) does not broadcast to the product's shape (2, 3)."),
        ];
        foreach (var (call, message) in cases) Assert.Equal(message, Assert.Throws<ArgumentException>(call).Message);
        Assert.Contains("AddMatMul", Assert.ThrowsAny<ArgumentException>(() =>
            Ops.AddMatMul(Tensor.Ones<double>(4).RequiresGrad(), Tensor.Ones<double>(2, 3).RequiresGrad(), Tensor.Ones<double>(3, 3).RequiresGrad())).Message);
    }

    [Fact]
    public void AddMatMulAddsAFullAddendWithoutChangingIt()
    {
        var c = Tensor.FromArray([1.0, 2, 3, 4], 2, 2);
        var a = Tensor.FromArray([1.0, 0, 0, 1], 2, 2);
        var b = Tensor.FromArray([5.0, 6, 7, 8], 2, 2);
        Assert.Equal([6.0, 8, 10, 12], Ops.AddMatMul(c.AsVariable(), a.AsVariable(), b.AsVariable()).Data.ToArray());
        Assert.Equal([1.0, 2, 3, 4], c.ToArray());
    }

    // ---- extremum edges ----

    [Fact]
    public void MaxAndMinOfNothingSayTheInputIsEmpty()
    {
        Assert.Equal("Max: the input (2, 0) is empty; the maximum of no elements is undefined.",
            Assert.Throws<ArgumentException>(() => new Tensor<double>(2, 0).RequiresGrad().Max()).Message);
        Assert.Equal("Min: the input (0,) is empty; the minimum of no elements is undefined.",
            Assert.Throws<ArgumentException>(() => new Tensor<double>(0).RequiresGrad().Min()).Message);
    }

    [Fact]
    public void ANaNMaximumSharesItsGradientAmongTheNaNs()
    {
        var x = V(double.NaN, 1, double.NaN, 5);
        x.Max().Backward(Tensor.Scalar(4.0));
        Assert.Equal([2.0, 0, 2, 0], x.Grad!.ToArray());
        var z = V(3, double.NaN, -2);
        z.Min().Backward(Tensor.Scalar(4.0));
        Assert.Equal([0.0, 4, 0], z.Grad!.ToArray());
    }

    [Fact]
    public void ChangingTheReturnedIndicesDoesNotMoveTheGradient()
    {
        var x = Tensor.FromArray([1.0, 9, 3, 7, 2, 4], 2, 3).RequiresGrad();
        var (values, indices) = x.Max(1);
        Assert.Equal([1, 0], indices.ToArray());
        indices.Fill(2);
        values.Backward(Tensor.FromArray([10.0, 20]));
        Assert.Equal([0.0, 10, 0, 20, 0, 0], x.Grad!.ToArray());
        var (minValues, minIndices) = x.Min(-1, keepDim: true);
        Assert.Equal([2, 1], minValues.Data.ShapeArray);
        minIndices.Fill(1);
        x.Grad = null;
        minValues.Backward(Tensor.FromArray([1.0, 2], 2, 1));
        Assert.Equal([1.0, 0, 0, 0, 2, 0], x.Grad!.ToArray());
    }

    // ---- empty last axis, constants among the inputs ----

    [Fact]
    public void SoftmaxAndLogSoftmaxOfAnEmptyLastAxisHaveAnEmptyGradient()
    {
        foreach (var op in new Func<Variable<double>, Variable<double>>[] { v => v.Softmax(), v => v.LogSoftmax() })
        {
            var x = new Tensor<double>(2, 0).RequiresGrad();
            var y = op(x);
            Assert.Equal([2, 0], y.Data.ShapeArray);
            y.Backward(new Tensor<double>(2, 0));
            Assert.Equal([2, 0], x.Grad!.ShapeArray);
        }
    }

    /// <summary>
    /// AddMatMul's forward is the addend plus the product, bit for bit as MatMul then add, whether the GEMM reads the
    /// addend as it stores (the output's shape, or one row: (N,), (1, N), (1, 1, N)) or it is broadcast and copied first
    /// (a column, a scalar); and the gradients reach every operand.
    /// </summary>
    [Fact]
    public void AddMatMulForwardIsTheAddendPlusTheProductForEveryAddendShape()
    {
        var rng = new Rng(21);
        var a = rng.Normal<double>([2, 5, 7]);
        var w = rng.Normal<double>([7, 3]);
        foreach (var shape in new[] { new[] { 2, 5, 3 }, [3], [1, 3], [1, 1, 3], [5, 1], [1], [5, 3] })
        {
            var c = rng.Normal<double>(shape);
            var y = Ops.AddMatMul(c.RequiresGrad(), a.RequiresGrad(), w.RequiresGrad());
            var expected = a.MatMul(w) + c;
            Assert.Equal(expected.ShapeArray, y.Data.ShapeArray);
            Assert.Equal(expected.ToArray(), y.Data.ToArray());
        }
        var cv = rng.Normal<double>([3]).RequiresGrad();
        var av = a.RequiresGrad();
        var wv = w.RequiresGrad();
        Ops.AddMatMul(cv, av, wv).Backward(Tensor.Ones<double>(2, 5, 3));
        Assert.Equal([10.0, 10, 10], cv.Grad!.ToArray());
        Assert.Equal(Tensor.Ones<double>(2, 5, 3).MatMul(w.Transpose()).ToArray(), av.Grad!.ToArray());
    }

    /// <summary>
    /// Unbind is one op: its backward writes each used slice's gradient into the input's (a slice nobody used gets
    /// zeros, not whatever the buffer held), adds onto a gradient the input already has, and works along an inner
    /// (strided) axis; an empty axis gives no slices.
    /// </summary>
    [Fact]
    public void UnbindWritesTheUsedSlicesGradientsAndZerosTheRest()
    {
        var x = Tensor.Arange<double>(6).Reshape(3, 2).RequiresGrad();
        var parts = x.Unbind(0);
        Assert.Equal(3, parts.Length);
        Assert.Same(parts[0].GradFn, parts[2].GradFn);
        Assert.Equal([4.0, 5], parts[2].Data.ToArray());
        (parts[0] * 2.0 + parts[2] * 3.0).Sum().Backward();
        Assert.Equal([2.0, 2, 0, 0, 3, 3], x.Grad!.ToArray());

        var y = Tensor.Arange<double>(6).Reshape(2, 3).RequiresGrad();
        var cols = y.Unbind(1);
        Assert.Equal([1.0, 4], cols[1].Data.ToArray());
        ((cols[1] * 5.0).Sum() + (y * 10.0).Sum()).Backward();
        Assert.Equal([10.0, 15, 10, 10, 15, 10], y.Grad!.ToArray());

        Assert.Empty(new Tensor<double>(2, 0).RequiresGrad().Unbind(1));
        var e = Assert.Throws<ArgumentException>(() => new MiniTorch.Autograd.Functions.Unbind<double>(1).Apply(new Tensor<double>(2, 0).RequiresGrad()));
        Assert.Equal("Unbind: axis 1 of (2, 0) is empty; there is no slice to return.", e.Message);
    }

    [Fact]
    public void StridedStackAndConcatSlicesLandInTheInputsGradientsExactly()
    {
        // Stacking on axis 1 makes each input's slice of the gradient strided: it is gathered into the input's gradient
        // buffer, written first, added when the input also gets a gradient elsewhere or appears twice.
        var a = V(1, 2, 3, 4); // (2, 2) after reshape
        var b = V(5, 6, 7, 8);
        var a2 = a.Reshape(2, 2);
        var g = Tensor.Arange<double>(12).Reshape(2, 3, 2); // g[n, s, h]
        var y = Ops.Stack([a2, b.Reshape(2, 2), a2], 1);
        var loss = (y * g.AsVariable()).Sum() + (a * 10.0).Sum();
        loss.Backward();
        // a: slices s = 0 and s = 2 plus 10; b: slice s = 1.
        Assert.Equal([0.0 + 4 + 10, 1 + 5 + 10, 6 + 10 + 10, 7 + 11 + 10], a.Grad!.ToArray());
        Assert.Equal([2.0, 3, 8, 9], b.Grad!.ToArray());

        var c = V(1, 2, 3, 4, 5, 6);
        var d = V(7, 8);
        Ops.Concat([c.Reshape(2, 3), d.Reshape(2, 1)], 1).Backward(Tensor.Arange<double>(8).Reshape(2, 4));
        Assert.Equal([0.0, 1, 2, 4, 5, 6], c.Grad!.ToArray());
        Assert.Equal([3.0, 7], d.Grad!.ToArray());

        // A permute's gradient is a fresh copy the pass keeps: a second contribution adds into it, never into g.
        var p = V(1, 2, 3, 4, 5, 6);
        var up = Tensor.Arange<double>(6).Reshape(3, 2);
        var upBefore = up.ToArray();
        var q = p.Reshape(2, 3);
        var z = (q.Permute(1, 0) * up.AsVariable()).Sum() + (q * 2.0).Sum();
        z.Backward();
        Assert.Equal([2.0, 4, 6, 3, 5, 7], p.Grad!.ToArray());
        Assert.Equal(upBefore, up.ToArray());
    }

    [Fact]
    public void ConcatStackWhereAndMatMulGiveExactGradientsNextToAConstant()
    {
        var a = V(1, 2);
        var b = V(3);
        var k = Tensor.FromArray([7.0, 8, 9]).AsVariable();
        Ops.Concat([a, k, b], 0).Backward(Tensor.FromArray([1.0, 2, 3, 4, 5, 6]));
        Assert.Equal([1.0, 2], a.Grad!.ToArray());
        Assert.Equal([6.0], b.Grad!.ToArray());

        var c = V(1, 2);
        Ops.Stack([Tensor.FromArray([0.0, 0]).AsVariable(), c], 0).Backward(Tensor.FromArray([1.0, 2, 3, 4], 2, 2));
        Assert.Equal([3.0, 4], c.Grad!.ToArray());

        var d = V(1, 2, 3);
        Ops.Where(Tensor.FromArray([1.0, 0, 1]), Tensor.FromArray([0.0, 0, 0]).AsVariable(), d).Backward(Tensor.FromArray([5.0, 6, 7]));
        Assert.Equal([0.0, 6, 0], d.Grad!.ToArray());
        var e = V(1, 2, 3);
        Ops.Where(Tensor.FromArray([1.0, 0, 1]), e, Tensor.FromArray([0.0, 0, 0]).AsVariable()).Backward(Tensor.FromArray([5.0, 6, 7]));
        Assert.Equal([5.0, 0, 7], e.Grad!.ToArray());

        // Batched (2, 1, 2)·(2, 2, 1) with one side constant: dA = g·Bᵀ, dB = Aᵀ·g.
        var ad = Tensor.FromArray([1.0, 2, 3, 4], 2, 1, 2);
        var bd = Tensor.FromArray([5.0, 6, 7, 8], 2, 2, 1);
        var g = Tensor.FromArray([10.0, 100], 2, 1, 1);
        var av = ad.RequiresGrad();
        av.MatMul(bd.AsVariable()).Backward(g);
        Assert.Equal([50.0, 60, 700, 800], av.Grad!.ToArray());
        var bv = bd.RequiresGrad();
        ad.AsVariable().MatMul(bv).Backward(g);
        Assert.Equal([10.0, 20, 300, 400], bv.Grad!.ToArray());
    }

    // ---- names and printed forms ----

    [Fact]
    public void EveryOpIsNamedInTheGraph()
    {
        var x = V(0.5, 2);
        var y = V(1, 3);
        (Variable<double> Result, string Name)[] ops =
        [
            (x.Exp(), "Exp"), (x.Log(), "Log"), (x.Tanh(), "Tanh"), (x.Sigmoid(), "Sigmoid"), (x.Relu(), "Relu"),
            (x.Square(), "Square"), (x.Sqrt(), "Sqrt"), (x.Neg(), "Neg"), (x.Pow(3), "Pow"), (x * 2.0, "Scale"),
            (x + 2.0, "AddScalar"), (x.Abs(), "Abs"), (x.Sin(), "Sin"), (x.Cos(), "Cos"), (x.LeakyRelu(), "LeakyRelu"),
            (x.Clamp(0, 1), "Clamp"), (x.Gelu(), "Gelu"), (x + y, "Add"), (x - y, "Sub"), (x * y, "Mul"), (x / y, "Div"),
            (x.Maximum(y), "Maximum"), (x.Minimum(y), "Minimum"), (x.Max(), "Max"), (x.Min(), "Min"),
            (x.Max(0).Values, "Max"), (x.Min(0).Values, "Min"),
        ];
        foreach (var (result, name) in ops) Assert.Equal(name, result.GradFn!.Name);
    }

    [Fact]
    public void EveryPrimitiveRulePrintsAsItsSource()
    {
        (string Printed, string Expected)[] rules =
        [
            (ExpRule<double>.Instance.Format("x"), "exp(x)"), (LogRule<double>.Instance.Format("x"), "log(x)"),
            (TanhRule<double>.Instance.Format("x"), "tanh(x)"), (SigmoidRule<double>.Instance.Format("x"), "sigmoid(x)"),
            (ReluRule<double>.Instance.Format("x"), "relu(x)"), (SquareRule<double>.Instance.Format("x"), "square(x)"),
            (SqrtRule<double>.Instance.Format("x"), "sqrt(x)"), (NegRule<double>.Instance.Format("x"), "-x"),
            (new PowRule<double>(1.5).Format("x"), "x ** 1.5"), (new ScaleRule<double>(-0.25).Format("x"), "(x * -0.25)"),
            (new AddScalarRule<double>(3).Format("x"), "(x + 3)"), (AbsRule<double>.Instance.Format("x"), "abs(x)"),
            (SinRule<double>.Instance.Format("x"), "sin(x)"), (CosRule<double>.Instance.Format("x"), "cos(x)"),
            (new LeakyReluRule<double>(0.1).Format("x"), "leaky_relu(x, 0.1)"),
            (new ClampRule<double>(-0.5, null).Format("x"), "clamp(x, -0.5, None)"),
            (new ClampRule<double>(null, 2).Format("x"), "clamp(x, None, 2)"),
            (new GeluRule<double>(GeluApproximation.None).Format("x"), "gelu(x)"),
            (new GeluRule<double>(GeluApproximation.Tanh).Format("x"), "gelu_tanh(x)"),
            (AddRule<double>.Instance.Format("a", "b"), "(a + b)"), (SubRule<double>.Instance.Format("a", "b"), "(a - b)"),
            (MulRule<double>.Instance.Format("a", "b"), "(a * b)"), (DivRule<double>.Instance.Format("a", "b"), "(a / b)"),
            (MaximumRule<double>.Instance.Format("a", "b"), "maximum(a, b)"), (MinimumRule<double>.Instance.Format("a", "b"), "minimum(a, b)"),
        ];
        foreach (var (printed, expected) in rules) Assert.Equal(expected, printed);
        Assert.Equal(["+", "-", "*", "/", "max", "min"],
            new BinaryRule<double>[] { AddRule<double>.Instance, SubRule<double>.Instance, MulRule<double>.Instance, DivRule<double>.Instance,
                MaximumRule<double>.Instance, MinimumRule<double>.Instance }.Select(r => r.Symbol));
    }

    // ---- rules: the written-out derivative agrees with the declared constant; Relu's kink ----

    [Fact]
    public void ARuleWithAConstantDerivativeComputesTheSameInItsBackward()
    {
        // A rule that reads neither operand nor result (Uses None) must declare its constant derivative, which the eager
        // op and the compiler apply without calling Backward; a caller of the rule's Backward must still get the same g·c.
        double[] a = [1.5, -2, 0.25], b = [3, 0.5, -1], g = [2, -3, 5];
        var d = new double[3];
        foreach (var (rule, operand) in new (BinaryRule<double>, int)[] { (AddRule<double>.Instance, 0), (AddRule<double>.Instance, 1), (SubRule<double>.Instance, 0), (SubRule<double>.Instance, 1) })
        {
            Assert.True(rule.HasConstantDerivative(operand, out double c));
            Array.Fill(d, double.NaN);
            rule.Backward(operand, a, b, [], g, d);
            Assert.Equal(g.Select(v => v * c).ToArray(), d);
        }
        Assert.True(SubRule<double>.Instance.HasConstantDerivative(1, out double minusOne));
        Assert.Equal(-1.0, minusOne);
        foreach (var rule in new UnaryRule<double>[] { NegRule<double>.Instance, new ScaleRule<double>(-2.5), new AddScalarRule<double>(4) })
        {
            Assert.True(rule.HasConstantDerivative(out double c));
            Array.Fill(d, double.NaN);
            rule.Backward(a, [], g, d);
            Assert.Equal(g.Select(v => v * c).ToArray(), d);
        }
        Assert.Equal(4.0, new AddScalarRule<double>(4).Addend);
        Assert.Equal(1.5, new PowRule<double>(1.5).Exponent);
        Assert.Equal(0.1, new LeakyReluRule<double>(0.1).NegativeSlope);
        Assert.Equal((-1.0, 2.0), (new ClampRule<double>(-1, 2).Min, new ClampRule<double>(-1, 2).Max));
        Assert.Equal(GeluApproximation.Tanh, new GeluRule<double>(GeluApproximation.Tanh).Approximate);
    }

    [Fact]
    public void ReluPassesNoGradientAtZero()
    {
        var x = V(-1, 0, 1);
        x.Relu().Backward(Tensor.FromArray([2.0, 3, 4]));
        Assert.Equal([0.0, 0, 4], x.Grad!.ToArray()); // relu'(0) = 0, PyTorch's choice
    }

    [Fact]
    public void ChangingWheresMaskInPlaceBeforeBackwardFails()
    {
        // The mask routes the gradient, so Where keeps it under the version check like any saved tensor.
        var mask = Tensor.FromArray([1.0, 0]);
        var a = V(1, 2);
        var y = Ops.Where(mask, a, V(3, 4)).Sum();
        mask.Fill(0);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Null(a.Grad);
    }

    [Fact]
    public void ABatchedOperandUsedInTwoProductsGetsBothGradients()
    {
        // (…,M,K)·(…,K,N) writes each slice's product into the operand's gradient buffer: it must add to what another
        // use already put there, for the left operand (a used twice) and the right one (b used twice).
        var rng = new Rng(23);
        Tensor<double> a = rng.Normal<double>([2, 3, 4]), b = rng.Normal<double>([2, 4, 2]), c = rng.Normal<double>([2, 4, 2]);
        GradientProperty.Assert(v => v[0].MatMul(v[1]) + v[0].MatMul(v[2]).Tanh(), [a, b, c]);
        GradientProperty.Assert(v => v[0].MatMul(v[2]) + v[1].MatMul(v[2]).Tanh(), [a, rng.Normal<double>([2, 3, 4]), b]);
    }
}
