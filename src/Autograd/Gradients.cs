using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// Where an op's backward delivers its inputs' gradients. This is the one place where broadcasting is undone (a
/// gradient is summed back to its input's shape) and where every gradient's shape is checked against its input's.
/// </summary>
public sealed class Gradients<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tape _tape;
    private readonly List<Variable<T>> _touched;
    private Function<T> _node = null!;
    private Variable<T>[] _inputs = [];

    internal Gradients(Tape tape, List<Variable<T>> touched)
    {
        _tape = tape;
        _touched = touched;
    }

    internal void Enter(Function<T> node)
    {
        _node = node;
        _inputs = node.Inputs ?? throw new InvalidOperationException($"{node.Name}: backward reached an op whose graph was freed.");
    }

    /// <summary>Whether input <paramref name="i"/> wants a gradient; ops may skip computing the others.</summary>
    public bool Needs(int i) => _inputs[i].RequiresGrad;

    private Variable<T> Target(int i)
    {
        var v = _inputs[i];
        if (v.GradFn is { } fn && (fn.IsFreed || fn.Tape != _tape))
            throw new InvalidOperationException(fn.IsFreed
                ? $"Backward: input {i} of {_node.Name} was produced by {fn.Name}, whose graph was already freed by an earlier Backward (a Backward frees every op recorded on this thread before its output, other graphs' ops too). Pass retainGraph: true to the first Backward to go through it twice, or call Backward on outputs in the order they were computed."
                : $"Backward: input {i} of {_node.Name} was produced by {fn.Name} on another thread's tape; graphs cannot cross threads.");
        if (v.Pending is null) _touched.Add(v);
        return v;
    }

    /// <summary>
    /// Adds <paramref name="grad"/> (the input's shape, or a shape that broadcasts to it) to input <paramref name="i"/>'s
    /// gradient. The engine may keep the tensor without copying: do not modify it afterwards.
    /// </summary>
    public void Accumulate(int i, Tensor<T> grad)
    {
        if (!Needs(i)) return;
        var v = Target(i);
        if (!grad.HasShape(v.Shape))
        {
            Tensor<T> reduced;
            try { reduced = grad.SumToShape(v.Shape); }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"{_node.Name}.Backward: gradient of shape {grad.ShapeString} for input {i} does not reduce to the input's shape {v.Data.ShapeString}.", e);
            }
            grad = reduced;
            if (v.Pending is null) { v.Pending = grad; v.PendingOwned = true; return; }
        }
        if (v.Pending is null) { v.Pending = grad; v.PendingOwned = false; }
        else if (v.PendingOwned) Tensor.AddInPlace(v.Pending, grad);
        else { v.Pending = v.Pending + grad; v.PendingOwned = true; }
    }

    /// <summary>
    /// Input <paramref name="i"/>'s gradient accumulator (exactly its shape, zeros if nothing arrived yet), for ops
    /// that add into part of it in place, such as a slice or a scatter, instead of building a full-size tensor.
    /// </summary>
    public Tensor<T> Buffer(int i)
    {
        if (!Needs(i)) throw new InvalidOperationException($"{_node.Name}.Backward: input {i} does not need a gradient; check Needs({i}) first.");
        var v = Target(i);
        if (v.Pending is null) v.Pending = new Tensor<T>(v.Data.ShapeArray);
        else if (!v.PendingOwned) v.Pending = v.Pending.Clone();
        v.PendingOwned = true;
        return v.Pending;
    }
}
