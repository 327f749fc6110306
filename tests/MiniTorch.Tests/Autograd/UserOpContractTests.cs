using MiniTorch.Autograd;
using MiniTorch.Autograd.Fusion;
using AG = MiniTorch.Autograd.Autograd;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// What a user who writes an op, or reads a variable, relies on: bad inputs and bad forwards named, in-place changes
/// to saved tensors named by which tensor it was, saved buffers pooled, anomaly messages exact, names without generic
/// arity, the scalar operators' values and gradients.
/// </summary>
public class UserOpContractTests
{
    private static Variable<double> Leaf(string name, params double[] values) => Tensor.FromArray(values).RequiresGrad(name);

    /// <summary>Returns its forward delegate's result; backward passes the gradient to every input.</summary>
    private sealed class Custom(Func<Tensor<double>[], Tensor<double>> forward) : Function<double>
    {
        protected override Tensor<double> Forward(Tensor<double>[] inputs) => forward(inputs);
        protected internal override void Backward(Tensor<double> g, Gradients<double> grads)
        {
            for (int i = 0; i < 2; i++) grads.Accumulate(i, g);
        }
    }

    /// <summary>Several outputs from a delegate; backward adds each output's gradient into the input's.</summary>
    private sealed class Pair<T>(Func<Tensor<T>[], Tensor<T>[]> forward) : MultiOutputFunction<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        protected override Tensor<T>[] Forward(Tensor<T>[] inputs) => forward(inputs);
        protected internal override void Backward(Tensor<T>?[] g, Gradients<T> grads)
        {
            foreach (var gk in g) if (gk is not null) grads.Accumulate(0, gk);
        }
    }

    /// <summary>x·y that saves both inputs and its result.</summary>
    private sealed class Saver : Function<double>
    {
        protected override Tensor<double> Forward(Tensor<double>[] x)
        {
            var result = x[0] * x[1];
            SaveForBackward(x[0], x[1], result);
            return result;
        }

        protected internal override void Backward(Tensor<double> g, Gradients<double> grads) { }
    }

    /// <summary>The identity that keeps a pooled buffer of n elements for its backward and counts OnFreed.</summary>
    private sealed class Pooled(int n) : Function<double>
    {
        public int Freed;
        protected override Tensor<double> Forward(Tensor<double>[] x)
        {
            var scratch = SavedBuffer(n);
            Assert.Equal(new double[n], scratch.ToArray()); // zero-filled, also when the pool hands back a used buffer
            scratch.Fill(7.0);
            return x[0] * 1.0;
        }

        protected internal override void Backward(Tensor<double> g, Gradients<double> grads) => grads.Accumulate(0, g);
        protected override void OnFreed() => Freed++;
    }

    /// <summary>Two outputs, keeping two pooled buffers of n elements for its backward.</summary>
    private sealed class PooledPair(int n) : MultiOutputFunction<double>
    {
        protected override Tensor<double>[] Forward(Tensor<double>[] x)
        {
            SavedBuffer(n);
            SavedBuffer(n);
            return [x[0] * 1.0, x[0] * 2.0];
        }

        protected internal override void Backward(Tensor<double>?[] g, Gradients<double> grads) { }
    }

    [Fact]
    public void BadInputsAndBadForwardsAreNamed()
    {
        var a = Leaf("a", 1, 2);
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => new Custom(x => x[0]).Apply(null!)).ParamName);
        Assert.Equal("Custom: input 1 is null. (Parameter 'inputs')",
            Assert.Throws<ArgumentNullException>(() => new Custom(x => x[0]).Apply(a, null!)).Message);
        Assert.Equal("Custom: Forward returned null.", Assert.Throws<InvalidOperationException>(() => new Custom(_ => null!).Apply(a)).Message);
        using (GradMode.NoGrad())
            Assert.Equal("Custom: Forward returned null.", Assert.Throws<InvalidOperationException>(() => new Custom(_ => null!).Apply(a)).Message);

        Assert.Equal("Pair: Forward must return at least one output.",
            Assert.Throws<InvalidOperationException>(() => new Pair<double>(_ => []).Apply(a)).Message);
        Assert.Equal("Pair: Forward must return at least one output.",
            Assert.Throws<InvalidOperationException>(() => new Pair<double>(_ => null!).Apply(a)).Message);
        var pair = new Pair<double>(x => [x[0]]);
        pair.Apply(a);
        Assert.Equal("Pair: a Function instance can be applied only once; create a new one per call.",
            Assert.Throws<InvalidOperationException>(() => pair.Apply(a)).Message);
    }

    [Fact]
    public void InsideAFusedFunctionAUserOpIsNamedAsNotPointwise()
    {
        var a = Leaf("a", 1, 2);
        var multi = Fuse.Pointwise<double>(x => new Pair<double>(t => [t[0] * 1.0]).Apply(x)[0]);
        Assert.StartsWith("Fuse.Pointwise: Pair is not a pointwise op;", Assert.Throws<NotSupportedException>(() => multi(a)).Message);
        var single = Fuse.Pointwise<double>(x => new Custom(t => t[0] * 1.0).Apply(x));
        Assert.StartsWith("Fuse.Pointwise: Custom is not a pointwise op;", Assert.Throws<NotSupportedException>(() => single(a)).Message);
    }

    [Fact]
    public void AnOpIsNamedByItsClassWithoutTheGenericArity()
    {
        var a = Leaf("a", 1, 2);
        Assert.Equal("Custom", new Custom(x => x[0] * 1.0).Apply(a).GradFn!.Name);
        var outs = new Pair<double>(x => [x[0] * 1.0, x[0] * 2.0]).Apply(a);
        Assert.Equal("Pair", outs[1].GradFn!.Name);
        Assert.Same(outs[0].GradFn, outs[1].GradFn);
        Assert.Equal("Tanh", a.Tanh().GradFn!.Name);
    }

    [Fact]
    public void AMultiOutputOpsOutputsAreRecordedOrNotTogether()
    {
        var a = Leaf("a", 1, 2);
        var outs = new Pair<double>(x => [x[0] * 1.0, x[0] * 2.0, x[0] * 3.0]).Apply(a);
        Assert.Equal(3, outs.Length);
        Assert.All(outs, o => Assert.True(o.RequiresGrad));
        Assert.Equal([2.0, 4.0, 6.0], outs.Select(o => o.Data[1]));
        (outs[0].Sum() + outs[2].Sum() * 10.0).Backward();
        Assert.Equal([11.0, 11.0], a.Grad!.ToArray()); // Pair's backward adds each output's gradient to its input's

        Variable<double>[] unrecorded;
        using (GradMode.NoGrad()) unrecorded = new Pair<double>(x => [x[0] * 1.0, x[0] * 2.0]).Apply(a);
        Assert.All(unrecorded, o => { Assert.False(o.RequiresGrad); Assert.True(o.IsLeaf); });
        var constant = new Pair<double>(x => [x[0] * 1.0]).Apply(Tensor.FromArray([1.0]).AsVariable());
        Assert.True(constant[0].IsLeaf);
    }

    [Fact]
    public void AnInPlaceChangeToASavedTensorNamesWhichOneItWas()
    {
        string Message(Action<Variable<double>, Variable<double>, Variable<double>> change)
        {
            var x = Leaf("x", 1, 2);
            var y = Tensor.FromArray([3.0, 4.0]).RequiresGrad(); // unnamed
            var r = new Saver().Apply(x, y);
            var loss = r.Sum();
            change(x, y, r);
            return Assert.Throws<InvalidOperationException>(() => loss.Backward()).Message;
        }
        const string rest = " (2,) for its backward at version 0, but it has been modified in place since (now version 1); " +
                            "its gradient would be wrong. Clone the tensor before changing it, or change it after the backward pass.";
        Assert.Equal("Backward: Saver saved its input 0 ('x')" + rest, Message((x, _, _) => x.Data.MarkModified()));
        Assert.Equal("Backward: Saver saved its input 1" + rest, Message((_, y, _) => y.Data.MarkModified()));
        Assert.Equal("Backward: Saver saved a result" + rest, Message((_, _, r) => r.Data.MarkModified()));
        Assert.Equal("Backward: Saver saved a result (2,) for its backward at version 0, but it has been modified in place since (now version 2); " +
                     "its gradient would be wrong. Clone the tensor before changing it, or change it after the backward pass.",
            Message((_, _, r) => { r.Data.MarkModified(); r.Data.MarkModified(); }));
        using (AG.DetectAnomaly())
        {
            var message = Message((x, _, _) => x.Data.MarkModified());
            Assert.StartsWith("Backward: Saver saved its input 0 ('x')" + rest + " (created at:" + Environment.NewLine, message);
            Assert.Contains(nameof(AnInPlaceChangeToASavedTensorNamesWhichOneItWas), message);
        }
        // Unchanged, the same op runs its backward.
        Assert.Null(Record.Exception(() => new Saver().Apply(Leaf("x", 1), Leaf("y", 2)).Sum().Backward()));
    }

    [Fact]
    public void SavedBuffersComeFromThePoolAndGoBackWhenTheGraphIsFreedOrNotRecorded()
    {
        var (bytes, freed) = FreshThread.Run(() =>
        {
            var a = Leaf("a", 1, 2);
            var b = new List<long> { GradientPool<double>.PooledBytes };
            using (GradMode.NoGrad()) new Pooled(6).Apply(a);  // not recorded: its buffer is back at once
            b.Add(GradientPool<double>.PooledBytes);
            var op = new Pooled(6);
            var y = op.Apply(a);                                // recorded: it holds the pooled buffer
            b.Add(GradientPool<double>.PooledBytes);
            y.Sum().Backward(retainGraph: true);
            b.Add(GradientPool<double>.PooledBytes);
            int whileRetained = op.Freed;
            y.Sum().Backward();                                 // freed: the buffer is back
            b.Add(GradientPool<double>.PooledBytes);
            Assert.True(op.IsFreed);
            using (GradMode.NoGrad()) new PooledPair(3).Apply(a); // a multi-output op not recorded: back at once too
            b.Add(GradientPool<double>.PooledBytes);
            return (b, (whileRetained, op.Freed));
        });
        // The backward passes rent nothing here but return nothing either: only the saved buffers move.
        Assert.Equal([0L, 48, 0, 0, 48, 48 + 2 * 24], bytes);
        Assert.Equal((0, 1), freed);
    }

    [Fact]
    public void AScopeDisposedAgainLaterDoesNotEndANewerScope()
    {
        var noGrad = GradMode.NoGrad();
        noGrad.Dispose();
        using (GradMode.NoGrad())
        {
            noGrad.Dispose();
            Assert.False(GradMode.IsEnabled);
        }
        Assert.True(GradMode.IsEnabled);

        var x = Leaf("x", -1.0);
        var anomaly = AG.DetectAnomaly();
        anomaly.Dispose();
        using (AG.DetectAnomaly())
        {
            anomaly.Dispose();
            Assert.Throws<ArithmeticException>(() => x.Log());
        }
        Assert.True(double.IsNaN(x.Log().Item()));
    }

    [Fact]
    public void AnomalyMessagesNameTheOpTheValueAndTheShape()
    {
        var x = Leaf("x", -1.0, 4.0);
        using var outer = AG.DetectAnomaly();
        using (AG.DetectAnomaly()) { } // an inner scope leaves detection on for the outer one
        Assert.Equal("Anomaly: Log produced a non-finite value in its output 0 (forward): NaN in a tensor of shape (2,).",
            Assert.Throws<ArithmeticException>(() => x.Log()).Message);
        Assert.Equal("Anomaly: Pair produced a non-finite value in its output 1 (forward): NaN in a tensor of shape (1,).",
            Assert.Throws<ArithmeticException>(() => new Pair<double>(t => [t[0] * 1.0, t[0].Narrow(0, 0, 1).Log()]).Apply(x)).Message);
        var finite = new Pair<double>(t => [t[0] * 1.0, t[0] * 2.0]).Apply(x); // every output checked, none objects
        Assert.Equal([-2.0, 8.0], finite[1].Data.ToArray());
        using (GradMode.NoGrad()) // also when nothing is recorded
            Assert.Equal("Anomaly: Pair produced a non-finite value in its output 0 (forward): NaN in a tensor of shape (1,).",
                Assert.Throws<ArithmeticException>(() => new Pair<double>(t => [t[0].Narrow(0, 0, 1).Log()]).Apply(x)).Message);

        var zero = Leaf("z", 0.0, 1.0);
        var back = Assert.Throws<ArithmeticException>(() => zero.Sqrt().Sum().Backward()).Message;
        Assert.StartsWith($"Anomaly: the backward of Sqrt produced a non-finite gradient: {double.PositiveInfinity} in a tensor of shape (2,). (created at:", back);

        // A leaf's weight gradient summed from several products (h·W·W): each finite, their sum overflows.
        var w = Tensor.FromArray([1.0], 1, 1).RequiresGrad("W");
        var h = Tensor.FromArray([1e308], 1, 1).AsVariable();
        var twice = h.MatMul(w).MatMul(w).Sum(); // dW = (hW)ᵀ·1 + hᵀ·(1·Wᵀ) = 2e308
        Assert.Equal($"Anomaly: the gradient of leaf 'W' is non-finite: {double.PositiveInfinity} in a tensor of shape (1, 1).",
            Assert.Throws<ArithmeticException>(() => twice.Backward()).Message);
        // ...and from one product that overflows (hᵀ·g with h and g finite).
        var once = (Tensor.FromArray([1e200], 1, 1).AsVariable().MatMul(Tensor.FromArray([1e-200], 1, 1).RequiresGrad("V")) * 1e200).Sum();
        Assert.Equal($"Anomaly: the gradient of leaf 'V' is non-finite: {double.PositiveInfinity} in a tensor of shape (1, 1).",
            Assert.Throws<ArithmeticException>(() => once.Backward()).Message);
        Assert.Null(w.Grad);
    }

    [Fact]
    public void AVariableDescribesItselfAndKeepsItsGradsShape()
    {
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => new Variable<double>(null!)).ParamName);
        var a = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3).RequiresGrad("a");
        Assert.Equal(a.Data + ", requires_grad=True", a.ToString());
        var c = Tensor.FromArray([1.0]).AsVariable();
        Assert.Equal(c.Data.ToString(), c.ToString());
        var t = a.Tanh();
        Assert.Equal(t.Data + ", grad_fn=Tanh", t.ToString());
        Assert.True(a.IsLeaf);
        Assert.False(t.IsLeaf);
        Assert.Equal((2, 6, 3, 2), (a.Rank, a.Length, a.Dim(-1), a.Dim(0)));
        Assert.Equal([2, 3], a.Shape.ToArray());
        Assert.Equal(1.0, c.Item());

        var d = a.Detach();
        Assert.Equal("a", d.Name);
        Assert.Same(a.Data, d.Data);
        Assert.False(d.RequiresGrad);

        a.ZeroGrad(); // nothing to zero yet
        Assert.Null(a.Grad);
        var grad = Tensor.Ones<double>(2, 3);
        a.Grad = grad;
        a.ZeroGrad();
        Assert.Same(grad, a.Grad);
        Assert.Equal(new double[6], grad.ToArray());
        a.Grad = null;
        Assert.Null(a.Grad);
        Assert.Equal("Grad: a gradient of shape (3, 2) cannot be assigned to 'a' of shape (2, 3). (Parameter 'value')",
            Assert.Throws<ArgumentException>(() => a.Grad = Tensor.Ones<double>(3, 2)).Message);
        Assert.Equal("Grad: a gradient of shape (2,) cannot be assigned to a variable of shape (1,). (Parameter 'value')",
            Assert.Throws<ArgumentException>(() => c.Grad = Tensor.Ones<double>(2)).Message);
    }

    public static TheoryData<string, double[], double> ScalarOperators => new()
    {
        { "a - 0.5", [0.5, 1.5], 1 },
        { "0.5 - a", [-0.5, -1.5], -1 },
        { "a + 0.5", [1.5, 2.5], 1 },
        { "0.5 + a", [1.5, 2.5], 1 },
        { "a * 3", [3.0, 6.0], 3 },
        { "3 * a", [3.0, 6.0], 3 },
        { "a / 4", [0.25, 0.5], 0.25 },
        { "-a", [-1.0, -2.0], -1 },
    };

    [Theory]
    [MemberData(nameof(ScalarOperators))]
    public void ScalarOperatorsGiveTheirValueAndDerivative(string expression, double[] value, double derivative)
    {
        var a = Leaf("a", 1, 2);
        var y = expression switch
        {
            "a - 0.5" => a - 0.5,
            "0.5 - a" => 0.5 - a,
            "a + 0.5" => a + 0.5,
            "0.5 + a" => 0.5 + a,
            "a * 3" => a * 3.0,
            "3 * a" => 3.0 * a,
            "a / 4" => a / 4.0,
            _ => -a,
        };
        Assert.Equal(value, y.Data.ToArray());
        y.Sum().Backward();
        Assert.Equal([derivative, derivative], a.Grad!.ToArray());
    }
}
