using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Optim.OptimTestKit;

namespace MiniTorch.Nn.Tests.Optim;

/// <summary>Behaviour shared by every optimizer: skipping, validation, allocation, state dicts.</summary>
public class OptimizerTests
{
    public static IEnumerable<object[]> All() => Factories();

    private static (Variable<double> A, Variable<double> B) TwoParams() =>
        (Param(0.3, -1.2, 2.0), Tensor.FromArray([0.5, -0.25, 1.5, 0.0, 0.1, -0.7], 2, 3).RequiresGrad());

    /// <summary>Asserts two state dicts have the same keys, shapes and bitwise-equal values.</summary>
    internal static void SameState(IReadOnlyDictionary<string, Tensor<double>> expected, IReadOnlyDictionary<string, Tensor<double>> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (k, t) in expected)
        {
            Assert.True(t.SameShape(actual[k]), $"{k}: shape {t.ShapeString} vs {actual[k].ShapeString}");
            BitEqual(t.ToArray(), actual[k].ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void ParametersWithoutGradientAreSkipped(string kind, Func<IEnumerable<Variable<double>>, Optimizer<double>> make)
    {
        var (a, b) = TwoParams();
        var before = b.Data.ToArray();
        var opt = make([a, b]);
        for (int k = 0; k < 2; k++)
        {
            SetGrad(a, GradSequence(k, 0, 3));
            opt.Step();
        }
        Assert.Equal(before, b.Data.ToArray());
        Assert.NotEqual([0.3, -1.2, 2.0], a.Data.ToArray());
        Assert.Equal(0, opt.ParameterStepCount(1));
        Assert.DoesNotContain(opt.StateDict().Keys, key => key.StartsWith("state.1.", StringComparison.Ordinal));
        Assert.True(kind.Length > 0);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void AWrongGradientShapeIsRejectedBeforeAnyParameterChanges(string kind, Func<IEnumerable<Variable<double>>, Optimizer<double>> make)
    {
        var (a, b) = TwoParams();
        b.Name = "weight";
        var opt = make([a, b]);
        SetGrad(a, 1, 2, 3);
        var ex = Assert.Throws<ArgumentException>(() => b.Grad = Tensor.Ones<double>(3, 2));
        Assert.Contains("Grad: a gradient of shape (3, 2) cannot be assigned to 'weight' of shape (2, 3)", ex.Message);
        Assert.Null(b.Grad);
        Assert.Equal([0.3, -1.2, 2.0], a.Data.ToArray());
        Assert.Equal(0, opt.StepCount);
        int version = a.Data.Version;
        opt.Step(); // a step bumps the version of what it updates, and only that
        Assert.Equal(version + 1, a.Data.Version);
        Assert.Equal(0, b.Data.Version);
        Assert.True(kind.Length > 0);
    }

    [Fact]
    public void EmptyOrDuplicateParameterListsAreRejected()
    {
        Assert.Contains("Adam: got an empty parameter list", Assert.Throws<ArgumentException>(() => new Adam<double>([])).Message);
        var p = Param(1);
        Assert.Contains("Sgd: parameter 1", Assert.Throws<ArgumentException>(() => new Sgd<double>([p, p], 0.1)).Message);
    }

    [Fact]
    public void ZeroGradZeroesOrClearsTheGradients()
    {
        var (a, b) = TwoParams();
        var opt = new Sgd<double>([a, b], 0.1);
        SetGrad(a, 1, 2, 3);
        var buffer = a.Grad!;
        opt.ZeroGrad();
        Assert.Same(buffer, a.Grad);
        Assert.Equal([0.0, 0.0, 0.0], a.Grad!.ToArray());
        Assert.Null(b.Grad);
        opt.ZeroGrad(setToNone: true);
        Assert.Null(a.Grad);
    }

    [Fact]
    public void LearningRateCanBeChangedBetweenStepsAndIsValidated()
    {
        var p = Param(1);
        var opt = new Sgd<double>([p], lr: 0.1);
        SetGrad(p, 1);
        opt.Step();
        opt.LearningRate = 0.5;
        opt.Step();
        Close([1 - 0.1 - 0.5], p.Data.ToArray());
        var ex = Assert.Throws<ArgumentException>(() => opt.LearningRate = -2);
        Assert.Contains("Sgd: invalid learning rate -2", ex.Message);
        Assert.Equal(0.5, opt.LearningRate);
    }

    public static IEnumerable<object[]> AllWithFloat() => Factories().Append(["AdamFloat", null!]);

    [Theory]
    [MemberData(nameof(AllWithFloat))]
    public void StepsAllocateNothingInSteadyState(string kind, Func<IEnumerable<Variable<double>>, Optimizer<double>>? make)
    {
        Action step;
        if (make is null)
        {
            var pf = Tensor.Full(0.5f, 64, 33).RequiresGrad();
            pf.Grad = Tensor.Full(0.25f, 64, 33);
            var optF = new Adam<float>([pf], weightDecay: 0.01);
            step = optF.Step;
        }
        else
        {
            var a = Tensor.Full(0.5, 64, 33).RequiresGrad();
            var b = Tensor.Full(-0.5, 7).RequiresGrad();
            a.Grad = Tensor.Full(0.25, 64, 33);
            b.Grad = Tensor.Full(-0.125, 7);
            step = make([a, b]).Step;
        }
        for (int i = 0; i < 3; i++) step();   // first steps create the buffers
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{kind}: 20 steps allocated {allocated} bytes");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void ContinuingFromALoadedStateGivesTheSameStepsAsNeverStopping(string kind, Func<IEnumerable<Variable<double>>, Optimizer<double>> make)
    {
        // b has no gradient at step 1, so the per-parameter step counts differ.
        void Feed(Variable<double> a, Variable<double> b, int k)
        {
            SetGrad(a, GradSequence(k, 0, 3));
            if (k == 1) b.Grad = null; else SetGrad(b, GradSequence(k, 1, 6));
        }

        var (a1, b1) = TwoParams();
        var straight = make([a1, b1]);
        for (int k = 0; k < 6; k++) { Feed(a1, b1, k); straight.Step(); }

        var (a2, b2) = TwoParams();
        var first = make([a2, b2]);
        for (int k = 0; k < 3; k++) { Feed(a2, b2, k); first.Step(); }
        var state = first.StateDict();
        for (int k = 0; k < 2; k++) { Feed(a2, b2, 10 + k); first.Step(); } // diverges afterwards: the dict is a copy

        var a3 = Param(0, 0, 0); var b3 = Tensor.Zeros<double>(2, 3).RequiresGrad();
        var second = make([a3, b3]);
        second.LoadStateDict(state);
        // parameter values are the module's business; here they are copied from the first run's snapshot
        var (ra, rb) = TwoParams();
        var replay = make([ra, rb]);
        for (int k = 0; k < 3; k++) { Feed(ra, rb, k); replay.Step(); }
        a3.Data.CopyFrom(ra.Data); b3.Data.CopyFrom(rb.Data);
        SameState(replay.StateDict(), second.StateDict());

        for (int k = 3; k < 6; k++) { Feed(a3, b3, k); second.Step(); }
        BitEqual(a1.Data.ToArray(), a3.Data.ToArray());
        BitEqual(b1.Data.ToArray(), b3.Data.ToArray());
        SameState(straight.StateDict(), second.StateDict());
        Assert.True(kind.Length > 0);
    }

    [Fact]
    public void AdamStateDictHasPyTorchNamedKeys()
    {
        var (a, b) = TwoParams();
        var opt = new Adam<double>([a, b], lr: 0.01, beta1: 0.8);
        SetGrad(a, 1, 2, 3);
        opt.Step();
        var s = opt.StateDict();
        Assert.Equal(["hyper.beta1", "hyper.beta2", "hyper.eps", "hyper.lr", "hyper.weight_decay", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step", "step"],
            s.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(0.8, s["hyper.beta1"].Item());
        Assert.Equal(1.0, s["state.0.step"].Item());
        Close([0.2, 0.4, 0.6], s["state.0.exp_avg"].ToArray());
        Assert.Equal([3], s["state.0.exp_avg"].ShapeArray);
        Assert.Equal(0, s["step"].Rank);
    }

    private static Adam<double> TrainedAdam(out Variable<double> a, out Variable<double> b)
    {
        (a, b) = TwoParams();
        var opt = new Adam<double>([a, b], lr: 0.01);
        for (int k = 0; k < 2; k++)
        {
            SetGrad(a, GradSequence(k, 0, 3)); SetGrad(b, GradSequence(k, 1, 6));
            opt.Step();
        }
        return opt;
    }

    public static IEnumerable<object[]> BadStates() =>
    [
        ["missing: hyper.beta2", (Action<Dictionary<string, Tensor<double>>>)(s => s.Remove("hyper.beta2"))],
        ["missing: step", (Action<Dictionary<string, Tensor<double>>>)(s => s.Remove("step"))],
        ["unexpected: extra", (Action<Dictionary<string, Tensor<double>>>)(s => s["extra"] = Tensor.Scalar(1.0))],
        ["unexpected: state.0.momentum_buffer", (Action<Dictionary<string, Tensor<double>>>)(s => s["state.0.momentum_buffer"] = Tensor.Zeros<double>(3))],
        ["state.1.exp_avg: shape (3, 2) in the state, (2, 3) for parameter 1", (Action<Dictionary<string, Tensor<double>>>)(s => s["state.1.exp_avg"] = Tensor.Zeros<double>(3, 2))],
        ["state.2.step: parameter index 2 is out of range [0, 2)", (Action<Dictionary<string, Tensor<double>>>)(s => s["state.2.step"] = Tensor.Scalar(1.0))],
        ["state.0.step: 1.5 is not a non-negative integer count", (Action<Dictionary<string, Tensor<double>>>)(s => s["state.0.step"] = Tensor.Scalar(1.5))],
        ["missing: state.1.exp_avg_sq", (Action<Dictionary<string, Tensor<double>>>)(s => s.Remove("state.1.exp_avg_sq"))],
        ["Adam: invalid beta1 1.5", (Action<Dictionary<string, Tensor<double>>>)(s => s["hyper.beta1"] = Tensor.Scalar(1.5))],
        ["Adam: invalid learning rate -1", (Action<Dictionary<string, Tensor<double>>>)(s => s["hyper.lr"] = Tensor.Scalar(-1.0))],
        ["hyper.eps: shape (2,), expected a scalar", (Action<Dictionary<string, Tensor<double>>>)(s => s["hyper.eps"] = Tensor.Zeros<double>(2))],
    ];

    [Theory]
    [MemberData(nameof(BadStates))]
    public void LoadingABadStateThrowsAndChangesNothing(string fragment, Action<Dictionary<string, Tensor<double>>> corrupt)
    {
        var source = TrainedAdam(out _, out _);
        var state = source.StateDict();
        corrupt(state);
        var target = TrainedAdam(out var a, out var b);
        SetGrad(a, GradSequence(5, 0, 3));
        target.Step();                                  // make the target differ from the source
        var before = target.StateDict();
        var ex = Assert.Throws<ArgumentException>(() => target.LoadStateDict(state));
        Assert.Contains("Adam.LoadStateDict", ex.Message);
        Assert.Contains(fragment, ex.Message);
        SameState(before, target.StateDict());
        Assert.Equal(0.01, target.LearningRate);
    }

    [Fact]
    public void SgdStateCannotBeLoadedIntoAdam()
    {
        var (a, b) = TwoParams();
        var sgd = new Sgd<double>([a, b], 0.1, momentum: 0.9);
        SetGrad(a, 1, 2, 3);
        sgd.Step();
        var adam = TrainedAdam(out _, out _);
        var before = adam.StateDict();
        var ex = Assert.Throws<ArgumentException>(() => adam.LoadStateDict(sgd.StateDict()));
        Assert.Contains("missing: hyper.beta1", ex.Message);
        Assert.Contains("unexpected: hyper.momentum", ex.Message);
        SameState(before, adam.StateDict());
    }

    [Theory]
    [MemberData(nameof(All))]
    public void MinimisesALeastSquaresProblemThroughAutograd(string kind, Func<IEnumerable<Variable<double>>, Optimizer<double>> make)
    {
        // y = X·w* with w* = (1, −2, 0.5); loss = mean((X·w − y)²). Every optimizer must bring it down a lot.
        var rng = new Rng(7);
        var x = rng.Normal<double>([32, 3]);
        var wTrue = Tensor.FromArray([1.0, -2.0, 0.5], 3, 1);
        var y = Tensor.MatMul(x, wTrue);
        var w = Tensor.Zeros<double>(3, 1).RequiresGrad("w");
        var opt = make([w]);
        double Loss()
        {
            var diff = x.AsVariable().MatMul(w) - y.AsVariable();
            var loss = diff.Square().Mean();
            opt.ZeroGrad();
            loss.Backward();
            return loss.Item();
        }
        double initial = Loss();
        double last = initial;
        for (int i = 0; i < 300; i++) { opt.Step(); last = Loss(); }
        Assert.True(last < 0.05 * initial, $"{kind}: loss {initial} -> {last}");
    }
}
