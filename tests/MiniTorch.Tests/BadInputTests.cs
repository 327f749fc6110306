using MiniTorch.Autograd;

namespace MiniTorch.Tests;

/// <summary>
/// Every op, at the tensor and the autograd layer, rejects wrong shapes, bad axes and out-of-range indices or targets
/// with an ArgumentException (or subclass) whose message names the op, the offending shapes or index and the valid
/// range, and changes nothing: destinations stay as they were and nothing is recorded on the tape.
/// </summary>
public class BadInputTests
{
    private static Tensor<double> T(params int[] shape) => Tensor.Arange<double>(shape.Aggregate(1, (p, s) => p * s)).Reshape(shape);
    private static Variable<double> V(params int[] shape) => T(shape).RequiresGrad();

    /// <summary>A case: the call, the texts its message must hold, and the tensors it must leave untouched.</summary>
    public sealed record Case(Action Act, string[] Mentions, Tensor<double>[] Untouched);

    private static Case C(Action act, params string[] mentions) => new(act, mentions, []);
    private static Case Keeps(Tensor<double>[] untouched, Action act, params string[] mentions) => new(act, mentions, untouched);

    private static readonly Dictionary<string, Func<Case>> TensorCases = new()
    {
        ["Add"] = () => C(() => _ = T(2, 3) + T(4), "Add", "(2, 3)", "(4,)"),
        ["Sub"] = () => C(() => _ = T(2, 3) - T(2, 2), "Sub", "(2, 3)", "(2, 2)"),
        ["Mul"] = () => C(() => _ = T(3, 1, 2) * T(4, 3), "Mul", "(3, 1, 2)", "(4, 3)"),
        ["Div"] = () => C(() => _ = T(5) / T(4), "Div", "(5,)", "(4,)"),
        ["Maximum"] = () => C(() => Tensor.Maximum(T(2), T(3)), "Maximum", "(2,)", "(3,)"),
        ["Greater"] = () => C(() => Tensor.Greater(T(2), T(3)), "Greater", "(2,)", "(3,)"),
        ["Where"] = () => C(() => Tensor.Where(Tensor.Ones<double>(2, 3), T(2, 3), T(3, 2)), "Where", "(2, 3)", "(3, 2)"),
        ["Reshape size"] = () => C(() => T(2, 3).Reshape(4), "Reshape", "(2, 3)", "(4,)"),
        ["Reshape two -1"] = () => C(() => T(2, 3).Reshape(-1, -1), "Reshape", "-1"),
        ["Reshape -1 not dividing"] = () => C(() => T(2, 3).Reshape(4, -1), "Reshape", "(2, 3)", "(4, -1)"),
        ["Sum axis"] = () => C(() => T(2, 3).Sum(2), "Sum", "axis 2", "-2..1"),
        ["Mean axis"] = () => C(() => T(2, 3).Mean(-3), "Mean", "axis -3", "-2..1"),
        ["Max axis"] = () => C(() => T(2, 3).Max(5), "Max", "axis 5", "-2..1"),
        ["ArgMax axis"] = () => C(() => T(2, 3).ArgMax(2), "ArgMax", "axis 2", "-2..1"),
        ["Dim axis"] = () => C(() => T(2, 3).Dim(2), "Dim", "axis 2", "-2..1"),
        ["Permute count"] = () => C(() => T(2, 3).Permute(0), "Permute", "(2, 3)"),
        ["Permute repeated"] = () => C(() => T(2, 3).Permute(1, 1), "Permute", "repeated"),
        ["Permute range"] = () => C(() => T(2, 3).Permute(0, 2), "Permute", "axis 2", "-2..1"),
        ["Transpose rank"] = () => C(() => T(3).Transpose(), "Transpose", "(3,)"),
        ["Transpose axis"] = () => C(() => T(2, 3).Transpose(0, 2), "Transpose", "axis 2"),
        ["Squeeze size"] = () => C(() => T(2, 3).Squeeze(1), "Squeeze", "(2, 3)", "size 3"),
        ["Unsqueeze axis"] = () => C(() => T(2, 3).Unsqueeze(4), "Unsqueeze", "axis 4", "-3..2"),
        ["Narrow past end"] = () => C(() => T(2, 3).Narrow(1, 2, 2), "Narrow", "[2, 4)", "[0, 3]", "(2, 3)"),
        ["Narrow negative start"] = () => C(() => T(2, 3).Narrow(0, -1, 1), "Narrow", "[-1, 0)", "(2, 3)"),
        ["Narrow axis"] = () => C(() => T(2, 3).Narrow(2, 0, 1), "Narrow", "axis 2"),
        ["Select index"] = () => C(() => T(2, 3).Select(1, 3), "Select", "index 3", "[0, 3)", "(2, 3)"),
        ["Select negative"] = () => C(() => T(2, 3).Select(0, -1), "Select", "index -1", "[0, 2)"),
        ["Concat shapes"] = () => C(() => Tensor.Concat([T(2, 3), T(3, 3)], 1), "Concat", "(3, 3)", "(2, 3)"),
        ["Concat ranks"] = () => C(() => Tensor.Concat([T(2, 3), T(3)], 0), "Concat", "(3,)", "(2, 3)"),
        ["Concat empty"] = () => C(() => Tensor.Concat(Array.Empty<Tensor<double>>(), 0), "Concat", "at least one"),
        ["Concat axis"] = () => C(() => Tensor.Concat([T(2, 3)], 2), "Concat", "axis 2"),
        ["Stack shapes"] = () => C(() => Tensor.Stack([T(2, 3), T(3, 2)], 0), "Stack", "(3, 2)", "(2, 3)"),
        ["Stack axis"] = () => C(() => Tensor.Stack([T(2, 3)], 3), "Stack", "axis 3", "-3..2"),
        ["IndexSelect index"] = () => C(() => T(3, 2).IndexSelect(0, Tensor.FromArray([0, 5])), "IndexSelect", "index 5", "[0, 3)", "(3, 2)"),
        ["IndexSelect negative"] = () => C(() => T(3, 2).IndexSelect(1, Tensor.FromArray([-1])), "IndexSelect", "index -1", "[0, 2)"),
        ["IndexSelect axis"] = () => C(() => T(3, 2).IndexSelect(2, Tensor.FromArray([0])), "IndexSelect", "axis 2"),
        ["IndexAdd index"] = () => { var d = T(3, 2); return Keeps([d], () => Tensor.IndexAdd(d, 0, Tensor.FromArray([1, 0, 3]), T(3, 2)), "IndexAdd", "index 3", "[0, 3)"); },
        ["IndexAdd source size"] = () => { var d = T(3, 2); return Keeps([d], () => Tensor.IndexAdd(d, 0, Tensor.FromArray([1, 0]), T(3, 2)), "IndexAdd", "(3, 2)", "(2,)"); },
        ["IndexAdd source shape"] = () => { var d = T(3, 4); return Keeps([d], () => Tensor.IndexAdd(d, 0, Tensor.FromArray([1, 2]), T(4, 2)), "IndexAdd", "(4, 2)", "(3, 4)"); },
        ["AddToNarrow range"] = () => { var d = T(2, 3); return Keeps([d], () => Tensor.AddToNarrow(d, 1, 2, T(2, 2)), "AddToNarrow", "[2, 4)", "[0, 3]"); },
        ["AddToNarrow source shape"] = () => { var d = T(2, 2, 2); return Keeps([d], () => Tensor.AddToNarrow(d, 1, 0, T(4, 1, 1)), "AddToNarrow", "(4, 1, 1)", "(2, 2, 2)"); },
        ["AddInPlace"] = () => { var d = T(2, 3); return Keeps([d], () => Tensor.AddInPlace(d, T(5)), "AddInPlace", "(2, 3)", "(5,)"); },
        ["AddScaledInPlace"] = () => { var d = T(2, 3); return Keeps([d], () => Tensor.AddScaledInPlace(d, T(7), 2.0), "AddScaledInPlace", "(2, 3)", "(7,)"); },
        ["CopyFrom"] = () => { var d = T(2, 3); return Keeps([d], () => d.CopyFrom(T(4)), "CopyFrom", "(2, 3)", "(4,)"); },
        ["MatMul inner"] = () => C(() => T(2, 3).MatMul(T(4, 5)), "MatMul", "(2, 3)", "(4, 5)"),
        ["MatMul vector"] = () => C(() => T(3).MatMul(T(3, 2)), "MatMul", "(3,)", "(3, 2)"),
        ["MatMul batch"] = () => C(() => T(2, 2, 3).MatMul(T(3, 3, 4)), "MatMul", "(2, 2, 3)", "(3, 3, 4)"),
        ["MatMulInto"] = () => { var c = T(2, 4); return Keeps([c], () => Tensor.MatMulInto(T(2, 3), false, T(3, 5), false, c, true), "MatMulInto", "(2, 3)", "(3, 5)", "(2, 4)"); },
        ["BroadcastTo"] = () => C(() => T(2, 3).BroadcastTo(3), "BroadcastTo", "(2, 3)", "(3,)"),
        ["BroadcastTo smaller"] = () => C(() => T(3).BroadcastTo(2, 1), "BroadcastTo", "(3,)", "(2, 1)"),
        ["SumToShape"] = () => C(() => T(2, 3).SumToShape([4]), "SumToShape", "(2, 3)", "(4,)"),
        ["FromArray"] = () => C(() => Tensor.FromArray([1.0, 2, 3, 4, 5], 2, 3), "FromArray", "5 values", "(2, 3)"),
        ["Zeros negative"] = () => C(() => Tensor.Zeros<double>(2, -1), "negative", "(2, -1)"),
        ["Linspace count"] = () => C(() => Tensor.Linspace<double>(0, 1, -2), "Linspace", "-2"),
        ["Arange step"] = () => C(() => Tensor.Arange<double>(0, 1, 0), "Arange", "step"),
        ["Indexer range"] = () => C(() => _ = T(2, 3)[2, 0], "Indexer", "index 2", "[0, 2)", "(2, 3)"),
        ["Indexer count"] = () => C(() => _ = T(2, 3)[1], "Indexer", "1 indices", "(2, 3)"),
        ["Softmax scalar"] = () => C(() => Tensor.Scalar(1.0).Softmax(), "Softmax"),
        ["LogSoftmax scalar"] = () => C(() => Tensor.Scalar(1.0).LogSoftmax(), "LogSoftmax"),
        ["Minimum"] = () => C(() => Tensor.Minimum(T(2, 3), T(2)), "Minimum", "(2, 3)", "(2,)"),
        ["Where mask values"] = () => C(() => Tensor.Where(Tensor.FromArray([1.0, 0.5]), T(2), T(2)), "Where", "0.5", "(2,)"),
        ["Gather rank"] = () => C(() => T(2, 3).Gather(1, Tensor.FromArray([0, 1])), "Gather", "(2,)", "(2, 3)", "rank"),
        ["Gather size"] = () => C(() => T(2, 3).Gather(1, new Tensor<int>(3, 1)), "Gather", "(3, 1)", "(2, 3)", "axis 0"),
        ["Gather index"] = () => C(() => T(2, 3).Gather(1, Tensor.FromArray([0, 3], 1, 2)), "Gather", "index 3", "[0, 3)"),
        ["Gather negative"] = () => C(() => T(2, 3).Gather(0, Tensor.FromArray([-1], 1, 1)), "Gather", "index -1", "[0, 2)"),
        ["Gather axis"] = () => C(() => T(2, 3).Gather(2, new Tensor<int>(1, 1)), "Gather", "axis 2"),
        ["ScatterAdd index"] = () => { var d = T(2, 3); return Keeps([d], () => Tensor.ScatterAdd(d, 1, Tensor.FromArray([0, 1, 2, 3], 2, 2), T(2, 2)), "ScatterAdd", "index 3", "[0, 3)"); },
        ["ScatterAdd source"] = () => { var d = T(2, 3); return Keeps([d], () => Tensor.ScatterAdd(d, 1, Tensor.FromArray([0, 1, 2, 0], 2, 2), T(2, 3)), "ScatterAdd", "(2, 3)", "(2, 2)"); },
        ["Flip repeated"] = () => C(() => T(2, 3).Flip(1, -1), "Flip", "axis -1", "more than once", "(2, 3)"),
        ["Flip axis"] = () => C(() => T(2, 3).Flip(2), "Flip", "axis 2", "-2..1"),
        ["MaxWithIndices axis"] = () => C(() => T(2, 3).MaxWithIndices(2), "Max", "axis 2", "-2..1"),
        ["MinWithIndices axis"] = () => C(() => T(2, 3).MinWithIndices(-3), "Min", "axis -3", "-2..1"),
        ["Rng Uniform"] = () => C(() => new Rng(1).Uniform<double>([2], 1, 0), "Uniform", "high"),
        ["Rng NextInt"] = () => C(() => new Rng(1).NextInt(0), "NextInt", "0"),
        ["Rng Integers"] = () => C(() => new Rng(1).Integers([0], 0), "Integers", "0"),
        ["Rng Permutation"] = () => C(() => new Rng(1).Permutation(-1), "Permutation", "-1"),
    };

