using MiniTorch.Autograd;

namespace MiniTorch.Tests.Autograd;

public class EngineTests
{
    [Fact]
    public void UsingAValueTwiceSumsItsGradients()
    {
        var a = Tensor.FromArray([1.0, -2.0, 3.0]).RequiresGrad();
        (a + a).Sum().Backward();
        Assert.Equal([2.0, 2.0, 2.0], a.Grad!.ToArray());

        var b = Tensor.FromArray([1.0, -2.0, 3.0]).RequiresGrad();
        (b * b).Sum().Backward();
        Assert.Equal([2.0, -4.0, 6.0], b.Grad!.ToArray());
    }

    [Fact]
    public void GradAccumulatesAcrossBackwardCallsUntilZeroGrad()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        (a * 3.0).Sum().Backward();
        (a * 3.0).Sum().Backward();
        Assert.Equal([6.0, 6.0], a.Grad!.ToArray());
        a.ZeroGrad();
        Assert.Equal([0.0, 0.0], a.Grad!.ToArray());
    }

    [Fact]
    public void SecondBackwardOverFreedGraphFailsUnlessRetained()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        var loss = a.Tanh().Sum();
        loss.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("retainGraph", ex.Message);

        var kept = a.Tanh().Sum();
        kept.Backward(retainGraph: true);
        kept.Backward();
        // Three backward passes in all reached a: 3 (1 - tanh² a).
        Assert.Equal(3 * (1 - Math.Pow(Math.Tanh(1.0), 2)), a.Grad![0], 14);
        Assert.Equal(3 * (1 - Math.Pow(Math.Tanh(2.0), 2)), a.Grad![1], 14);
        Assert.Throws<InvalidOperationException>(() => kept.Backward());
    }

    [Fact]
    public void AChainOf100000OpsBackpropagates()
    {
        var a = Tensor.FromArray([0.5]).RequiresGrad();
        var y = a;
        for (int i = 0; i < 100_000; i++) y = y * 1.0;
        var loss = y.Sum();
        loss.Backward();
        Assert.Equal(1.0, a.Grad!.Item());
        Assert.True(loss.GradFn!.IsFreed && y.GradFn!.IsFreed); // the ops that ran were released
    }

    [Fact]
    public void AChainOf100000MixedOpsMatchesForwardModeDerivative()
    {
        // y ← tanh(y + a) · 0.5, 33,334 times (100,002 ops); dy/da follows the same recurrence in forward mode.
        var a = Tensor.FromArray([0.3]).RequiresGrad();
        var y = a;
        double value = 0.3, derivative = 1;
        for (int i = 0; i < 33_334; i++)
        {
            y = (y + a).Tanh() * 0.5;
            double t = Math.Tanh(value + 0.3);
            derivative = 0.5 * (1 - t * t) * (derivative + 1);
            value = 0.5 * t;
        }
        y.Backward();
        Assert.Equal(value, y.Item(), 15);
        Assert.Equal(derivative, a.Grad!.Item(), 12);
    }

    [Fact]
    public void MatMulGradientMatchesCentralDifferences()
    {
        var rng = new Rng(1);
        var report = GradCheck.Run(v => v[0].MatMul(v[1]).Tanh(), [rng.Normal<double>([3, 4]), rng.Normal<double>([4, 5])]);
        report.AssertScaledErrorBelow(1e-7);
    }
}

/// <summary>Regression tests of the tape engine: threads, determinism, NoGrad, Detach, custom ops, failures.</summary>
public class EngineRegressionTests
{
    /// <summary>A tiny MLP (4 → 8 tanh → 3) trained by SGD on cross-entropy; returns every parameter and loss, bit for bit.</summary>
    private static double[] TrainSmallModel(ulong seed, int steps = 40)
    {
        var rng = new Rng(seed);
        var w1 = rng.Normal<double>([4, 8], std: 0.5).RequiresGrad("w1");
        var b1 = Tensor.Zeros<double>(8).RequiresGrad("b1");
        var w2 = rng.Normal<double>([8, 3], std: 0.5).RequiresGrad("w2");
        var x = rng.Normal<double>([16, 4]).AsVariable();
        var targets = rng.Integers([16], 3);
        var trace = new List<double>();
        for (int step = 0; step < steps; step++)
        {
            var loss = (x.MatMul(w1) + b1).Tanh().MatMul(w2).CrossEntropy(targets);
            trace.Add(loss.Item());
            loss.Backward();
            foreach (var p in new[] { w1, b1, w2 })
            {
                Tensor.AddScaledInPlace(p.Data, p.Grad!, -0.2);
                p.ZeroGrad();
            }
        }
        return [.. trace, .. w1.Data.ToArray(), .. b1.Data.ToArray(), .. w2.Data.ToArray()];
    }

