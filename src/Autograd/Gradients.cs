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

    /// <summary>Buffers rented from <see cref="GradientPool{T}"/> during this pass.</summary>
    internal readonly List<T[]> Rented = new();

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
                ? $"Backward: input {i} of {_node.Name} was produced by {fn.Name}, whose graph was already freed by an earlier Backward {Tape.FreedGraphAdvice}"
                : $"Backward: input {i} of {_node.Name} was produced by {fn.Name} on another thread's tape; graphs cannot cross threads.");
        if (!v.Touched) { v.Touched = true; _touched.Add(v); }
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
    /// Adds aᵀ·g to input <paramref name="i"/>'s gradient, with a (M, K), g (M, N) and the input (K, N): the weight
    /// gradient of a product a·W. For a leaf the product is deferred: all contributions of one backward pass are
    /// stacked along M and summed with a single large GEMM at the end (e.g. the T per-step products h_{t-1}ᵀ·da_t of
    /// a recurrent layer become one). Both tensors are kept until then: do not modify them.
    /// </summary>
    public void AccumulateProduct(int i, Tensor<T> a, Tensor<T> g)
    {
        if (!Needs(i)) return;
        var v = Target(i);
        if (a.Rank != 2 || g.Rank != 2 || a.Shape[0] != g.Shape[0] || !v.Data.HasShape([a.Shape[1], g.Shape[1]]))
            throw new InvalidOperationException($"{_node.Name}.Backward: aᵀ·g with a {a.ShapeString} and g {g.ShapeString} does not give input {i}'s shape {v.Data.ShapeString}.");
        if (v.IsLeaf) (v.DeferredProducts ??= new()).Add((a, g));
        else Tensor.MatMulInto(a, true, g, false, Buffer(i), accumulate: true);
    }

    /// <summary>Sums a leaf's deferred products into its pending gradient: one GEMM over the stacked contributions.</summary>
    internal void FlushDeferred(Variable<T> v)
    {
        if (v.DeferredProducts is not { Count: > 0 } list) return;
        var pending = Owned(v);
        if (list.Count == 1) { Tensor.MatMulInto(list[0].A, true, list[0].G, false, pending, accumulate: true); return; }
        int rows = 0, k = list[0].A.Shape[1], n = list[0].G.Shape[1];
        foreach (var (a, _) in list) rows += a.Shape[0];
        var stackedA = new Tensor<T>(GradientPool<T>.Rent(rows * k, Rented), 0, [rows, k]);
        var stackedG = new Tensor<T>(GradientPool<T>.Rent(rows * n, Rented), 0, [rows, n]);
        int at = 0;
        foreach (var (a, g) in list)
        {
            a.AsSpan().CopyTo(stackedA.AsSpan()[(at * k)..]);
            g.AsSpan().CopyTo(stackedG.AsSpan()[(at * n)..]);
            at += a.Shape[0];
        }
        Tensor.MatMulInto(stackedA, true, stackedG, false, pending, accumulate: true);
    }

    /// <summary>The variable's pending gradient as a buffer the engine owns (rented zeros, or a rented copy).</summary>
    private Tensor<T> Owned(Variable<T> v)
    {
        if (v.Pending is null) v.Pending = GradientPool<T>.Zeros(v.Data.ShapeArray, Rented);
        else if (!v.PendingOwned)
        {
            var copy = new Tensor<T>(GradientPool<T>.Rent(v.Pending.Length, Rented), 0, v.Data.ShapeArray);
            v.Pending.AsSpan().CopyTo(copy.AsSpan());
            v.Pending = copy;
        }
        v.PendingOwned = true;
        return v.Pending;
    }

    /// <summary>
    /// Input <paramref name="i"/>'s gradient accumulator (exactly its shape, zeros if nothing arrived yet), for ops
    /// that add into part of it in place, such as a slice or a scatter, instead of building a full-size tensor.
    /// </summary>
    public Tensor<T> Buffer(int i)
    {
        if (!Needs(i)) throw new InvalidOperationException($"{_node.Name}.Backward: input {i} does not need a gradient; check Needs({i}) first.");
        return Owned(Target(i));
    }
}
