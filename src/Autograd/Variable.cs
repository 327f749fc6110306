using System.Numerics;
using MiniTorch.Autograd.Functions;

namespace MiniTorch.Autograd;

/// <summary>
/// A tensor that takes part in automatic differentiation (PyTorch's <c>Tensor</c> with <c>requires_grad</c>).
/// Leaves are made with <c>requiresGrad: true</c>; an op on a variable that requires grad returns a result that holds
/// the op (its <see cref="GradFn"/>), which holds the op's inputs: the graph belongs to its outputs, and
/// <see cref="Backward"/> walks what is reachable from this variable.
/// </summary>
public sealed partial class Variable<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _grad;

    /// <summary>Wraps <paramref name="data"/> (no copy) as a leaf.</summary>
    /// <param name="data">The values.</param>
    /// <param name="requiresGrad">Whether gradients should accumulate in <see cref="Grad"/>.</param>
    /// <param name="name">An optional name for messages.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    public Variable(Tensor<T> data, bool requiresGrad = false, string? name = null)
    {
        Data = data ?? throw new ArgumentNullException(nameof(data));
        RequiresGrad = requiresGrad;
        Name = name;
    }

    /// <summary>A recorded op's output number <paramref name="index"/>.</summary>
    internal Variable(Tensor<T> data, Node<T> gradFn, int index)
    {
        Data = data;
        RequiresGrad = true;
        GradFn = gradFn;
        OutputIndex = index;
    }

    /// <summary>The values.</summary>
    public Tensor<T> Data { get; }

    /// <summary>
    /// The accumulated gradient of a leaf that requires grad; null until a backward reaches it. Backward passes add to
    /// it atomically (one pass at a time per leaf), so passes running concurrently on graphs that share this leaf sum
    /// exactly, in the order they finish.
    /// </summary>
    /// <exception cref="ArgumentException">The assigned tensor's shape is not <see cref="Data"/>'s.</exception>
    public Tensor<T>? Grad
    {
        get => _grad;
        set
        {
            if (value is not null && !value.SameShape(Data))
                throw new ArgumentException($"Grad: a gradient of shape {value.ShapeString} cannot be assigned to {Describe()} of shape {Data.ShapeString}.", nameof(value));
            lock (GradLock) _grad = value;
        }
    }

    /// <summary>Serialises updates of <see cref="Grad"/> by concurrent backward passes.</summary>
    private Lock? _gradLock;

    /// <summary>Taken while this variable's <see cref="Grad"/> is read-modified-written (created on first use: most variables never need it).</summary>
    internal Lock GradLock => _gradLock ?? Interlocked.CompareExchange(ref _gradLock, new Lock(), null) ?? _gradLock!;

    /// <summary>Whether gradients flow to (and, for a leaf, accumulate in) this variable.</summary>
    public bool RequiresGrad { get; }

    /// <summary>An optional name, used in error messages and reports.</summary>
    public string? Name { get; set; }

    /// <summary>The recorded op that produced this variable; null for a leaf.</summary>
    public Node<T>? GradFn { get; }

    /// <summary>Which of <see cref="GradFn"/>'s outputs this is (0 for single-output ops).</summary>
    internal int OutputIndex { get; }

    /// <summary>True when the variable was not produced by a recorded op.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>The shape of <see cref="Data"/>.</summary>
    public ReadOnlySpan<int> Shape => Data.Shape;

    /// <summary>The number of axes.</summary>
    public int Rank => Data.Rank;

    /// <summary>The number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>The size of one axis (negative counts from the end).</summary>
    /// <param name="axis">The axis.</param>
    /// <returns>Its size.</returns>
    public int Dim(int axis) => Data.Dim(axis);

    /// <summary>The single value of a one-element variable.</summary>
    /// <returns>The value.</returns>
    public T Item() => Data.Item();

    /// <summary>
    /// Back-propagates from this variable (PyTorch's <c>tensor.backward()</c>): runs the backward of every op reachable
    /// from it and adds into the <see cref="Grad"/> of every leaf that requires grad. A non-scalar needs an explicit
    /// upstream <paramref name="gradient"/>. Unless <paramref name="retainGraph"/>, the ops that ran are freed afterwards
    /// (a second backward through them fails clearly); other graphs are never affected. If the pass fails, no
    /// <see cref="Grad"/> changes.
    /// </summary>
    /// <param name="gradient">dL/d(this), this variable's shape; null means 1 for a one-element variable.</param>
    /// <param name="retainGraph">Keep the graph for another backward pass.</param>
    /// <exception cref="InvalidOperationException">The variable does not require grad, its graph was freed, or a saved tensor was modified in place.</exception>
    /// <exception cref="ArgumentException">The gradient's shape is wrong.</exception>
    public void Backward(Tensor<T>? gradient = null, bool retainGraph = false) => Engine.Backward([this], [gradient], retainGraph);

    /// <summary>A new leaf sharing <see cref="Data"/> that does not require grad: the graph is cut here.</summary>
    /// <returns>The detached leaf.</returns>
    public Variable<T> Detach() => new(Data, false, Name);

    /// <summary>Fills <see cref="Grad"/> with zeros (keeping its buffer), as <c>zero_grad(set_to_none=False)</c>.</summary>
    public void ZeroGrad()
    {
        lock (GradLock) _grad?.Fill(T.Zero);
    }

    /// <summary>Shape, dtype and values, plus the producing op.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        Data + (GradFn is not null ? $", grad_fn={GradFn.Name}" : RequiresGrad ? ", requires_grad=True" : "");

    /// <summary>"'name'" or "a variable" for messages.</summary>
    internal string Describe() => Name is null ? "a variable" : $"'{Name}'";

    /// <summary>Sets the gradient without the shape check (the engine has checked it) while holding <see cref="GradLock"/>.</summary>
    internal void SetGradUnchecked(Tensor<T> value) => _grad = value;
}

