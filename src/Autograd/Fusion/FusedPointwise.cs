using System.Numerics;

namespace MiniTorch.Autograd.Fusion;

/// <summary>
/// The recorded op of a compiled pointwise function: runs a <see cref="Plan{T}"/> forward, keeps the inputs, the outputs
/// and the plan's saved values, and runs the plan backward (one gradient per output, null where none arrived).
/// </summary>
internal sealed class FusedPointwise<T>(Plan<T> plan, string what) : MultiOutputFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>[] _inputs = null!, _outputs = null!, _saved = null!;

    public override string Name => what;

    public static Variable<T>[] Run(Plan<T> plan, Variable<T>[] inputs, string what) => new FusedPointwise<T>(plan, what).Apply(inputs);

    protected override Tensor<T>[] Forward(Tensor<T>[] inputs)
    {
        _inputs = inputs;
        _outputs = plan.OutputShapes.Select(s => Tensor<T>.Uninitialized((int[])s.Clone())).ToArray(); // the plan writes every element
        var widths = plan.SavedWidths;
        _saved = new Tensor<T>[widths.Length];
        for (int s = 0; s < widths.Length; s++) _saved[s] = SavedBufferToWrite(plan.Rows * widths[s]); // the plan writes every row
        plan.Forward(inputs, _outputs, _saved);
        SaveForBackward(inputs);
        SaveForBackward(_outputs);
        return _outputs;
    }

    protected internal override void Backward(Tensor<T>?[] gradOutputs, Gradients<T> grads) =>
        plan.Backward(_inputs, _outputs, _saved, gradOutputs, grads);

    protected override void OnFreed() { _inputs = null!; _outputs = null!; _saved = null!; }
}
