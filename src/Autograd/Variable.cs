using System.Numerics;
using MiniTorch.Autograd.Functions;

namespace MiniTorch.Autograd;

/// <summary>
/// A tensor that takes part in automatic differentiation (PyTorch's <c>Tensor</c> with <c>requires_grad</c>).
/// Leaves are made with <c>requiresGrad: true</c>; every op on a variable that requires grad is recorded on the
/// current thread's <see cref="Tape"/>, and <see cref="Backward"/> walks that tape in reverse.
/// </summary>
public sealed partial class Variable<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Wraps <paramref name="data"/> (no copy) as a leaf.</summary>
    public Variable(Tensor<T> data, bool requiresGrad = false, string? name = null)
    {
        Data = data;
        RequiresGrad = requiresGrad;
        Name = name;
    }

    /// <summary>The values.</summary>
    public Tensor<T> Data { get; }

    /// <summary>The accumulated gradient of a leaf that requires grad; null until a backward reaches it.</summary>
    public Tensor<T>? Grad { get; set; }

    /// <summary>Whether gradients flow to (and, for a leaf, accumulate in) this variable.</summary>
    public bool RequiresGrad { get; }

    /// <summary>An optional name, used in error messages and reports.</summary>
    public string? Name { get; set; }

    /// <summary>The recorded op that produced this variable; null for a leaf.</summary>
    public Function<T>? GradFn { get; internal set; }

    /// <summary>True when the variable was not produced by a recorded op.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>The shape of <see cref="Data"/>.</summary>
    public ReadOnlySpan<int> Shape => Data.Shape;

    /// <summary>The number of axes.</summary>
    public int Rank => Data.Rank;

    /// <summary>The number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>The size of one axis (negative counts from the end).</summary>
    public int Dim(int axis) => Data.Dim(axis);

    /// <summary>The single value of a one-element variable.</summary>
    public T Item() => Data.Item();

    // Engine state during a backward pass: the gradient gathered so far and whether the engine owns its buffer.
    internal Tensor<T>? Pending;
    internal bool PendingOwned;
    internal bool Touched;
    // Deferred products aᵀ·g for a leaf's gradient, summed as one stacked GEMM when the backward ends.
    internal List<(Tensor<T> A, Tensor<T> G)>? DeferredProducts;

    /// <summary>
    /// Back-propagates from this variable: walks the tape in reverse and accumulates into the <see cref="Grad"/> of
    /// every leaf that requires grad. A non-scalar needs an explicit upstream <paramref name="gradient"/>.
    /// Unless <paramref name="retainGraph"/>, the part of the tape up to this variable is freed afterwards.
    /// </summary>
    public void Backward(Tensor<T>? gradient = null, bool retainGraph = false) => Engine.Backward(this, gradient, retainGraph);

    /// <summary>A new leaf sharing <see cref="Data"/> that does not require grad: the graph is cut here.</summary>
    public Variable<T> Detach() => new(Data, false, Name);

    /// <summary>Fills <see cref="Grad"/> with zeros (keeping its buffer), as <c>zero_grad(set_to_none=False)</c>.</summary>
    public void ZeroGrad() => Grad?.Fill(T.Zero);

    /// <summary>Shape, dtype and values, plus the producing op.</summary>
    public override string ToString() =>
        Data + (GradFn is not null ? $", grad_fn={GradFn.Name}" : RequiresGrad ? ", requires_grad=True" : "");
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
    /// <param name="a">The variable.</param>
    /// <returns>A new variable of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator -(Variable<T> a) => new Scale<T>(-T.One).Apply(a);
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
    /// <param name="s">The scalar (a constant: no gradient flows to it).</param>
    /// <param name="a">The variable.</param>
    /// <returns>A new variable of the shape of <paramref name="a"/>, recorded for backward.</returns>
    public static Variable<T> operator -(T s, Variable<T> a) => new AddScalar<T>(s).Apply(new Scale<T>(-T.One).Apply(a));
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
