using MiniTorch.Autograd;
using AG = MiniTorch.Autograd.Autograd;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// The engine at its edges: every bad call of Backward and Grad is named exactly (op, argument, position, shapes) and
/// changes nothing; upstream gradients and results are the caller's own tensors (never written, never aliased); a
/// user op's mistakes in its backward (wrong shapes, a buffer it did not need) are named; buffers that leave a pass
/// (a leaf's Grad, Grad's results) never go back to the pool.
/// </summary>
public class EngineContractTests
{
    private static Variable<double> Leaf(string name, params double[] values) => Tensor.FromArray(values).RequiresGrad(name);

    [Fact]
    public void BackwardAndGradNameEveryBadArgumentAndChangeNothing()
    {
        var a = Leaf("a", 1, 2);
        var loss = a.Square().Sum();
        var vector = a * 2.0;
        var constant = Tensor.FromArray([1.0]).AsVariable();

        Assert.Equal("roots", Assert.Throws<ArgumentNullException>(() => AG.Backward<double>(null!)).ParamName);
        Assert.Equal("Backward: no outputs to back-propagate from. (Parameter 'roots')",
            Assert.Throws<ArgumentException>(() => AG.Backward<double>([])).Message);
        Assert.Equal("Grad: no outputs to back-propagate from. (Parameter 'roots')",
            Assert.Throws<ArgumentException>(() => AG.Grad<double>([], [a])).Message);
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => AG.Grad([loss], null!)).ParamName);
        Assert.Equal("Grad: no inputs to differentiate with respect to. (Parameter 'inputs')",
            Assert.Throws<ArgumentException>(() => AG.Grad([loss], [])).Message);

        Assert.Equal("Backward: 2 upstream gradients given for 1 outputs. (Parameter 'gradients')",
            Assert.Throws<ArgumentException>(() => AG.Backward([loss], [null, null])).Message);
        Assert.Equal("Grad: 0 upstream gradients given for 1 outputs. (Parameter 'gradients')",
            Assert.Throws<ArgumentException>(() => AG.Grad([loss], [a], [])).Message);
        Assert.Equal("Backward: output 1 is null. (Parameter 'roots')",
            Assert.Throws<ArgumentNullException>(() => AG.Backward([loss, null!])).Message);

        const string notRecorded = "does not require grad and has no GradFn (was it made under NoGrad, or from leaves without requiresGrad?).";
        Assert.Equal("Backward: the output " + notRecorded, Assert.Throws<InvalidOperationException>(() => constant.Backward()).Message);
        Assert.Equal("Grad: output 1 " + notRecorded, Assert.Throws<InvalidOperationException>(() => AG.Grad([loss, constant], [a])).Message);

        const string nonScalar = "has shape (2,); a non-scalar output needs an explicit upstream gradient.";
        Assert.Equal("Backward: the output " + nonScalar, Assert.Throws<InvalidOperationException>(() => vector.Backward()).Message);
        Assert.Equal("Grad: output 1 " + nonScalar, Assert.Throws<InvalidOperationException>(() => AG.Grad([loss, vector], [a])).Message);

        Assert.Equal("Backward: upstream gradient shape (3,) does not match the output's (2,). (Parameter 'gradients')",
            Assert.Throws<ArgumentException>(() => vector.Backward(Tensor.Ones<double>(3))).Message);
        Assert.Equal("Grad: upstream gradient shape (2, 1) does not match output 1's (2,). (Parameter 'gradients')",
            Assert.Throws<ArgumentException>(() => AG.Grad([loss, vector], [a], [null, Tensor.Ones<double>(2, 1)])).Message);

        Assert.Equal("Grad: input 1 is null. (Parameter 'inputs')",
            Assert.Throws<ArgumentNullException>(() => AG.Grad([loss], [a, null!])).Message);
        Assert.Equal("Grad: input 1 (a variable) does not require grad.",
            Assert.Throws<InvalidOperationException>(() => AG.Grad([loss], [a, constant])).Message);
        Assert.Equal("Grad: input 0 ('a') does not require grad.",
            Assert.Throws<InvalidOperationException>(() => AG.Grad([loss], [a.Detach()])).Message);
        var unused = Leaf("u", 3);
        Assert.Equal("Grad: input 1 ('u') was not used to compute the outputs; pass allowUnused: true to get null for it.",
            Assert.Throws<InvalidOperationException>(() => AG.Grad([loss], [a, unused])).Message);

        // None of these touched a Grad or freed the graph (the unused-input failure ran the ops but retained nothing
        // it could not: it failed before freeing).
        Assert.Null(a.Grad);
        Assert.False(loss.GradFn!.IsFreed);
        loss.Backward();
        Assert.Equal([2.0, 4.0], a.Grad!.ToArray());
        Assert.True(loss.GradFn!.IsFreed);
    }

    [Fact]
    public void AFreedGraphIsNamedByTheOpWhereTheWalkMetIt()
    {
        var a = Leaf("a", 0.5, 1.5);
        var loss = a.Tanh().Sum();
        loss.Backward();
        const string rest = " was already freed by an earlier backward pass; pass retainGraph: true to the earlier backward to go through the same graph again.";
        Assert.Equal("Backward: the graph through Sum" + rest, Assert.Throws<InvalidOperationException>(() => loss.Backward()).Message);
        Assert.Equal("Grad: the graph through Sum" + rest, Assert.Throws<InvalidOperationException>(() => AG.Grad([loss], [a])).Message);

        // A new op on a freed intermediate result: the walk meets the freed op below the new one, and the new op is
        // neither run nor freed.
        var h = a.Tanh();
        h.Sum().Backward();
        var again = (h * 2.0).Sum();
        Assert.Equal("Backward: the graph through Tanh" + rest, Assert.Throws<InvalidOperationException>(() => again.Backward()).Message);
        Assert.False(again.GradFn!.IsFreed);

        // Under anomaly detection the message also says where the freed op was created.
        using (AG.DetectAnomaly())
        {
            var traced = a.Exp();
            traced.Sum().Backward();
            var message = Assert.Throws<InvalidOperationException>(() => (traced * 3.0).Sum().Backward()).Message;
            Assert.StartsWith("Backward: the graph through Exp" + rest + " (created at:" + Environment.NewLine, message);
            Assert.Contains(nameof(AFreedGraphIsNamedByTheOpWhereTheWalkMetIt), message);
        }
    }

    [Fact]
    public void RetainGraphKeepsEveryOpAndWithoutItOnlyTheOpsThatRanAreFreed()
    {
        var a = Leaf("a", 0.2, -0.4);
        var b = Leaf("b", 1.5, 0.5);
        var mid = a.Tanh();
        var side = b.Exp();            // not on a path to a
        var loss = (mid * side).Sum();
        var g = AG.Grad([loss], [a], retainGraph: true)[0]!;
        Assert.False(loss.GradFn!.IsFreed);
        Assert.False(mid.GradFn!.IsFreed);
        Assert.Equal(g.ToArray(), AG.Grad([loss], [a])[0]!.ToArray()); // the retained graph gives the same gradient again
        Assert.True(loss.GradFn!.IsFreed);
        Assert.True(mid.GradFn!.IsFreed);
        Assert.False(side.GradFn!.IsFreed); // Grad did not run it: it is still whole
        // An output whose ops lead to no requested input is not run either, though it has an upstream gradient.
        var sideLoss = side.Sum();
        var again = (a.Tanh() * side).Sum();
        Assert.Equal(g.ToArray(), AG.Grad([again, sideLoss], [a])[0]!.ToArray());
        Assert.False(sideLoss.GradFn!.IsFreed);
        Assert.True(again.GradFn!.IsFreed);
        side.Sum().Backward();
        Assert.Equal(side.Data.ToArray(), b.Grad!.ToArray()); // d exp(b) = exp(b)
    }

    [Fact]
    public void UpstreamGradientsAreNeverWrittenNorAliased()
    {
        // A leaf as the root: its Grad is a copy of the caller's tensor.
        var a = Leaf("a", 1, 2);
        var g = Tensor.FromArray([1.0, 2.0]);
        a.Backward(g);
        Assert.NotSame(g, a.Grad);
        a.Backward(g);
        Assert.Equal([2.0, 4.0], a.Grad!.ToArray());
        Assert.Equal([1.0, 2.0], g.ToArray());

        // An op that passes its gradient through to two leaves: each gets its own tensor.
        var b = Leaf("b", 0, 0);
        var c = Leaf("c", 0, 0);
        (b + c).Backward(g);
        Assert.NotSame(b.Grad, c.Grad);
        (b + c).Backward(g);
        Assert.Equal([2.0, 4.0], b.Grad!.ToArray());
        Assert.Equal([2.0, 4.0], c.Grad!.ToArray());
        Assert.Equal([1.0, 2.0], g.ToArray());

        // A root that is also an input of another root: its seed receives more gradient, the caller's tensor does not.
        var d = Leaf("d", 1, 1);
        var y = d * 2.0;
        var z = y * 3.0;
        var gy = Tensor.FromArray([1.0, 10.0]);
        var gz = Tensor.FromArray([100.0, 1000.0]);
        AG.Backward([y, z], [gy, gz]);
        Assert.Equal([1.0, 10.0], gy.ToArray());
        Assert.Equal([100.0, 1000.0], gz.ToArray());
        Assert.Equal([2 * (1 + 300.0), 2 * (10 + 3000.0)], d.Grad!.ToArray());

        // The same with an op that adds into part of the seeded gradient in place (a narrow's backward).
        var e = Leaf("e", 1, 1, 1);
        var w = e * 2.0;
        var part = w.Narrow(0, 1, 2);
        var gw = Tensor.FromArray([1.0, 2.0, 3.0]);
        AG.Backward([w, part], [gw, Tensor.FromArray([10.0, 20.0])]);
        Assert.Equal([1.0, 2.0, 3.0], gw.ToArray());
        Assert.Equal([2.0, 24.0, 46.0], e.Grad!.ToArray());

        // Grad's result for a root is a copy of the caller's tensor.
        var f = Leaf("f", 3, 4);
        var v = f * 1.0;
        var gv = Tensor.FromArray([5.0, 6.0]);
        var r = AG.Grad([v], [v], [gv])[0]!;
        Assert.NotSame(gv, r);
        gv.Fill(0.0);
        Assert.Equal([5.0, 6.0], r.ToArray());
    }

    [Fact]
    public void BuffersThatLeaveAPassNeverReturnToThePool()
    {
        FreshThread.Run(() =>
        {
            var rng = new Rng(5);
            var x = rng.Normal<double>([4, 3]).AsVariable();

            // Passes of the same sizes rent buffers of the same length: none of them may be a buffer handed out before.
            void MorePasses()
            {
                for (int i = 0; i < 3; i++)
                {
                    var w3 = rng.Normal<double>([3, 2]).RequiresGrad("W3");
                    (x.MatMul(w3) * 0.0).Sum().Backward();
                    Assert.Equal(new double[6], w3.Grad!.ToArray());
                    AG.Grad([(x.MatMul(w3) * 0.0).Sum()], [w3]);
                }
            }

            // A leaf's Grad made by the pass (a deferred weight product: a rented buffer).
            var w1 = rng.Normal<double>([3, 2]).RequiresGrad("W1");
            x.MatMul(w1).Sum().Backward();
            var expected = x.Data.Transpose().MatMul(Tensor.Ones<double>(4, 2)).ToArray(); // xᵀ·1
            Assert.Equal(expected, w1.Grad!.ToArray());
            MorePasses();
            Assert.Equal(expected, w1.Grad!.ToArray());

            // Grad's result, made the same way.
            var w2 = rng.Normal<double>([3, 2]).RequiresGrad("W2");
            var r = AG.Grad([x.MatMul(w2).Sum()], [w2])[0]!;
            Assert.Equal(expected, r.ToArray());
            MorePasses();
            Assert.Equal(expected, r.ToArray());
            Assert.Equal(expected, w1.Grad!.ToArray());
            return 0;
        });
    }

    [Fact]
    public void ThePoolReusesWhatAPassReturnsAndCountsItsBytes()
    {
        var pooled = FreshThread.Run(() =>
        {
            var a = Leaf("a", 1, 2, 3, 4, 5);
            var bytes = new List<long> { GradientPool<double>.PooledBytes };
            for (int i = 0; i < 4; i++)
            {
                a.Narrow(0, 1, 3).Sum().Backward(); // the narrow's backward adds into a zeroed, rented (5,) buffer
                bytes.Add(GradientPool<double>.PooledBytes);
            }
            Assert.Equal([0.0, 4, 4, 4, 0], a.Grad!.ToArray());
            // Two buffers of the same length in one pass: the pool has one, the second is new; both come back.
            var b = Leaf("b", 1, 2, 3, 4, 5);
            b.Grad = Tensor.Zeros<double>(5);
            (a.Narrow(0, 1, 3).Sum() + b.Narrow(0, 0, 2).Sum()).Backward();
            bytes.Add(GradientPool<double>.PooledBytes);
            Assert.Equal([0.0, 5, 5, 5, 0], a.Grad!.ToArray());
            Assert.Equal([1.0, 1, 0, 0, 0], b.Grad!.ToArray());
            return bytes;
        });
        // The first pass's buffer became a's Grad; every later pass adds into that Grad and returns its buffer, which
        // the next pass rents again (zeroed: a's Grad grows by exactly one each time).
        Assert.Equal([0L, 0, 40, 40, 40, 80], pooled);
    }

    [Fact]
    public void ThePoolHandsBackWhatItWasGivenByLength()
    {
        FreshThread.Run(() =>
        {
            double[] five = new double[5], three = new double[3];
            GradientPool<double>.Return([five], kept: null);
            GradientPool<double>.Return([three], kept: null);
            Assert.Equal(64, GradientPool<double>.PooledBytes);
            var rented = new List<double[]>();
            Assert.Same(three, GradientPool<double>.Rent(3, rented));
            Assert.Same(five, GradientPool<double>.Rent(5, rented));
            Assert.Equal(0, GradientPool<double>.PooledBytes);
            var fresh = GradientPool<double>.Rent(5, rented); // the pool is empty: a new buffer
            Assert.NotSame(five, fresh);
            Assert.Equal([three, five, fresh], rented);       // each rented buffer is recorded for its return
            GradientPool<double>.Return(rented, kept: new HashSet<double[]>(ReferenceEqualityComparer.Instance) { fresh });
            Assert.Equal(64, GradientPool<double>.PooledBytes); // all but the kept one are back
            return 0;
        });
    }

    [Fact]
    public void ThePoolKeepsAtMostMaxBytes()
    {
        var pooled = FreshThread.Run(() =>
        {
            int half = (int)(GradientPool<double>.MaxBytes / sizeof(double) / 2);
            var rented = new List<double[]> { new double[half], new double[half], new double[1] };
            GradientPool<double>.Return(rented, kept: null);
            Assert.Empty(rented);
            return GradientPool<double>.PooledBytes;
        });
        Assert.Equal(GradientPool<double>.MaxBytes, pooled); // exactly full: the one-element buffer was dropped
    }

    /// <summary>An op whose forward and backward are given as delegates (a user's op in a test).</summary>
    private sealed class Custom(Func<Tensor<double>[], Tensor<double>> forward, Action<Tensor<double>, Gradients<double>> backward) : Function<double>
    {
        public bool[]? SeenInForward;

        protected override Tensor<double> Forward(Tensor<double>[] inputs)
        {
            SeenInForward = [.. Enumerable.Range(0, inputs.Length).Select(NeedsGrad)];
            return forward(inputs);
        }

        protected internal override void Backward(Tensor<double> gradOutput, Gradients<double> grads) => backward(gradOutput, grads);
    }

    [Fact]
    public void AUserOpsMistakesInItsBackwardAreNamed()
    {
        var a = Leaf("a", 1, 2);
        var b = Tensor.FromArray([3.0, 4.0]).AsVariable();
        Variable<double> Apply(Action<Tensor<double>, Gradients<double>> backward) =>
            new Custom(x => x[0] * x[1], backward).Apply(a, b).Sum();

        Assert.Equal("grad", Assert.Throws<ArgumentNullException>(() => Apply((g, grads) => grads.Accumulate(0, null!)).Backward()).ParamName);

        var wrong = Assert.Throws<InvalidOperationException>(() => Apply((g, grads) => grads.Accumulate(0, Tensor.Ones<double>(3))).Backward());
        Assert.Equal("Custom.Backward: gradient of shape (3,) for input 0 does not reduce to the input's shape (2,).", wrong.Message);
        Assert.IsType<ArgumentException>(wrong.InnerException);

        var notNeeded = Assert.Throws<InvalidOperationException>(() => Apply((g, grads) => grads.Buffer(1)).Backward());
        Assert.Equal("Custom.Backward: input 1 does not need a gradient; check Needs(1) first.", notNeeded.Message);

        // A gradient that broadcasts to the input is summed back to its shape.
        Apply((g, grads) => grads.Accumulate(0, Tensor.FromArray([1.0, 2.0, 10.0, 20.0], 2, 2))).Backward();
        Assert.Equal([11.0, 22.0], a.Grad!.ToArray());
        // A gradient for an input that needs none is dropped without a look at its shape.
        a.Grad = null;
        Apply((g, grads) => { grads.Accumulate(1, Tensor.Ones<double>(7)); grads.Accumulate(0, g); }).Backward();
        Assert.Equal([1.0, 1.0], a.Grad!.ToArray());
        Assert.Null(b.Grad);
    }

    [Fact]
    public void AccumulateProductChecksEveryShapeAndSumsEveryContribution()
    {
        var w = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 3, 2).RequiresGrad("W");
        var a = Tensor.FromArray([1.0, 0, 2, 0, 1, 0], 2, 3);   // (2, 3)
        var g = Tensor.FromArray([1.0, 2, 3, 4], 2, 2);         // (2, 2)
        Variable<double> Apply(Variable<double> input, Action<Tensor<double>, Gradients<double>> backward) =>
            new Custom(x => x[0] * 1.0, backward).Apply(input).Sum();

        void Bad(Tensor<double> left, Tensor<double> right, string shapes)
        {
            var ex = Assert.Throws<InvalidOperationException>(() => Apply(w, (_, grads) => grads.AccumulateProduct(0, left, right)).Backward());
            Assert.Equal($"Custom.Backward: aᵀ·g with a {shapes} does not give input 0's shape (3, 2).", ex.Message);
        }
        Bad(Tensor.Ones<double>(6), g, "(6,) and g (2, 2)");
        Bad(Tensor.Ones<double>(2), g, "(2,) and g (2, 2)");               // a vector with as many rows as g
        Bad(a, Tensor.Ones<double>(2), "(2, 3) and g (2,)");               // a vector with as many rows as a
        Bad(a, Tensor.Ones<double>(4), "(2, 3) and g (4,)");
        Bad(a, Tensor.Ones<double>(3, 2), "(2, 3) and g (3, 2)");          // rows disagree
        Bad(Tensor.Ones<double>(2, 2), g, "(2, 2) and g (2, 2)");          // aᵀ·g is (2, 2)
        Bad(a, Tensor.Ones<double>(2, 3), "(2, 3) and g (2, 3)");          // aᵀ·g is (3, 3)
        Assert.Null(w.Grad);

        // aᵀ·g = [[1·(1, 2)], [1·(3, 4)], [2·(1, 2)]]
        double[] once = [1, 2, 3, 4, 2, 4];
        // One contribution, two in one pass (stacked into one product), and on a result of an op (added at once).
        Apply(w, (_, grads) => grads.AccumulateProduct(0, a, g)).Backward();
        Assert.Equal(once, w.Grad!.ToArray());
        w.Grad = null;
        Apply(w, (_, grads) => { grads.AccumulateProduct(0, a, g); grads.AccumulateProduct(0, a.Narrow(0, 1, 1), g.Narrow(0, 1, 1)); }).Backward();
        Assert.Equal([1.0, 2, 3 + 3, 4 + 4, 2, 4], w.Grad!.ToArray()); // + (0, 1, 0)ᵀ·(3, 4)
        w.Grad = null;
        var mid = w * 1.0;
        new Custom(x => x[0] * 1.0, (_, grads) => { grads.AccumulateProduct(0, a, g); grads.AccumulateProduct(0, a, g); }).Apply(mid).Sum().Backward();
        Assert.Equal(once.Select(v => 2 * v), w.Grad!.ToArray());
        // A product for an input that needs none is not looked at.
        var constant = Tensor.Ones<double>(3, 2).AsVariable();
        new Custom(x => x[0] * x[1], (_, grads) => { grads.AccumulateProduct(1, Tensor.Ones<double>(9), g); grads.AccumulateProduct(0, a, g); })
            .Apply(w, constant).Sum().Backward();
        Assert.Equal(once.Select(v => 3 * v), w.Grad!.ToArray());
    }

    [Fact]
    public void NeedsTellsAnOpWhichGradientsThePassUses()
    {
        var a = Leaf("a", 1, 2);
        var b = Leaf("b", 3, 4);
        var c = Tensor.FromArray([5.0, 6.0]).AsVariable();
        bool[]? seen = null;
        Variable<double> Build() => new Custom(x => x[0] + x[1] + x[2],
            (g, grads) => { seen = [grads.Needs(0), grads.Needs(1), grads.Needs(2)]; for (int i = 0; i < 3; i++) grads.Accumulate(i, g); })
            .Apply(a.Tanh(), b, c).Sum();

        Build().Backward();
        Assert.Equal([true, true, false], seen!);
        AG.Grad([Build()], [a]);          // b is not asked for; the Tanh of a leads to a
        Assert.Equal([true, false, false], seen!);
        AG.Grad([Build()], [b]);          // the Tanh of a leads nowhere asked for
        Assert.Equal([false, true, false], seen!);

        // In Forward, NeedsGrad says which inputs take part in differentiation (none when nothing is recorded).
        var op = new Custom(x => x[0] + x[1], (_, _) => { });
        op.Apply(a, c);
        Assert.Equal([true, false], op.SeenInForward!);
        var unrecorded = new Custom(x => x[0] + x[1], (_, _) => { });
        using (GradMode.NoGrad()) unrecorded.Apply(a, c);
        Assert.Equal([false, false], unrecorded.SeenInForward!);
    }
}