    private static readonly Dictionary<string, Func<Case>> AutogradCases = new()
    {
        ["Add"] = () => C(() => _ = V(2, 3) + V(4), "Add", "(2, 3)", "(4,)"),
        ["Sub"] = () => C(() => _ = V(2, 3) - V(3, 2), "Sub", "(2, 3)", "(3, 2)"),
        ["Mul"] = () => C(() => _ = V(2) * V(3), "Mul", "(2,)", "(3,)"),
        ["Div"] = () => C(() => _ = V(2) / V(3), "Div", "(2,)", "(3,)"),
        ["Sum axis"] = () => C(() => V(2, 3).Sum(3), "Sum", "axis 3", "-2..1"),
        ["Mean axis"] = () => C(() => V(2, 3).Mean(-4, keepDim: true), "Mean", "axis -4", "-2..1"),
        ["Reshape"] = () => C(() => V(2, 3).Reshape(5), "Reshape", "(2, 3)", "(5,)"),
        ["Permute"] = () => C(() => V(2, 3).Permute(0, 0), "Permute", "repeated"),
        ["Transpose rank"] = () => C(() => V(3).Transpose(), "Transpose", "(3,)"),
        ["Transpose axis"] = () => C(() => V(2, 3).Transpose(0, -3), "Transpose", "axis -3"),
        ["Transpose first axis"] = () => C(() => V(2, 3).Transpose(2, 0), "Transpose", "axis 2"),
        ["Narrow"] = () => C(() => V(2, 3).Narrow(1, 1, 3), "Narrow", "[1, 4)", "[0, 3]"),
        ["Select"] = () => C(() => V(2, 3).Select(0, 2), "Select", "index 2", "[0, 2)"),
        ["Unbind"] = () => C(() => V(2, 3).Unbind(2), "Unbind", "axis 2"),
        ["Concat"] = () => C(() => Ops.Concat([V(2, 3), V(2, 2)], 0), "Concat", "(2, 2)", "(2, 3)"),
        ["Concat empty"] = () => C(() => Ops.Concat(Array.Empty<Variable<double>>(), 0), "Concat"),
        ["Stack"] = () => C(() => Ops.Stack([V(2, 3), V(2, 2)], 0), "Stack", "(2, 2)", "(2, 3)"),
        ["IndexSelect"] = () => C(() => V(3, 2).IndexSelect(0, Tensor.FromArray([2, 3, 2])), "IndexSelect", "index 3", "[0, 3)"),
        ["MatMul"] = () => C(() => V(2, 3).MatMul(V(2, 3)), "MatMul", "(2, 3)"),
        ["MatMul batch"] = () => C(() => V(2, 2, 3).MatMul(V(4, 3, 1)), "MatMul", "(2, 2, 3)", "(4, 3, 1)"),
        ["Softmax scalar"] = () => C(() => Tensor.Scalar(1.0).RequiresGrad().Softmax(), "Softmax"),
        ["CrossEntropy targets shape"] = () => C(() => V(2, 3, 4).CrossEntropy(Tensor.FromArray([0, 1, 2], 3)), "CrossEntropy", "(3,)", "(2, 3, 4)"),
        ["CrossEntropy mask shape"] = () => C(() => V(2, 4).CrossEntropy(Tensor.FromArray([0, 1]), Tensor.Ones<double>(3)), "CrossEntropy", "mask (3,)", "(2,)"),
        ["CrossEntropy target high"] = () => C(() => V(2, 4).CrossEntropy(Tensor.FromArray([0, 4])), "CrossEntropy", "target 4", "[0, 4)"),
        ["CrossEntropy target negative"] = () => C(() => V(2, 4).CrossEntropy(Tensor.FromArray([-1, 0])), "CrossEntropy", "target -1", "[0, 4)"),
        ["Gather"] = () => C(() => V(2, 3).Gather(0, Tensor.FromArray([2], 1, 1)), "Gather", "index 2", "[0, 2)", "(2, 3)"),
        ["Gather rank"] = () => C(() => V(2, 3).Gather(0, new Tensor<int>(2)), "Gather", "(2,)", "(2, 3)"),
        ["Flip"] = () => C(() => V(2, 3).Flip(0, 0), "Flip", "more than once"),
        ["Where shapes"] = () => C(() => Ops.Where(Tensor.Ones<double>(2), V(3), V(3)), "Where", "condition (2,)", "a (3,)", "b (3,)"),
        ["Where mask values"] = () => C(() => Ops.Where(Tensor.Full(2.0, 3), V(3), V(3)), "Where", "2", "0 and 1"),
        ["Maximum"] = () => C(() => V(2, 3).Maximum(V(3, 2)), "Maximum", "(2, 3)", "(3, 2)"),
        ["Minimum"] = () => C(() => V(4).Minimum(V(3)), "Minimum", "(4,)", "(3,)"),
        ["Max empty"] = () => C(() => V(0).Max(), "Max", "(0,)", "empty"),
        ["Min axis"] = () => C(() => V(2, 3).Min(2), "Min", "axis 2", "-2..1"),
        ["Max axis"] = () => C(() => V(2, 3).Max(-3, keepDim: true), "Max", "axis -3"),
        ["LayerNorm shape"] = () => C(() => V(2, 3).LayerNorm([2]), "LayerNorm", "(2, 3)", "normalizedShape (2,)"),
        ["LayerNorm empty shape"] = () => C(() => V(2, 3).LayerNorm([]), "LayerNorm", "normalizedShape ()"),
        ["LayerNorm weight"] = () => C(() => V(2, 3).LayerNorm([3], weight: V(2)), "LayerNorm", "weight (2,)", "(3,)"),
        ["LayerNorm bias"] = () => C(() => V(2, 3).LayerNorm([3], bias: V(3, 1)), "LayerNorm", "bias (3, 1)", "(3,)"),
        ["LayerNorm eps"] = () => C(() => V(2, 3).LayerNorm([3], eps: -1), "LayerNorm", "eps", "-1"),
        ["CrossEntropy reduction None"] = () => C(() => V(2, 4).CrossEntropy(Tensor.FromArray([0, 1]), reduction: Reduction.None), "CrossEntropy", "None"),
        ["MseLoss shapes"] = () => C(() => MiniTorch.Nn.Functional.MseLoss(V(2, 3), V(3)), "MseLoss", "target (3,)", "(2, 3)"),
        ["MseLoss reduction"] = () => C(() => MiniTorch.Nn.Functional.MseLoss(V(2), V(2), Reduction.BatchMean), "MseLoss", "BatchMean"),
        ["BCE target shape"] = () => C(() => MiniTorch.Nn.Functional.BinaryCrossEntropyWithLogits(V(2, 3), T(3, 2)), "BinaryCrossEntropyWithLogits", "target (3, 2)", "(2, 3)"),
        ["BCE posWeight shape"] = () => C(() => MiniTorch.Nn.Functional.BinaryCrossEntropyWithLogits(V(2, 3), T(2, 3), T(2)), "BinaryCrossEntropyWithLogits", "posWeight (2,)", "(2, 3)"),
        ["NllLoss target shape"] = () => C(() => MiniTorch.Nn.Functional.NllLoss(V(2, 3), Tensor.FromArray([0, 1, 2])), "NllLoss", "target (3,)", "(2, 3)", "(2,)"),
        ["NllLoss target range"] = () => C(() => MiniTorch.Nn.Functional.NllLoss(V(2, 3), Tensor.FromArray([0, 3])), "NllLoss", "target 3", "[0, 3)", "ignore index -100"),
        ["NllLoss weight"] = () => C(() => MiniTorch.Nn.Functional.NllLoss(V(2, 3), Tensor.FromArray([0, 1]), T(2)), "NllLoss", "weight (2,)", "(3,)"),
        ["NllLoss scalar"] = () => C(() => MiniTorch.Nn.Functional.NllLoss(Tensor.Scalar(1.0).RequiresGrad(), Tensor.FromArray([0])), "NllLoss", "()"),
        ["GradCheck step"] = () => C(() => GradCheck.Run(v => v[0], [T(2)], step: 0), "GradCheck", "step"),
        ["GradCheck wrt"] = () => C(() => GradCheck.Run(v => v[0], [T(2)], wrt: [true, false]), "GradCheck", "wrt"),
    };

