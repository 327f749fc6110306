using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Autograd;

/// <summary>The op set on scalars (rank 0) and empty axes (size 0): gradients still match, nothing throws.</summary>
public class EdgeShapeProperties
{
    private static readonly ShapeOptions WithEmpty = new(0, 3, 0, 3);
    private static readonly ShapeOptions EmptyAxesRankOneUp = new(1, 3, 0, 3);
    private static Arbitrary<int> Ints => Props.Ints;
    private static Property Check(Func<Variable<double>[], Variable<double>> f, params Tensor<double>[] inputs) => GradientProperty.Check(f, inputs);

    [Property(MaxTest = 100)]
    public Property ElementwiseAndFullReductions() =>
        Prop.ForAll(TensorArb.BroadcastPair(WithEmpty, b: ValueDomain.AwayFromZero()), p =>
            Check(v => ((v[0] / v[1]).Sigmoid() - v[0].Exp() * v[1]).Sum() + v[0].Square().Sum(), p.A, p.B));

    [Property(MaxTest = 100)]
    public Property AxisReductionsAndSoftmax() =>
        Prop.ForAll(TensorArb.Tensor(EmptyAxesRankOneUp), Ints, (x, a) =>
            Check(v => v[0].Sum(Fit.Axis(a, x.Rank), keepDim: a % 2 == 0).Tanh().Sum() + v[0].LogSoftmax().Sum() + v[0].Softmax().Square().Sum(), x));

    [Property(MaxTest = 100)]
    public Property ShapeOps() =>
        Prop.ForAll(TensorArb.Tensor(EmptyAxesRankOneUp), Ints, (x, a) =>
        {
            int axis = Fit.Axis(a, x.Rank), n = x.Dim(axis);
            var perm = new Rng((ulong)(uint)a).Permutation(x.Rank);
            return Check(v =>
            {
                var parts = new List<Variable<double>> { v[0].Permute(perm).Reshape(-1), v[0].Reshape(-1) };
                if (n > 0) parts.Add(v[0].Narrow(axis, n - 1, 1).Reshape(-1) * 2.0);
                parts.Add(Ops.Concat([v[0], v[0] * 3.0], axis).Reshape(-1));
                parts.Add(Ops.Stack([v[0], v[0]], axis).Reshape(-1).Tanh());
                parts.Add(v[0].IndexSelect(axis, n > 0 ? Tensor.FromArray([0, 0]) : new Tensor<int>(0)).Reshape(-1));
                return Ops.Concat(parts, 0);
            }, x);
        });

    [Property(MaxTest = 60)]
    public Property MatMulWithEmptySizes() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 3).Three()), Ints, (mkn, seed) =>
        {
            var (m, k, n) = mkn;
            var rng = new Rng((ulong)(uint)seed);
            return Check(v => v[0].MatMul(v[1]), rng.Normal<double>([m, k]), rng.Normal<double>([k, n]))
                .And(Check(v => v[0].MatMul(v[1]), rng.Normal<double>([2, m, k]), rng.Normal<double>([2, k, n])));
        });

    [Fact]
    public void MatMulWithAnEmptyInnerSizeGivesZerosAndEmptyGradients()
    {
        var a = new Tensor<double>(2, 0).RequiresGrad();
        var b = new Tensor<double>(0, 3).RequiresGrad();
        var c = a.MatMul(b);
        Assert.Equal(new double[6], c.Data.ToArray());
        c.Backward(Tensor.Ones<double>(2, 3));
        Assert.Equal([2, 0], a.Grad!.ShapeArray);
        Assert.Equal([0, 3], b.Grad!.ShapeArray);
    }
}
