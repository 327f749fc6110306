using System.Runtime.CompilerServices;
using MiniTorch.Autograd;
using AG = MiniTorch.Autograd.Autograd;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// The engine's model: a graph belongs to its outputs, backward walks what is reachable from the roots, every pass
/// keeps its own scratch state. Each case here was a failure of the earlier per-thread tape.
/// </summary>
public class GraphOwnershipTests
{
    private static Variable<double> Leaf(string name, params double[] values) => Tensor.FromArray(values).RequiresGrad(name);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference DroppedGraph(Variable<double> a)
    {
        var y = (a * a).Tanh().Sum();
        return new WeakReference(y.GradFn);
    }

    [Fact]
    public void ADroppedGraphIsGarbage()
    {
        var a = Leaf("a", 1, 2, 3);
        var node = DroppedGraph(a);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(node.IsAlive);
    }

    [Fact]
    public void AnEvalLoopWithoutNoGradHoldsBoundedMemory()
    {
        var rng = new Rng(3);
        var w = rng.Normal<double>([16, 16]).RequiresGrad("W");
        var x = rng.Normal<double>([8, 16]).AsVariable();
        Variable<double> Forward() { var h = x; for (int i = 0; i < 4; i++) h = h.MatMul(w).Tanh(); return h.Sum(); }
        for (int i = 0; i < 1000; i++) Forward();
        long warm = GC.GetTotalMemory(forceFullCollection: true);
        Variable<double>? last = null;
        for (int i = 0; i < 20_000; i++) last = Forward(); // 180,000 recorded ops, each graph dropped at once
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - warm < 2 << 20, $"the heap grew by {(after - warm) / 1024} KB over 20,000 forwards");
        last!.Backward(); // the last graph is still whole
        Assert.NotNull(w.Grad);
    }

    [Fact]
    public void MultipleLossesBackpropagateInAnyOrderAndInterleaved()
    {
        var a = Leaf("a", 0.5, -1.5);
        double[] Expected(params Func<double, double>[] ds) => [.. new[] { 0.5, -1.5 }.Select(v => ds.Sum(d => d(v)))];
        Func<double, double> dA = v => 2 * v, dB = v => 3, dA1 = v => 1 - Math.Pow(Math.Tanh(v), 2);

        var lossA = a.Square().Sum();
        var lossB = (a * 3.0).Sum();
        lossB.Backward();
        lossA.Backward();
        Assert.Equal(Expected(dA, dB), a.Grad!.ToArray());

        a.Grad = null;
        var a1 = a.Tanh();             // A1
        var b1 = a * 3.0;              // B1
        var la = (a1 + a.Square()).Sum(); // A, built on A1
        var lb = b1.Sum();             // B, built on B1
        la.Backward();
        lb.Backward();
        var expected = Expected(dA1, dA, dB);
        for (int i = 0; i < 2; i++) Assert.Equal(expected[i], a.Grad![i], 14);
    }

    [Fact]
    public async Task BackwardAfterAnAwaitOnAnotherThreadIsExact()
    {
        var a = Leaf("a", 0.3, 0.7);
        var loss = (a * a).Sum();
        // The backward runs on a thread-pool thread, not the one that built the graph.
        await Task.Run(() => loss.Backward());
        Assert.Equal([0.6, 1.4], a.Grad!.ToArray());
        var again = (a * a).Sum();
        await Task.Yield();
        again.Backward();
        Assert.Equal([1.2, 2.8], a.Grad!.ToArray());
    }

    [Fact]
    public async Task ANoGradScopeFlowsAcrossAnAwaitAndLeavesOtherWorkAlone()
    {
        var a = Leaf("a", 1, 2);
        using (GradMode.NoGrad())
        {
            await Task.Yield();
            Assert.False(GradMode.IsEnabled);
            Assert.False((a * 2.0).RequiresGrad);
            bool elsewhere = await Task.Run(() => { using (GradMode.EnableGrad()) return GradMode.IsEnabled; });
            Assert.True(elsewhere);
            Assert.False(GradMode.IsEnabled); // the inner scope on the pool thread did not leak back
        }
        Assert.True(GradMode.IsEnabled);
        bool onAFreshThread = await Task.Run(() => GradMode.IsEnabled);
        Assert.True(onAFreshThread);
        Assert.True((a * 2.0).RequiresGrad);
    }

    [Fact]
    public void DisposingAScopeTwiceIsHarmlessAndScopesNest()
    {
        var outer = GradMode.NoGrad();
        var inner = GradMode.EnableGrad();
        Assert.True(GradMode.IsEnabled);
        inner.Dispose();
        inner.Dispose();
        Assert.False(GradMode.IsEnabled);
        outer.Dispose();
        outer.Dispose();
        Assert.True(GradMode.IsEnabled);
        var anomaly = AG.DetectAnomaly();
        anomaly.Dispose();
        anomaly.Dispose();
        var x = Leaf("x", -1);
        Assert.True(double.IsNaN(x.Log().Item())); // detection is off again
    }

    [Fact]
    public void ConcurrentBackwardPassesOnASharedWeightSumExactly()
    {
        var rng = new Rng(11);
        var w = rng.Normal<double>([6, 5]).RequiresGrad("W");
        const int threads = 4, graphsPerThread = 25;
        var inputs = Enumerable.Range(0, threads * graphsPerThread).Select(i => rng.Normal<double>([3, 6])).ToArray();
        Variable<double> Loss(Tensor<double> x)
        {
            var h = x.AsVariable().MatMul(w).Tanh();
            return (h.MatMul(w.Transpose()).Sigmoid() * h.Sum()).Sum() + w.Square().Sum();
        }

        var sequential = new Tensor<double>(6, 5);
        foreach (var x in inputs) Tensor.AddInPlace(sequential, AG.Grad([Loss(x)], [w])[0]!);
        Assert.Null(w.Grad); // Autograd.Grad touches no .Grad

        using var start = new Barrier(threads);
        var errors = new List<Exception>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                var losses = Enumerable.Range(0, graphsPerThread).Select(i => Loss(inputs[t * graphsPerThread + i])).ToArray();
                start.SignalAndWait();
                foreach (var l in losses) l.Backward();
            }
            catch (Exception e) { lock (errors) errors.Add(e); }
        })).ToArray();
        foreach (var th in workers) th.Start();
        foreach (var th in workers) th.Join();
        Assert.Empty(errors);
        // Every pass added its whole gradient under the leaf's lock: the sum of the same terms in another order.
        Assert.True(GradCheck.ScaledError(sequential.AsSpan(), w.Grad!.AsSpan()) < 1e-13);
    }

    [Fact]
    public void AWrongShapeGradIsRejectedAndAFailingBackwardChangesNoGrad()
    {
        var a = Leaf("a", 1, 2);
        var b = Leaf("b", 3, 4, 5);
        var ex = Assert.Throws<ArgumentException>(() => b.Grad = Tensor.Ones<double>(2));
        Assert.Contains("(2,)", ex.Message);
        Assert.Contains("'b'", ex.Message);
        Assert.Contains("(3,)", ex.Message);
        Assert.Null(b.Grad);

        a.Grad = Tensor.FromArray([10.0, 10.0]);
        var bad = (a.Sum() * b.Log()).Sum(); // fine so far
        b.Data.Fill(-1.0);                    // ...but Log saved b: the pass fails before writing anything
        Assert.Throws<InvalidOperationException>(() => bad.Backward());
        Assert.Equal([10.0, 10.0], a.Grad!.ToArray());
        Assert.Null(b.Grad);
    }

    [Fact]
    public void ChangingASavedWeightInPlaceBeforeBackwardFailsNamingOpAndTensor()
    {
        var x = Leaf("x", 1, 2, 3).Reshape(1, 3);
        var w = Tensor.Ones<double>(3, 2).RequiresGrad("W");
        var loss = x.MatMul(w).Sum();
        Tensor.AddInPlace(w.Data, Tensor.Ones<double>(3, 2));  // e.g. an optimizer step before backward
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("MatMul", ex.Message);
        Assert.Contains("input 1 ('W')", ex.Message);
        Assert.Contains("version 0", ex.Message);
        Assert.Contains("now version 1", ex.Message);
        Assert.Null(w.Grad);

        // A view shares its base's version; an op that did not save the tensor does not care (PyTorch's rule).
        var v = Leaf("v", 1, 2, 3, 4);
        var viewLoss = v.Reshape(2, 2).Square().Sum();
        v.Data.Reshape(4)[0] = 5.0;
        Assert.Contains("Square", Assert.Throws<InvalidOperationException>(() => viewLoss.Backward()).Message);
        var sumLoss = (v + v).Sum();
        v.Data.Fill(0.0);
        sumLoss.Backward();
        Assert.Equal([2.0, 2, 2, 2], v.Grad!.ToArray());
    }

    public static TheoryData<string> SavingOps => new() { "MatMul", "Mul", "Tanh", "Maximum", "Max", "LayerNorm", "Softmax" };

    [Theory]
    [MemberData(nameof(SavingOps))]
    public void EveryOpThatSavesATensorChecksItsVersion(string op)
    {
        var rng = new Rng(2);
        var x = rng.Normal<double>([2, 3]).RequiresGrad("x");
        var w = rng.Normal<double>([3]).RequiresGrad("w");
        Variable<double> y = op switch
        {
            "MatMul" => x.MatMul(w.Reshape(3, 1)),
            "Mul" => x * w,
            "Tanh" => x.Tanh(),
            "Maximum" => x.Maximum(w),
            "Max" => x.Max(),
            "LayerNorm" => x.LayerNorm([3], w),
            _ => x.Softmax(),
        };
        var loss = y.Sum(); // Sum saves nothing: only the op under test can object
        var saved = op is "Tanh" or "Softmax" ? y.Data : op is "LayerNorm" or "MatMul" ? w.Data : x.Data;
        saved.MarkModified(); // as a write through AsSpan() would, announced
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains(op, ex.Message);
        Assert.Contains("modified in place", ex.Message);
        Assert.Null(x.Grad);
        Assert.Null(w.Grad);
    }

    [Fact]
    public void GradReturnsGradientsWithoutTouchingGradAndRunsOnlyWhatItNeeds()
    {
        var a = Leaf("a", 0.2, -0.4);
        var b = Leaf("b", 1.5, 0.5);
        var mid = a.Tanh() * b;
        var probe = new Probe();
        var other = probe.Apply(b);            // a branch that does not lead to a
        var loss = (mid + other).Sum();
        var g = AG.Grad([loss], [a, mid], retainGraph: true);
        Assert.Null(a.Grad);
        Assert.Null(b.Grad);
        Assert.Equal(0, probe.Runs);
        for (int i = 0; i < 2; i++) Assert.Equal((1 - Math.Pow(Math.Tanh(a.Data[i]), 2)) * b.Data[i], g[0]![i], 14);
        Assert.Equal([1.0, 1.0], g[1]!.ToArray()); // an intermediate result's gradient

        var unused = Leaf("u", 1);
        Assert.Contains("allowUnused", Assert.Throws<InvalidOperationException>(() => AG.Grad([loss], [unused], retainGraph: true)).Message);
        Assert.Null(AG.Grad([loss], [a, unused], retainGraph: true, allowUnused: true)[1]);
        Assert.Contains("does not require grad", Assert.Throws<InvalidOperationException>(() => AG.Grad([loss], [a.Detach()])).Message);
    }

    [Fact]
    public void BackwardFromSeveralRootsRunsSharedOpsOnce()
    {
        var a = Leaf("a", 0.3, 0.9);
        var probe = new Probe();
        var shared = probe.Apply(a.Tanh());
        var l1 = shared.Square().Sum();
        var l2 = (shared * 2.0).Sum();
        AG.Backward([l1, l2], [Tensor.Scalar(1.0), Tensor.Scalar(0.5)]);
        Assert.Equal(1, probe.Runs);
        for (int i = 0; i < 2; i++)
        {
            double t = Math.Tanh(a.Data[i]);
            Assert.Equal((2 * t + 0.5 * 2) * (1 - t * t), a.Grad![i], 14);
        }
        Assert.Contains("2 upstream gradients given for 1 outputs", Assert.Throws<ArgumentException>(() => AG.Backward([l1], [null, null])).Message);
    }

    [Fact]
    public void AnomalyModeNamesTheOpThatMadeANaN()
    {
        var x = Leaf("x", -1.0, 4.0);
        using (AG.DetectAnomaly())
        {
            var ex = Assert.Throws<ArithmeticException>(() => x.Log());
            Assert.Contains("Log", ex.Message);
            Assert.Contains("forward", ex.Message);

            var zero = Leaf("z", 0.0, 1.0);
            var y = zero.Sqrt().Sum(); // forward is finite; d√z/dz at 0 is infinite
            var back = Assert.Throws<ArithmeticException>(() => y.Backward());
            Assert.Contains("Sqrt", back.Message);
            Assert.Contains(nameof(AnomalyModeNamesTheOpThatMadeANaN), back.Message); // where the op was created
            Assert.Null(zero.Grad);
        }
        var q = Leaf("q", 0.0);
        q.Sqrt().Sum().Backward(); // outside the scope nothing is checked
        Assert.True(double.IsPositiveInfinity(q.Grad!.Item()));
    }

    [Fact]
    public void AChainOfAMillionOpsBackpropagates()
    {
        var a = Leaf("a", 0.5);
        var y = a;
        for (int i = 0; i < 1_000_000; i++) y = y * 1.0;
        y.Backward();
        Assert.Equal(1.0, a.Grad!.Item());
    }

    [Fact]
    public void AMultiOutputOpReceivesEachOutputsGradient()
    {
        var x = Leaf("x", 1.0, 2.0, 3.0);
        var (lo, hi) = SplitHalf.Apply(x);
        (lo.Square().Sum() + hi.Sum() * 3.0).Backward();
        Assert.Equal([2.0, 3.0, 3.0], x.Grad!.ToArray());

        x.Grad = null;
        var (onlyLo, _) = SplitHalf.Apply(x);
        onlyLo.Sum().Backward(); // no gradient reached the second output: it counts as zero
        Assert.Equal([1.0, 0.0, 0.0], x.Grad!.ToArray());
    }

    /// <summary>(x[:1], x[1:]) as one op with two outputs.</summary>
    private sealed class SplitHalf : MultiOutputFunction<double>
    {
        public static (Variable<double>, Variable<double>) Apply(Variable<double> x)
        {
            var outs = new SplitHalf().Apply([x]);
            return (outs[0], outs[1]);
        }

        protected override Tensor<double>[] Forward(Tensor<double>[] x) => [x[0].Narrow(0, 0, 1).Clone(), x[0].Narrow(0, 1, x[0].Length - 1).Clone()];

        protected internal override void Backward(Tensor<double>?[] g, Gradients<double> grads)
        {
            var buffer = grads.Buffer(0);
            if (g[0] is { } g0) Tensor.AddToNarrow(buffer, 0, 0, g0);
            if (g[1] is { } g1) Tensor.AddToNarrow(buffer, 0, 1, g1);
        }
    }

    /// <summary>The identity, counting how often its backward runs.</summary>
    private sealed class Probe : Function<double>
    {
        public int Runs;
        protected override Tensor<double> Forward(Tensor<double>[] x) => x[0].Clone();
        protected internal override void Backward(Tensor<double> g, Gradients<double> grads)
        {
            Runs++;
            grads.Accumulate(0, g);
        }
    }
}