    public static TheoryData<string> TensorCaseNames => new(TensorCases.Keys);
    public static TheoryData<string> AutogradCaseNames => new(AutogradCases.Keys);

    private static void Verify(Case c)
    {
        var before = c.Untouched.Select(t => t.ToArray()).ToArray();
        var ex = Assert.ThrowsAny<ArgumentException>(c.Act);
        foreach (var text in c.Mentions) Assert.Contains(text, ex.Message);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], c.Untouched[i].ToArray());
    }

    [Theory, MemberData(nameof(TensorCaseNames))]
    public void TensorOpsRejectBadInputClearlyAndChangeNothing(string name) => Verify(TensorCases[name]());

    [Theory, MemberData(nameof(AutogradCaseNames))]
    public void AutogradOpsRejectBadInputClearlyAndRecordNothing(string name) => Verify(AutogradCases[name]());

    [Fact]
    public void BackwardWithAWronglyShapedGradientThrowsAndLeavesGradsAlone()
    {
        var a = V(2, 3);
        a.Grad = Tensor.Full(5.0, 2, 3);
        var y = a.Tanh();
        var ex = Assert.Throws<ArgumentException>(() => y.Backward(T(3, 2)));
        Assert.Contains("(3, 2)", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Equal(Tensor.Full(5.0, 2, 3).ToArray(), a.Grad!.ToArray());
        y.Backward(Tensor.Ones<double>(2, 3)); // the graph is intact
        Assert.NotEqual(5.0, a.Grad![0, 0]);
    }
}
