using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>The reverse walk over the tape (no recursion, so graphs of any depth back-propagate).</summary>
internal static class Engine
{
    public static void Backward<T>(Variable<T> root, Tensor<T>? gradient, bool retainGraph) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException("Backward: this variable does not require grad and has no GradFn (was it made under NoGrad, or from leaves without requiresGrad?).");
        if (gradient is null)
        {
            if (root.Length != 1)
                throw new InvalidOperationException($"Backward: the output has shape {root.Data.ShapeString}; a non-scalar output needs an explicit upstream gradient.");
            gradient = Tensor.Ones<T>(root.Data.ShapeArray);
        }
        else if (!gradient.SameShape(root.Data))
            throw new ArgumentException($"Backward: upstream gradient shape {gradient.ShapeString} does not match the output's {root.Data.ShapeString}.");

        var tape = Tape.Current;
        var touched = new List<Variable<T>> { root };
        var start = root.GradFn;
        if (start is not null)
        {
            if (start.IsFreed)
                throw new InvalidOperationException($"Backward: the graph of {start.Name} was already freed by an earlier Backward {Tape.FreedGraphAdvice}");
            if (start.Tape != tape)
                throw new InvalidOperationException($"Backward: {start.Name} was recorded on another thread's tape; call Backward on the thread that ran the forward pass.");
        }
        root.Pending = gradient;
        root.PendingOwned = false;
        root.Touched = true;
        var grads = new Gradients<T>(tape, touched);
        HashSet<T[]>? kept = null;
        try
        {
            if (start is not null)
            {
                for (int i = start.TapeIndex; i >= 0; i--)
                {
                    if (tape[i] is not Function<T> fn || fn.Output is not { Pending: { } g } output) continue;
                    grads.Enter(fn);
                    fn.Backward(g, grads);
                    output.Pending = null;
                }
            }
            // Only now, with every gradient computed, do leaves change: a failure above leaves every .Grad as it was.
            foreach (var v in touched) grads.FlushDeferred(v);
            foreach (var v in touched)
            {
                if (v.Pending is null || !v.IsLeaf || !v.RequiresGrad) continue;
                if (v.Grad is not null) Tensor.AddInPlace(v.Grad, v.Pending);
                else if (!v.PendingOwned) v.Grad = v.Pending.Clone();
                else (kept ??= new(ReferenceEqualityComparer.Instance)).Add((v.Grad = v.Pending).Buffer); // the leaf keeps this buffer
            }
        }
        finally
        {
            // Every buffer rented in this pass is free again (nothing outside the pass holds one), but leaf grads.
            GradientPool<T>.Return(grads.Rented, kept);
            foreach (var v in touched) { v.Pending = null; v.PendingOwned = false; v.Touched = false; v.DeferredProducts = null; }
        }
        if (!retainGraph && start is not null) tape.Release(start.TapeIndex);
    }
}
