using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// One backward pass's scratch state, and where an op's backward delivers its inputs' gradients. Every pass has its
/// own instance, so passes on different threads never share state. This is the one place where broadcasting is undone
/// (a gradient is summed back to its input's shape) and where every gradient's shape is checked against its input's.
/// </summary>
public sealed class Gradients<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The gradient gathered so far for one variable (a leaf, or one output of an op).</summary>
    private sealed class Slot
    {
        public Tensor<T>? Value;
        public bool Owned; // the pass created Value and may add into it in place
        public List<(Tensor<T> A, Tensor<T> G)>? Deferred; // a leaf's products aᵀ·g, summed as one GEMM at the end
    }

    private readonly Dictionary<Node<T>, Slot[]> _opSlots = new(Node.Identity.Instance);
    private readonly Dictionary<Variable<T>, Slot> _leafSlots = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Node<T>>? _needed;
    private readonly HashSet<Variable<T>>? _targets;
    private Dictionary<Tensor<T>, Tensor<T>?>? _transposes;
    private List<Slot>? _written; // slots the current op wrote (anomaly mode)
    private Node<T> _node = null!;
    private Variable<T>[] _inputs = [];
    private readonly Tensor<T>?[] _single = new Tensor<T>?[1];

    /// <summary>Buffers rented from <see cref="GradientPool{T}"/> during this pass, returned when it ends.</summary>
    internal readonly List<T[]> Rented = new();

    /// <param name="needed">For <c>Autograd.Grad</c>: the ops on a path to a requested input (null: every op).</param>
    /// <param name="targets">For <c>Autograd.Grad</c>: the requested inputs (null: every variable that requires grad).</param>
    internal Gradients(HashSet<Node<T>>? needed, HashSet<Variable<T>>? targets)
    {
        _needed = needed;
        _targets = targets;
    }

    /// <summary>Whether <paramref name="v"/> wants a gradient in this pass.</summary>
    internal bool Wants(Variable<T> v) =>
        v.RequiresGrad && (_targets is null || _targets.Contains(v) || (v.GradFn is { } fn && _needed!.Contains(fn)));

    /// <summary>Whether input <paramref name="i"/> wants a gradient; ops may skip computing the others.</summary>
    /// <param name="i">The input's position.</param>
    /// <returns>True when that input's gradient is used.</returns>
    public bool Needs(int i) => Wants(_inputs[i]);

    internal void Enter(Node<T> node, Variable<T>[] inputs)
    {
        _node = node;
        _inputs = inputs;
        if (Anomaly.IsEnabled) (_written ??= new()).Clear();
    }

    private Slot SlotOf(Variable<T> v)
    {
        if (v.GradFn is { } fn)
        {
            if (!_opSlots.TryGetValue(fn, out var slots)) _opSlots[fn] = slots = new Slot[fn.OutputCount];
            return slots[v.OutputIndex] ??= new Slot();
        }
        if (!_leafSlots.TryGetValue(v, out var slot)) _leafSlots[v] = slot = new Slot();
        return slot;
    }

    private Slot Target(int i)
    {
        var slot = SlotOf(_inputs[i]);
        _written?.Add(slot);
        return slot;
    }

    /// <summary>Adds a gradient (already in the variable's shape) to a slot.</summary>
    private static void Add(Slot slot, Tensor<T> grad, bool owned)
    {
        if (slot.Value is null) { slot.Value = grad; slot.Owned = owned; }
        else if (slot.Owned) Tensor.AddInPlace(slot.Value, grad);
        else { slot.Value = slot.Value + grad; slot.Owned = true; }
    }

    /// <summary>Seeds a root's gradient (the caller's tensor: never written).</summary>
    internal void Seed(Variable<T> root, Tensor<T> gradient) => Add(SlotOf(root), gradient, owned: false);

    /// <summary>
    /// Adds <paramref name="grad"/> (the input's shape, or a shape that broadcasts to it) to input <paramref name="i"/>'s
    /// gradient. The engine may keep the tensor without copying: do not modify it afterwards.
    /// </summary>
    /// <param name="i">The input's position.</param>
    /// <param name="grad">The gradient contribution.</param>
    /// <exception cref="InvalidOperationException">The gradient does not reduce to the input's shape.</exception>
    public void Accumulate(int i, Tensor<T> grad)
    {
        ArgumentNullException.ThrowIfNull(grad);
        if (!Needs(i)) return;
        var v = _inputs[i];
        bool owned = false;
        if (!grad.HasShape(v.Shape))
        {
            try { grad = grad.SumToShape(v.Shape); }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"{_node.Name}.Backward: gradient of shape {grad.ShapeString} for input {i} does not reduce to the input's shape {v.Data.ShapeString}.", e);
            }
            owned = true; // a fresh tensor made here
        }
        Add(Target(i), grad, owned);
    }

    /// <summary>
    /// As <see cref="Accumulate"/> for a tensor the op has just made and hands over (nothing else holds it): the pass
    /// may keep it as the gradient and add into it in place, so it is not copied again when a second contribution
    /// arrives or when it becomes a leaf's Grad.
    /// </summary>
    internal void AccumulateFresh(int i, Tensor<T> grad)
    {
        if (!Needs(i)) return;
        if (!grad.HasShape(_inputs[i].Shape)) { Accumulate(i, grad); return; } // reduced to a fresh tensor there
        Add(Target(i), grad, owned: true);
    }

    /// <summary>
    /// Adds to each input i's gradient the window of <paramref name="g"/> at <paramref name="starts"/>[i] along
    /// <paramref name="axis"/>, the input being shaped like the window (its length there) or like it with that axis
    /// removed: the backward of a concat or stack. A contiguous window is handed over as a view; a strided one is
    /// gathered straight into the input's gradient buffer (written when nothing has arrived yet, added otherwise), not
    /// copied into a tensor of its own first; the strided windows are gathered on several threads when together they
    /// are large (64K elements or more), unless two of them land in one buffer (an input that appears twice).
    /// </summary>
    internal void AccumulateSlices(Tensor<T> g, int axis, int[] starts)
    {
        List<(Tensor<T> Buffer, bool Fresh, int Start)>? copies = null;
        long total = 0;
        for (int i = 0; i < starts.Length; i++)
            if (SliceTarget(i, g, axis, starts[i]) is { } copy)
            {
                (copies ??= new()).Add((copy.Buffer, copy.Fresh, starts[i]));
                total += copy.Buffer.Length;
            }
        if (copies is null) return;
        bool shared = copies.Select(c => c.Buffer).Distinct(ReferenceEqualityComparer.Instance).Count() < copies.Count;
        int threads = shared ? 1 : PointwiseThreads.ThreadsFor(total, cheap: true);
        PointwiseThreads.Split(copies.Count, threads, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++) Tensor.NarrowInto(g, axis, copies[c].Start, copies[c].Buffer, accumulate: !copies[c].Fresh);
        });
    }

    /// <summary>
    /// Checks input <paramref name="i"/>'s window of <paramref name="g"/>; hands a contiguous one over as a view and
    /// returns null, or returns the gradient buffer a strided one must be gathered into (and whether it is fresh: written, not added to).
    /// </summary>
    private (Tensor<T> Buffer, bool Fresh)? SliceTarget(int i, Tensor<T> g, int axis, int start)
    {
        if (!Needs(i)) return null;
        var v = _inputs[i];
        int length;
        try { (_, length) = Tensor.CheckSlice(g, axis, start, v.Data, _node.Name, "input"); }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{_node.Name}.Backward: the window at {start} on axis {axis} of a gradient {g.ShapeString} does not fit input {i}'s shape {v.Data.ShapeString}.", e);
        }
        if (Tensor.AroundAxis(g.Shape, axis).outer == 1)
        {
            var view = g.Narrow(axis, start, length);
            Accumulate(i, v.Rank < g.Rank ? view.Squeeze(axis) : view);
            return null;
        }
        var buffer = BufferToWrite(i, out bool fresh);
        return (buffer, fresh);
    }

    /// <summary>
    /// Adds aᵀ·g to input <paramref name="i"/>'s gradient, with a (M, K), g (M, N) and the input (K, N): the weight
    /// gradient of a product a·W. For a leaf the product is deferred: all contributions of one backward pass are
    /// stacked along M and summed with a single large GEMM at the end (e.g. the T per-step products h_{t-1}ᵀ·da_t of
    /// a recurrent layer become one). Both tensors are kept until then: do not modify them.
    /// </summary>
    /// <param name="i">The input's position.</param>
    /// <param name="a">The left factor (M, K).</param>
    /// <param name="g">The right factor (M, N).</param>
    /// <exception cref="InvalidOperationException">The shapes do not give the input's shape.</exception>
    public void AccumulateProduct(int i, Tensor<T> a, Tensor<T> g)
    {
        if (!Needs(i)) return;
        var v = _inputs[i];
        if (a.Rank != 2 || g.Rank != 2 || a.Shape[0] != g.Shape[0] || !v.Data.HasShape([a.Shape[1], g.Shape[1]]))
            throw new InvalidOperationException($"{_node.Name}.Backward: aᵀ·g with a {a.ShapeString} and g {g.ShapeString} does not give input {i}'s shape {v.Data.ShapeString}.");
        var slot = Target(i);
        if (v.IsLeaf) (slot.Deferred ??= new()).Add((a, g));
        else Tensor.MatMulInto(a, true, g, false, Owned(slot, v), accumulate: true);
    }

    /// <summary>
    /// Input <paramref name="i"/>'s gradient accumulator (exactly its shape, zeros if nothing arrived yet), for ops
    /// that add into part of it in place, such as a slice or a scatter, instead of building a full-size tensor.
    /// </summary>
    /// <param name="i">The input's position.</param>
    /// <returns>The accumulator; add into it, never overwrite what is there.</returns>
    /// <exception cref="InvalidOperationException">Input <paramref name="i"/> does not need a gradient.</exception>
    public Tensor<T> Buffer(int i)
    {
        if (!Needs(i)) throw new InvalidOperationException($"{_node.Name}.Backward: input {i} does not need a gradient; check Needs({i}) first.");
        return Owned(Target(i), _inputs[i]);
    }

    /// <summary>
    /// Input <paramref name="i"/>'s gradient accumulator for a backward that writes every element of it: when nothing
    /// has arrived for the input yet (and no other input of this op is the same variable), fresh storage that is not
    /// zeroed and <paramref name="fresh"/> = true, so the op overwrites it (a product with accumulate: false);
    /// otherwise <see cref="Buffer"/>'s accumulator and <paramref name="fresh"/> = false, so the op adds into it. Spares
    /// zeroing a buffer only to add into it once.
    /// </summary>
    internal Tensor<T> BufferToWrite(int i, out bool fresh)
    {
        if (!Needs(i)) throw new InvalidOperationException($"{_node.Name}.Backward: input {i} does not need a gradient; check Needs({i}) first.");
        var v = _inputs[i];
        var slot = Target(i);
        fresh = slot.Value is null && Array.IndexOf(_inputs, v) == i && Array.LastIndexOf(_inputs, v) == i;
        return fresh ? Unwritten(slot, v) : Owned(slot, v);
    }

    /// <summary>Gives an empty slot the pass's own unzeroed storage, for a gradient that will be written whole.</summary>
    private Tensor<T> Unwritten(Slot slot, Variable<T> v)
    {
        slot.Value = GradientPool<T>.Uninitialized(v.Data.ShapeArray, Rented);
        slot.Owned = true;
        return slot.Value;
    }

    /// <summary>Whether input <paramref name="i"/> has exactly <paramref name="shape"/> (a gradient of that shape needs no reduction).</summary>
    internal bool InputHasShape(int i, ReadOnlySpan<int> shape) => _inputs[i].Data.HasShape(shape);

    /// <summary>
    /// dst += g·bᵀ (dst = g·bᵀ when <paramref name="accumulate"/> is false). A right operand seen a second time in this pass (a recurrent weight used at every step) is
    /// transposed once and kept for the rest of the pass, so the later products are plain ones, which run about twice
    /// as fast as transposed ones for small batches.
    /// </summary>
    internal void AddProductWithTranspose(Tensor<T> g, Tensor<T> b, Tensor<T> dst, bool accumulate = true)
    {
        if (b.Rank == 2)
        {
            _transposes ??= new(ReferenceEqualityComparer.Instance);
            if (_transposes.TryGetValue(b, out var bt))
            {
                bt ??= _transposes[b] = b.Transpose();
                Tensor.MatMulInto(g, false, bt, false, dst, accumulate);
                return;
            }
            _transposes[b] = null; // seen once
        }
        Tensor.MatMulInto(g, false, b, true, dst, accumulate);
    }

    /// <summary>The slot's value as a buffer the pass owns (rented zeros, or a rented copy of what is there).</summary>
    private Tensor<T> Owned(Slot slot, Variable<T> v)
    {
        if (slot.Value is null) slot.Value = GradientPool<T>.Zeros(v.Data.ShapeArray, Rented);
        else if (!slot.Owned)
        {
            var copy = new Tensor<T>(GradientPool<T>.Rent(slot.Value.Length, Rented), 0, v.Data.ShapeArray);
            slot.Value.AsSpan().CopyTo(copy.AsSpan());
            slot.Value = copy;
        }
        slot.Owned = true;
        return slot.Value;
    }

    /// <summary>
    /// The gradients that arrived for <paramref name="node"/>'s outputs, or null if none did. For a one-output op the
    /// array is the pass's own and is reused for the next op: it is valid only while this op's backward runs.
    /// </summary>
    internal Tensor<T>?[]? OutputsOf(Node<T> node)
    {
        if (!_opSlots.TryGetValue(node, out var slots)) return null;
        if (slots.Length == 1)
        {
            if (slots[0]?.Value is not { } g) return null;
            _single[0] = g;
            return _single;
        }
        Tensor<T>?[]? result = null;
        for (int k = 0; k < slots.Length; k++)
            if (slots[k]?.Value is { } g) (result ??= new Tensor<T>?[slots.Length])[k] = g;
        return result;
    }

    /// <summary>Anomaly mode: throws if the op that just ran wrote a non-finite gradient.</summary>
    internal void CheckWritten()
    {
        if (_written is null) return;
        foreach (var slot in _written)
            if (slot.Value is { } g) Anomaly.Check(g, $"the backward of {_node.Name} produced a non-finite gradient", _node);
    }

    /// <summary>Sums every leaf's deferred products into its gradient (one GEMM over the stacked contributions).</summary>
    internal void FlushDeferred()
    {
        foreach (var (v, slot) in _leafSlots)
        {
            if (slot.Deferred is not { Count: > 0 } list) continue;
            // Nothing else arrived for the leaf: the products write its gradient into unzeroed storage.
            bool fresh = slot.Value is null;
            var pending = fresh ? Unwritten(slot, v) : Owned(slot, v);
            slot.Deferred = null;
            if (list.Count == 1) Tensor.MatMulInto(list[0].A, true, list[0].G, false, pending, accumulate: !fresh);
            else Tensor.AddTransposedProducts(list, pending, accumulate: !fresh); // one GEMM over the contributions' rows, read where they lie
            if (Anomaly.IsEnabled) Anomaly.Check(pending, $"the gradient of leaf {v.Describe()} is non-finite", null);
        }
    }

    /// <summary>
    /// Adds every leaf's gradient into its <see cref="Variable{T}.Grad"/>: all of them are checked first, then written,
    /// so either every leaf changes or none does. Returns the buffers that became a leaf's Grad (not to be recycled).
    /// </summary>
    internal HashSet<T[]>? WriteLeafGrads()
    {
        foreach (var (v, slot) in _leafSlots)
            if (slot.Value is not null && v.Grad is { } existing && !existing.SameShape(v.Data))
                throw new InvalidOperationException($"Backward: the existing Grad of {v.Describe()} has shape {existing.ShapeString}, not the variable's {v.Data.ShapeString}; no gradient was written.");
        HashSet<T[]>? kept = null;
        foreach (var (v, slot) in _leafSlots)
        {
            if (slot.Value is not { } g) continue;
            lock (v.GradLock)
            {
                if (v.Grad is { } existing) Tensor.AddInPlace(existing, g);
                else if (slot.Owned) { v.SetGradUnchecked(g); (kept ??= new(ReferenceEqualityComparer.Instance)).Add(g.Buffer); }
                else v.SetGradUnchecked(g.Clone());
            }
        }
        return kept;
    }

    /// <summary>The gradient gathered for <paramref name="v"/> as a tensor the caller may keep (null if none arrived).</summary>
    internal Tensor<T>? Take(Variable<T> v, ref HashSet<T[]>? kept)
    {
        Slot? slot = v.GradFn is { } fn
            ? (_opSlots.TryGetValue(fn, out var slots) ? slots[v.OutputIndex] : null)
            : _leafSlots.GetValueOrDefault(v);
        if (slot?.Value is not { } g) return null;
        if (!slot.Owned) return g.Clone();
        (kept ??= new(ReferenceEqualityComparer.Instance)).Add(g.Buffer);
        return g;
    }
}
