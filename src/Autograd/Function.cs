using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// A differentiable op with one output: <see cref="Forward"/> computes the output from the inputs' values and keeps what
/// the backward needs; <see cref="Backward"/> turns the output's gradient into the inputs' gradients.
/// Built-in ops and user-written ops are the same kind of object: subclass this, then call <see cref="Apply"/>.
/// An instance is applied once (it holds that call's saved values).
/// </summary>
/// <example>
/// <code>
/// sealed class Cube : Function&lt;double&gt;
/// {
///     Tensor&lt;double&gt; _x = null!;
///     protected override Tensor&lt;double&gt; Forward(Tensor&lt;double&gt;[] x) { _x = x[0]; SaveForBackward(_x); return x[0] * x[0] * x[0]; }
///     protected override void Backward(Tensor&lt;double&gt; g, Gradients&lt;double&gt; grads) =&gt; grads.Accumulate(0, g * _x * _x * 3.0);
/// }
/// var y = new Cube().Apply(x);
/// </code>
/// </example>
public abstract class Function<T> : Node<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the op (apply it once with <see cref="Apply"/>).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0022", Justification =
        "By design: Function is the public way to write an op; Node's protected members (SaveForBackward, ...) are its API.")]
    protected Function() { }

    internal sealed override int OutputCount => 1;

    /// <summary>Computes the output. Validate inputs here before computing anything; save what Backward needs.</summary>
    /// <param name="inputs">The inputs' values, in the order given to <see cref="Apply"/>.</param>
    /// <returns>The output's value (a new tensor, or a view of an input).</returns>
    protected abstract Tensor<T> Forward(Tensor<T>[] inputs);

    /// <summary>
    /// Given dL/d(output) in <paramref name="gradOutput"/> (read-only, and valid only during the backward pass: it
    /// may be shared, and the engine recycles its buffer when the pass ends, so never keep it), adds each input's gradient
    /// to <paramref name="grads"/>. A gradient may have a broadcast shape: the engine sums it back to the input's.
    /// </summary>
    /// <param name="gradOutput">The gradient of the loss with respect to the output (the output's shape).</param>
    /// <param name="grads">Where the inputs' gradients go.</param>
    protected internal abstract void Backward(Tensor<T> gradOutput, Gradients<T> grads);

    /// <summary>Runs the op on <paramref name="inputs"/> and records it when grad mode is on and an input requires grad.</summary>
    /// <param name="inputs">The op's inputs.</param>
    /// <returns>The output; it holds this op as its <see cref="Variable{T}.GradFn"/> when recorded.</returns>
    /// <exception cref="InvalidOperationException">The instance was applied before.</exception>
    public Variable<T> Apply(params Variable<T>[] inputs)
    {
        if (Fusion.Tracing.Current is { } trace) return trace.Record(this, inputs); // inside Fuse.Pointwise: a node, not a value
        bool record = Begin(inputs, out var data, out bool anomaly);
        return Finish(Forward(data), record, anomaly);
    }

    internal sealed override void RunBackward(Tensor<T>?[] gradOutputs, Gradients<T> grads)
    {
        if (gradOutputs[0] is { } g) Backward(g, grads);
    }
}

/// <summary>
/// A differentiable op with several outputs (for example the hidden and the cell state of a recurrent step computed
/// together). Like <see cref="Function{T}"/>, but <see cref="Forward"/> returns one tensor per output and
/// <see cref="Backward"/> receives one gradient per output.
/// </summary>
public abstract class MultiOutputFunction<T> : Node<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int _outputs = -1;

    /// <summary>Creates the op (apply it once with <see cref="Apply"/>).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0022", Justification =
        "By design: MultiOutputFunction is the public way to write an op; Node's protected members (SaveForBackward, ...) are its API.")]
    protected MultiOutputFunction() { }

    internal sealed override int OutputCount => _outputs;

    /// <summary>Computes the outputs. Validate inputs here before computing anything; save what Backward needs.</summary>
    /// <param name="inputs">The inputs' values, in the order given to <see cref="Apply"/>.</param>
    /// <returns>The outputs' values (at least one).</returns>
    protected abstract Tensor<T>[] Forward(Tensor<T>[] inputs);

    /// <summary>
    /// Given dL/d(output k) in <paramref name="gradOutputs"/>[k] (null where no gradient reached that output: treat it
    /// as zero; read-only and valid only during the pass, as for <see cref="Function{T}.Backward"/>), adds each input's
    /// gradient to <paramref name="grads"/>. Called only when at least one output received a gradient.
    /// </summary>
    /// <param name="gradOutputs">One gradient per output, or null.</param>
    /// <param name="grads">Where the inputs' gradients go.</param>
    protected internal abstract void Backward(Tensor<T>?[] gradOutputs, Gradients<T> grads);

    /// <summary>Runs the op on <paramref name="inputs"/> and records it when grad mode is on and an input requires grad.</summary>
    /// <param name="inputs">The op's inputs.</param>
    /// <returns>The outputs, in the order Forward returned them.</returns>
    /// <exception cref="InvalidOperationException">The instance was applied before, or Forward returned no output.</exception>
    public Variable<T>[] Apply(params Variable<T>[] inputs)
    {
        if (Fusion.Tracing.Current is not null) throw Fusion.Tracing.NotPointwise(Name);
        bool record = Begin(inputs, out var data, out bool anomaly);
        var results = Forward(data);
        if (results is not { Length: > 0 }) throw new InvalidOperationException($"{Name}: Forward must return at least one output.");
        _outputs = results.Length;
        return Finish(results, record, anomaly);
    }

    internal sealed override void RunBackward(Tensor<T>?[] gradOutputs, Gradients<T> grads) => Backward(gradOutputs, grads);
}
