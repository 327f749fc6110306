using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Autograd.Fusion;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Fusion;

/// <summary>
/// Random pointwise programs (<see cref="PointwiseProgram"/>) run fused (Fuse.Pointwise, with a random chunk size so
/// chunk boundaries fall anywhere) and eagerly with the ordinary ops. float64: fused forward equals eager within 1e-12
/// scaled error, fused gradients equal eager gradients within 1e-10, eager gradients equal central differences within
/// 1e-7. float32: fused equals eager within 1e-5 scaled error, values and gradients (the same rules on spans of
/// different lengths may round differently in the last bits).
/// </summary>
public class PointwiseProgramProperties
{
    private const int Runs = 150;

    private static Arbitrary<PointwiseProgram> Programs => PointwiseProgram.Arb();

    private static PointwiseFunction<T> Compile<T>(PointwiseProgram p) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(v => p.Run(v), p.Args.Length, "Fuse.Pointwise") { ChunkElements = p.ChunkElements };

    /// <summary>The outputs and each argument's gradient (zeros when none reached it) for upstream gradients <paramref name="ups"/>.</summary>
    private static (Tensor<T>[] Out, Tensor<T>[] Grads) Evaluate<T>(Func<Variable<T>[], Variable<T>[]> f, Tensor<T>[] inputs, Tensor<T>[] ups)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var vars = inputs.Select(x => x.Clone().RequiresGrad()).ToArray();
        var outs = f(vars);
        Variable<T>? loss = null;
        for (int o = 0; o < outs.Length; o++)
        {
            var term = (outs[o] * ups[o].AsVariable()).Sum();
            loss = loss is null ? term : loss + term;
        }
        loss!.Backward();
        return (outs.Select(o => o.Data).ToArray(), vars.Select(v => v.Grad ?? new Tensor<T>(v.Data.ShapeArray)).ToArray());
    }

    private static Tensor<T>[] Upstream<T>(PointwiseProgram p, Tensor<T>[] outs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(p.Seed ^ 0x5DEECE66DUL);
        return outs.Select(o => rng.Normal<T>(o.ShapeArray)).ToArray();
    }

    private static double Worst(Tensor<double>[] expected, Tensor<double>[] actual) =>
        expected.Zip(actual, (e, a) => e.SameShape(a) ? GradCheck.ScaledError(e.AsSpan(), a.AsSpan()) : double.PositiveInfinity).DefaultIfEmpty(0).Max();

    private static Tensor<double>[] ToDouble(Tensor<float>[] xs) =>
        xs.Select(x => Tensor.FromArray(x.ToArray().Select(v => (double)v).ToArray(), x.ShapeArray)).ToArray();

    private static Tensor<float>[] ToFloat(Tensor<double>[] xs) =>
        xs.Select(x => Tensor.FromArray(x.ToArray().Select(v => (float)v).ToArray(), x.ShapeArray)).ToArray();

    [Property(MaxTest = Runs)]
    public Property FusedEqualsEagerInFloat64() => Prop.ForAll(Programs, p =>
    {
        var inputs = p.Inputs();
        var eagerOut = p.Run(inputs.Select(x => x.AsVariable()).ToArray()).Select(v => v.Data).ToArray();
        var ups = Upstream(p, eagerOut);
        var eager = Evaluate<double>(p.Run, inputs, ups);
        var fused = Evaluate<double>(Compile<double>(p).Apply, inputs, ups);
        double fwd = Worst(eager.Out, fused.Out), grad = Worst(eager.Grads, fused.Grads);
        return (fwd <= 1e-12 && grad <= 1e-10).Label($"forward scaled error {fwd:G3} (bound 1e-12), gradient {grad:G3} (bound 1e-10)\n{p}");
    });

    [Property(MaxTest = Runs)]
    public Property EagerGradientsEqualCentralDifferences() => Prop.ForAll(Programs, p =>
        GradientProperty.Check(v => Ops.Concat(p.Run(v).Select(o => o.Reshape(-1, o.Dim(-1))).ToArray(), -1), p.Inputs())
            .Label(p.ToString()));

    [Property(MaxTest = Runs)]
    public Property FusedEqualsEagerInFloat32() => Prop.ForAll(Programs, p =>
    {
        var inputs = ToFloat(p.Inputs());
        var eagerOut = p.Run(inputs.Select(x => x.AsVariable()).ToArray()).Select(v => v.Data).ToArray();
        var ups = Upstream(p, eagerOut);
        var eager = Evaluate<float>(p.Run, inputs, ups);
        var fused = Evaluate<float>(Compile<float>(p).Apply, inputs, ups);
        double fwd = Worst(ToDouble(eager.Out), ToDouble(fused.Out)), grad = Worst(ToDouble(eager.Grads), ToDouble(fused.Grads));
        return (fwd <= 1e-5 && grad <= 1e-5).Label($"float32: forward scaled error {fwd:G3}, gradient {grad:G3} (bound 1e-5)\n{p}");
    });

    [Property(MaxTest = 100)]
    public Property GeneratedProgramsAreValidAndPrintable() => Prop.ForAll(Programs, p =>
        (p.IsValid && p.ToString().Contains("h0 = ") && PointwiseProgram.Shrink(p).All(q => q.IsValid)).Label(p.ToString()));

    [Fact]
    public void AProgramPrintsReadably()
    {
        var p = new PointwiseProgram([3], [new PArg([3], 4)],
            [new(POp.Narrow, [0], Start: 0, Length: 2), new(POp.Tanh, [1]), new(POp.Narrow, [0], Start: 2, Length: 2), new(POp.Sigmoid, [3]),
             new(POp.Mul, [2, 4]), new(POp.AddScalar, [5], C: 0.5)], [6], 1, 64);
        Assert.True(p.IsValid);
        Assert.Equal("a: (3, 4)\nh0 = ((tanh(a[:, 0:2]) * sigmoid(a[:, 2:4])) + 0.5)\n(seed 1, chunk 64)", p.ToString());
    }

    [Fact]
    public void ShrinkingReachesTheSmallestFailingProgram()
    {
        // A property that fails whenever a program has a Tanh: shrinking must end at a single tanh of one argument.
        var p = new PointwiseProgram([3, 2], [new PArg([3, 2], 4), new PArg([], 4)],
            [new(POp.Add, [0, 1]), new(POp.Tanh, [2]), new(POp.Scale, [3], C: 1.5), new(POp.Mul, [4, 0])], [5, 2], 7, 5);
        Assert.True(p.IsValid);
        bool Fails(PointwiseProgram q) => q.Body.Any(s => s.Op == POp.Tanh);
        var current = p;
        for (bool progress = true; progress;)
        {
            progress = false;
            foreach (var q in PointwiseProgram.Shrink(current))
                if (Fails(q)) { current = q; progress = true; break; }
        }
        Assert.Equal("a: (1, 4)\nh0 = tanh(a)\n(seed 7, chunk 64)", current.ToString());
    }
}
