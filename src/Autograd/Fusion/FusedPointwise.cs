using System.Numerics;

namespace MiniTorch.Autograd.Fusion;

/// <summary>
/// The recorded op of a compiled pointwise function: runs a <see cref="Plan{T}"/> forward, keeps the inputs, the outputs
/// and the plan's saved values, and runs the plan backward. Several results are produced as one packed tensor that
/// <see cref="Unpack{T}"/> views split (until the engine's multi-output op replaces this).
/// </summary>
internal sealed class FusedPointwise<T>(Plan<T> plan, string what) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>[] _inputs = null!, _outputs = null!, _saved = null!;
    private int[] _offsets = null!;

    public override string Name => what;

    public static Variable<T>[] Run(Plan<T> plan, Variable<T>[] inputs, string what)
    {
        var op = new FusedPointwise<T>(plan, what);
        var packed = op.Apply(inputs);
        if (plan.OutputShapes.Length == 1) return [packed];
        var results = new Variable<T>[plan.OutputShapes.Length];
        for (int o = 0; o < results.Length; o++) results[o] = new Unpack<T>(op._offsets[o], plan.OutputShapes[o]).Apply(packed);
        return results;
    }

    protected override Tensor<T> Forward(Tensor<T>[] inputs)
    {
        _inputs = inputs;
        var shapes = plan.OutputShapes;
        _outputs = new Tensor<T>[shapes.Length];
        _offsets = new int[shapes.Length];
        Tensor<T> result;
        if (shapes.Length == 1) result = _outputs[0] = new Tensor<T>(shapes[0]);
        else
        {
            int total = 0;
            for (int o = 0; o < shapes.Length; o++) { _offsets[o] = total; total += Shapes.Numel(shapes[o], what); }
            result = new Tensor<T>(total);
            for (int o = 0; o < shapes.Length; o++) _outputs[o] = new Tensor<T>(result.Buffer, result.Offset + _offsets[o], shapes[o]);
        }
        var widths = plan.SavedWidths;
        _saved = new Tensor<T>[widths.Length];
        for (int s = 0; s < widths.Length; s++) _saved[s] = SavedBuffer(plan.Rows * widths[s]);
        plan.Forward(inputs, _outputs, _saved);
        return result;
    }

    protected internal override void Backward(Tensor<T> gradOutput, Gradients<T> grads)
    {
        var gradOutputs = new Tensor<T>?[_outputs.Length];
        if (_outputs.Length == 1) gradOutputs[0] = gradOutput;
        else for (int o = 0; o < _outputs.Length; o++) gradOutputs[o] = new Tensor<T>(gradOutput.Buffer, gradOutput.Offset + _offsets[o], plan.OutputShapes[o]);
        plan.Backward(_inputs, _outputs, _saved, gradOutputs, grads);
    }

    protected override void OnFreed() { _inputs = null!; _outputs = null!; _saved = null!; }
}

/// <summary>One result of a multi-result fused op: a view into its packed output; backward adds into that window.</summary>
internal sealed class Unpack<T>(int offset, int[] shape) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Name => "Fuse.Pointwise";

    protected override Tensor<T> Forward(Tensor<T>[] x) => new(x[0].Buffer, x[0].Offset + offset, shape);

    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        var dst = grads.Buffer(0).AsSpan().Slice(offset, g.Length);
        System.Numerics.Tensors.TensorPrimitives.Add(dst, g.AsSpan(), dst);
    }
}
