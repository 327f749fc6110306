using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// A differentiable op: <see cref="Forward"/> computes the output from the inputs' values and keeps what the
/// backward needs; <see cref="Backward"/> turns the output's gradient into the inputs' gradients.
/// Built-in ops and user-written ops are the same kind of object: subclass this, then call <see cref="Apply"/>.
/// An instance is applied once (it holds that call's saved values).
/// </summary>
/// <example>
/// <code>
/// sealed class Cube : Function&lt;double&gt;
/// {
///     Tensor&lt;double&gt; _x = null!;
///     protected override Tensor&lt;double&gt; Forward(Tensor&lt;double&gt;[] x) { _x = x[0]; return x[0] * x[0] * x[0]; }
///     protected override void Backward(Tensor&lt;double&gt; g, Gradients&lt;double&gt; grads) =&gt; grads.Accumulate(0, g * _x * _x * 3.0);
/// }
/// var y = new Cube().Apply(x);
/// </code>
/// </example>
public abstract class Function<T> : Node where T : unmanaged, IFloatingPointIeee754<T>
{
    private Variable<T>[]? _inputs;
    private bool _applied;
    private List<T[]>? _saved;

    /// <summary>The variables this op was applied to (null once freed).</summary>
    internal Variable<T>[]? Inputs => _inputs;

    /// <summary>The variable this op produced (null once freed).</summary>
    internal Variable<T>? Output { get; private set; }

    /// <summary>Whether input <paramref name="i"/> needs a gradient (valid during Forward and Backward).</summary>
    protected bool NeedsGrad(int i) => _inputs is not null && _inputs[i].RequiresGrad;

    /// <summary>Computes the output. Validate inputs here before computing anything; save what Backward needs.</summary>
    protected abstract Tensor<T> Forward(Tensor<T>[] inputs);

    /// <summary>
    /// Given dL/d(output) in <paramref name="gradOutput"/> (read-only, and valid only during the backward pass: it
    /// may be shared, and the engine recycles its buffer when the pass ends, so never keep it), adds each input's gradient
    /// to <paramref name="grads"/>. A gradient may have a broadcast shape: the engine sums it back to the input's.
    /// </summary>
    protected internal abstract void Backward(Tensor<T> gradOutput, Gradients<T> grads);

    /// <summary>Runs the op on <paramref name="inputs"/> and records it when grad mode is on and an input requires grad.</summary>
    public Variable<T> Apply(params Variable<T>[] inputs)
    {
        if (_applied) throw new InvalidOperationException($"{Name}: a Function instance can be applied only once; create a new one per call.");
        _applied = true;
        if (Fusion.Tracing.Current is { } trace) return trace.Record(this, inputs); // inside Fuse.Pointwise: a node, not a value
        var data = new Tensor<T>[inputs.Length];
        bool record = false;
        for (int i = 0; i < inputs.Length; i++)
        {
            data[i] = inputs[i].Data;
            record |= inputs[i].RequiresGrad;
        }
        record &= GradMode.IsEnabled;
        _inputs = record ? inputs : null;
        var y = Forward(data);
        var output = new Variable<T>(y, record);
        if (record)
        {
            output.GradFn = this;
            Output = output;
            Tape.Current.Record(this);
        }
        return output;
    }

    /// <summary>
    /// A zero-filled tensor for values this op keeps for its backward and never hands out (never its output). When the op
    /// is recorded, the buffer comes from a per-thread pool and returns to it when the graph is freed, so a training
    /// loop does not allocate it afresh every step. Call it from <see cref="Forward"/>.
    /// </summary>
    protected Tensor<T> SavedBuffer(params int[] shape) =>
        _inputs is null ? new Tensor<T>(shape) : GradientPool<T>.Zeros(shape, _saved ??= new());

    private protected override void ReleaseSaved()
    {
        _inputs = null;
        Output = null;
        if (_saved is not null) GradientPool<T>.Return(_saved, null);
        _saved = null;
        OnFreed();
    }

    /// <summary>Override to drop saved tensors early when the graph is freed (optional).</summary>
    protected virtual void OnFreed() { }
}