    [Fact]
    public void TwoThreadsTrainingAtOnceGiveTheSameBitsAsOneAfterTheOther()
    {
        var sequential = new[] { TrainSmallModel(1), TrainSmallModel(2) };
        var parallel = new double[2][];
        using var start = new Barrier(2);
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            parallel[i] = TrainSmallModel((ulong)i + 1);
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(sequential[0], parallel[0]);
        Assert.Equal(sequential[1], parallel[1]);
        Assert.NotEqual(sequential[0], sequential[1]);
        Assert.True(sequential[0][39] < sequential[0][0], "the loss went down");
    }

    [Fact]
    public void TheSameSeedGivesTheSameBitsRunToRun() => Assert.Equal(TrainSmallModel(7), TrainSmallModel(7));

    [Fact]
    public void NoGradRecordsNothingAndItsResultsDoNotRequireGrad()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        Variable<double> y;
        using (GradMode.NoGrad())
        {
            Assert.False(GradMode.IsEnabled);
            using (GradMode.NoGrad()) { }
            Assert.False(GradMode.IsEnabled); // nested scopes: still off until the outermost ends
            y = (a * a).Tanh().Sum();
        }
        Assert.True(GradMode.IsEnabled);
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
        Assert.Equal(Math.Tanh(1) + Math.Tanh(4), y.Item(), 15);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Null(a.Grad);
    }

    [Fact]
    public void DetachCutsTheGraph()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        var b = Tensor.FromArray([3.0, 4.0]).RequiresGrad();
        var h = a * b;
        var d = h.Detach();
        Assert.Same(h.Data, d.Data);
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        (d * b).Sum().Backward();
        Assert.Null(a.Grad);                            // nothing flowed through the detached product
        Assert.Equal([3.0, 8.0], b.Grad!.ToArray());    // d/db (d·b) = d = a·b, treated as a constant
    }

    [Fact]
    public void BackwardOnANonScalarNeedsAnUpstreamGradient()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        var y = a * 2.0;
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("(2,)", ex.Message);
        Assert.Null(a.Grad);
        y.Backward(Tensor.FromArray([1.0, -1.0]));
        Assert.Equal([2.0, -2.0], a.Grad!.ToArray());
    }

    [Fact]
    public void OnlyLeavesThatRequireGradReceiveOne()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        var c = Tensor.FromArray([5.0, 6.0]).AsVariable();
        var mid = a * c;
        (mid + c).Sum().Backward();
        Assert.Equal([5.0, 6.0], a.Grad!.ToArray());
        Assert.Null(c.Grad);
        Assert.Null(mid.Grad); // intermediate results keep no gradient
    }

    [Fact]
    public void AUserDefinedOpTakesPartInTheGraphAndPassesGradCheck()
    {
        var a = Tensor.FromArray([1.0, -2.0]).RequiresGrad();
        var y = new Cube().Apply(a);
        Assert.IsType<Cube>(y.GradFn);
        Assert.Contains("grad_fn=Cube", y.ToString());
        (y.Tanh() * 2.0).Sum().Backward();
        double[] xs = [1.0, -2.0];
        for (int i = 0; i < 2; i++)
        {
            double t = Math.Tanh(xs[i] * xs[i] * xs[i]);
            Assert.Equal(2 * (1 - t * t) * 3 * xs[i] * xs[i], a.Grad![i], 14);
        }

        Props.Holds(FsCheck.Fluent.Prop.ForAll(MiniTorch.Testing.TensorArb.Tensor(), x =>
            MiniTorch.Testing.GradientProperty.Check(v => new Cube().Apply(v[0]).Sigmoid(), x)), 30);
    }

    [Fact]
    public void AFunctionInstanceAppliedTwiceThrows()
    {
        var op = new Cube();
        var a = Tensor.FromArray([1.0]).RequiresGrad();
        var first = op.Apply(a);
        var ex = Assert.Throws<InvalidOperationException>(() => op.Apply(a));
        Assert.Contains("Cube", ex.Message);
        Assert.Contains("once", ex.Message);
        first.Sum().Backward(); // the first application is intact
        Assert.Equal(3.0, a.Grad!.Item(), 14);
    }

    private static T OnAnotherThread<T>(Func<T> f)
    {
        T result = default!;
        var t = new Thread(() => result = f());
        t.Start();
        t.Join();
        return result;
    }

    [Fact]
    public void AGraphBuiltOnAnotherThreadBackpropagatesHere()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        var foreign = OnAnotherThread(() => a.Tanh().Sum());
        foreign.Backward();
        Assert.Equal(1 - Math.Pow(Math.Tanh(2.0), 2), a.Grad![1], 14);

        var foreignMid = OnAnotherThread(() => a * 3.0);
        var b = Tensor.FromArray([1.0, 1.0]).RequiresGrad();
        (foreignMid * b).Sum().Backward(); // part of the graph from another thread, part from this one
        Assert.Equal([3.0, 6.0], b.Grad!.ToArray());
        Assert.Equal(3.0 + 1 - Math.Pow(Math.Tanh(2.0), 2), a.Grad![1], 14);
    }

    [Fact]
    public void IndependentGraphsBackpropagateInAnyOrder()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        var first = a.Square().Sum();
        var second = (a * 3.0).Sum();
        second.Backward();
        first.Backward();
        Assert.Equal([2.0 + 3, 4.0 + 3], a.Grad!.ToArray());
    }

    /// <summary>An op that delivers its first input's gradient, then fails (as a buggy user op might).</summary>
    private sealed class FailsHalfway : Function<double>
    {
        protected override Tensor<double> Forward(Tensor<double>[] x) => x[0] + x[1];
        protected internal override void Backward(Tensor<double> g, Gradients<double> grads)
        {
            grads.Accumulate(0, g);
            throw new InvalidOperationException("FailsHalfway: deliberate failure");
        }
    }

    /// <summary>An op whose backward hands over a gradient of the wrong shape.</summary>
    private sealed class WrongShape : Function<double>
    {
        protected override Tensor<double> Forward(Tensor<double>[] x) => x[0] * 2.0;
        protected internal override void Backward(Tensor<double> g, Gradients<double> grads) => grads.Accumulate(0, Tensor.Ones<double>(5));
    }

    [Fact]
    public void AFailingBackwardLeavesEveryGradAsItWas()
    {
        var a = Tensor.FromArray([1.0, 2.0]).RequiresGrad();
        var b = Tensor.FromArray([3.0, 4.0]).RequiresGrad();
        var c = Tensor.FromArray([5.0, 6.0]).RequiresGrad();
        a.Grad = Tensor.FromArray([10.0, 10.0]);
        Tensor<double>? Snapshot(Variable<double> v) => v.Grad?.Clone();

        // 1. A user op fails after delivering part of its gradients.
        var loss = (new FailsHalfway().Apply(a * c, b) * c).Sum();
        var (ga, gb, gc) = (Snapshot(a), Snapshot(b), Snapshot(c));
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Equal(ga!.ToArray(), a.Grad!.ToArray());
        Assert.Null(b.Grad);
        Assert.Null(c.Grad);

        // 2. A user op hands over a wrongly shaped gradient: the message names the op and both shapes.
        var bad = (new WrongShape().Apply(b) + c).Sum();
        var ex = Assert.Throws<InvalidOperationException>(() => bad.Backward());
        Assert.Contains("WrongShape", ex.Message);
        Assert.Contains("(5,)", ex.Message);
        Assert.Contains("(2,)", ex.Message);
        Assert.Null(b.Grad);
        Assert.Null(c.Grad);

        // 3. A graph that runs into a part freed by an earlier backward.
        var h = a * b;
        h.Sum().Backward();
        (ga, gb) = (Snapshot(a), Snapshot(b));
        var again = (h * c).Sum();
        ex = Assert.Throws<InvalidOperationException>(() => again.Backward());
        Assert.Contains("retainGraph", ex.Message);
        Assert.Equal(ga!.ToArray(), a.Grad!.ToArray());
        Assert.Equal(gb!.ToArray(), b.Grad!.ToArray());
        Assert.Null(c.Grad);
    }
}