public sealed partial class Variable<T>
{
    /// <summary>Elementwise sum with broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new variable of the broadcast shape, recorded for backward.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Variable<T> operator +(Variable<T> a, Variable<T> b) => new Add<T>().Apply(a, b);
    /// <summary>Elementwise difference with broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new variable of the broadcast shape, recorded for backward.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Variable<T> operator -(Variable<T> a, Variable<T> b) => new Sub<T>().Apply(a, b);
    /// <summary>Elementwise product with broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new variable of the broadcast shape, recorded for backward.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Variable<T> operator *(Variable<T> a, Variable<T> b) => new Mul<T>().Apply(a, b);
    /// <summary>Elementwise quotient with broadcasting.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A new variable of the broadcast shape, recorded for backward.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast together.</exception>
    public static Variable<T> operator /(Variable<T> a, Variable<T> b) => new Div<T>().Apply(a, b);
    /// <summary>Negation.</summary>
    /// <param name="a">The operand.</param>
    /// <returns>−a, recorded for backward.</returns>
    public static Variable<T> operator -(Variable<T> a) => new Neg<T>().Apply(a);
    /// <summary>Multiplies by a constant.</summary>
    /// <param name="a">The variable.</param>
    /// <param name="s">The scalar (a constant: no gradient flows to it).</param>
    /// <returns>A new variable of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator *(Variable<T> a, T s) => new Scale<T>(s).Apply(a);
    /// <summary>Multiplies by a constant.</summary>
    /// <param name="s">The scalar (a constant: no gradient flows to it).</param>
    /// <param name="a">The variable.</param>
    /// <returns>A new variable of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator *(T s, Variable<T> a) => new Scale<T>(s).Apply(a);
    /// <summary>Divides by a constant.</summary>
    /// <param name="a">The variable.</param>
    /// <param name="s">The scalar (a constant: no gradient flows to it).</param>
    /// <returns>A new variable of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator /(Variable<T> a, T s) => new Scale<T>(T.One / s).Apply(a);
    /// <summary>Adds a constant.</summary>
    /// <param name="a">The variable.</param>
    /// <param name="s">The scalar (a constant: no gradient flows to it).</param>
    /// <returns>A new variable of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator +(Variable<T> a, T s) => new AddScalar<T>(s).Apply(a);
    /// <summary>Adds a constant.</summary>
    /// <param name="s">The scalar (a constant: no gradient flows to it).</param>
    /// <param name="a">The variable.</param>
    /// <returns>A new variable of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator +(T s, Variable<T> a) => new AddScalar<T>(s).Apply(a);
    /// <summary>Subtracts a constant.</summary>
    /// <param name="a">The variable.</param>
    /// <param name="s">The scalar (a constant: no gradient flows to it).</param>
    /// <returns>A new variable of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator -(Variable<T> a, T s) => new AddScalar<T>(-s).Apply(a);
    /// <summary>A constant minus a variable.</summary>
    /// <param name="s">The constant.</param>
    /// <param name="a">The variable.</param>
    /// <returns>s − a, of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator -(T s, Variable<T> a) => new AddScalar<T>(s).Apply(new Neg<T>().Apply(a));
}

/// <summary>Creating variables from tensors.</summary>
public static class VariableExtensions
{
    /// <summary>Wraps a tensor as a leaf variable (no copy).</summary>
    /// <param name="data">The tensor (not copied).</param>
    /// <param name="requiresGrad">Whether backward computes a gradient for it.</param>
    /// <param name="name">A name for messages, or null.</param>
    /// <returns>A new leaf variable.</returns>
    public static Variable<T> AsVariable<T>(this Tensor<T> data, bool requiresGrad = false, string? name = null)
        where T : unmanaged, IFloatingPointIeee754<T> => new(data, requiresGrad, name);

    /// <summary>Wraps a tensor as a leaf that requires grad (a parameter).</summary>
    /// <param name="data">The tensor (not copied).</param>
    /// <param name="name">A name for messages, or null.</param>
    /// <returns>A new leaf variable that requires grad.</returns>
    public static Variable<T> RequiresGrad<T>(this Tensor<T> data, string? name = null)
        where T : unmanaged, IFloatingPointIeee754<T> => new(data, true, name);
}
