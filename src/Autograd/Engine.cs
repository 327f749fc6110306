using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// The backward walk. It finds the ops reachable from the roots (iteratively, so graphs of any depth work), runs them
/// newest first (an op is always newer than the ops that produced its inputs, so this is a reverse topological order,
/// and the same graph always runs in the same order: bit-reproducible), and frees exactly the ops it ran unless asked
/// to retain them. All scratch state lives in the pass's own <see cref="Gradients{T}"/>.
/// </summary>
internal static class Engine
{
    internal const string FreedAdvice =
        "pass retainGraph: true to the earlier backward to go through the same graph again";

    /// <summary>Back-propagates from <paramref name="roots"/> into the leaves' <see cref="Variable{T}.Grad"/>.</summary>
    public static void Backward<T>(IReadOnlyList<Variable<T>> roots, IReadOnlyList<Tensor<T>?>? gradients, bool retainGraph)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(roots, gradients, retainGraph, inputs: null, allowUnused: false);

    /// <summary>
    /// One backward pass. With <paramref name="inputs"/> null the leaves' Grad receive the gradients; otherwise only the
    /// ops on a path to an input run and the inputs' gradients are returned, leaving every Grad as it was.
    /// </summary>
    public static Tensor<T>?[]? Run<T>(IReadOnlyList<Variable<T>> roots, IReadOnlyList<Tensor<T>?>? gradients, bool retainGraph,
        IReadOnlyList<Variable<T>>? inputs, bool allowUnused) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string op = inputs is null ? "Backward" : "Grad";
        var seeds = Seeds(roots, gradients, op);
        var order = Reachable(roots, op);
        HashSet<Variable<T>>? targets = null;
        HashSet<Node<T>>? needed = null;
        if (inputs is not null) (targets, needed) = PathsTo(inputs, order);

        var pass = new Gradients<T>(needed, targets);
        for (int r = 0; r < roots.Count; r++) pass.Seed(roots[r], seeds[r]);
        var ran = new List<Node<T>>(order.Count);
        HashSet<T[]>? kept = null;
        Tensor<T>?[]? result = null;
        try
        {
            foreach (var node in order)
            {
                if (needed is not null && !needed.Contains(node)) continue;
                if (pass.OutputsOf(node) is not { } gradOutputs) continue;
                var nodeInputs = node.Inputs ?? throw Freed(node, op);
                node.CheckSavedVersions();
                pass.Enter(node, nodeInputs);
                node.RunBackward(gradOutputs, pass);
                pass.CheckWritten();
                ran.Add(node);
            }
            pass.FlushDeferred();
            if (inputs is null) kept = pass.WriteLeafGrads();
            else
            {
                result = new Tensor<T>?[inputs.Count];
                for (int i = 0; i < inputs.Count; i++)
                {
                    result[i] = pass.Take(inputs[i], ref kept);
                    if (result[i] is null && !allowUnused)
                        throw new InvalidOperationException($"Grad: input {i} ({inputs[i].Describe()}) was not used to compute the outputs; pass allowUnused: true to get null for it.");
                }
            }
        }
        finally
        {
            // Every buffer rented in this pass is free again (nothing outside the pass holds one), except those handed out.
            GradientPool<T>.Return(pass.Rented, kept);
        }
        if (!retainGraph) foreach (var node in ran) node.Free();
        return result;
    }

    private static Tensor<T>[] Seeds<T>(IReadOnlyList<Variable<T>> roots, IReadOnlyList<Tensor<T>?>? gradients, string op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(roots);
        if (roots.Count == 0) throw new ArgumentException($"{op}: no outputs to back-propagate from.", nameof(roots));
        if (gradients is not null && gradients.Count != roots.Count)
            throw new ArgumentException($"{op}: {gradients.Count} upstream gradients given for {roots.Count} outputs.", nameof(gradients));
        var seeds = new Tensor<T>[roots.Count];
        for (int r = 0; r < roots.Count; r++)
        {
            var root = roots[r] ?? throw new ArgumentNullException(nameof(roots), $"{op}: output {r} is null.");
            string which = roots.Count == 1 ? "the output" : $"output {r}";
            if (!root.RequiresGrad)
                throw new InvalidOperationException($"{op}: {which} does not require grad and has no GradFn (was it made under NoGrad, or from leaves without requiresGrad?).");
            var g = gradients?[r];
            if (g is null)
            {
                if (root.Length != 1)
                    throw new InvalidOperationException($"{op}: {which} has shape {root.Data.ShapeString}; a non-scalar output needs an explicit upstream gradient.");
                g = Tensor.Ones<T>(root.Data.ShapeArray);
            }
            else if (!g.SameShape(root.Data))
                throw new ArgumentException($"{op}: upstream gradient shape {g.ShapeString} does not match {which}'s {root.Data.ShapeString}.", nameof(gradients));
            seeds[r] = g;
        }
        return seeds;
    }

    /// <summary>The ops reachable from the roots, newest first.</summary>
    private static List<Node<T>> Reachable<T>(IReadOnlyList<Variable<T>> roots, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var order = new List<Node<T>>();
        var seen = new HashSet<Node<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node<T>>();
        foreach (var root in roots)
            if (root.GradFn is { } fn && seen.Add(fn)) stack.Push(fn);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            var inputs = node.Inputs ?? throw Freed(node, op);
            order.Add(node);
            foreach (var v in inputs)
                if (v.GradFn is { } fn && seen.Add(fn)) stack.Push(fn);
        }
        order.Sort(static (a, b) => b.Sequence.CompareTo(a.Sequence));
        return order;
    }

    /// <summary>For Autograd.Grad: the requested inputs, and the ops with a path to one of them.</summary>
    private static (HashSet<Variable<T>>, HashSet<Node<T>>) PathsTo<T>(IReadOnlyList<Variable<T>> inputs, List<Node<T>> order)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var targets = new HashSet<Variable<T>>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++)
        {
            var v = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"Grad: input {i} is null.");
            if (!v.RequiresGrad) throw new InvalidOperationException($"Grad: input {i} ({v.Describe()}) does not require grad.");
            targets.Add(v);
        }
        var needed = new HashSet<Node<T>>(ReferenceEqualityComparer.Instance);
        for (int n = order.Count - 1; n >= 0; n--) // oldest first: an op's producers are decided before it
        {
            foreach (var v in order[n].Inputs!)
            {
                if (!targets.Contains(v) && !(v.GradFn is { } fn && needed.Contains(fn))) continue;
                needed.Add(order[n]);
                break;
            }
        }
        return (targets, needed);
    }

    private static InvalidOperationException Freed(Node node, string op) =>
        new($"{op}: the graph through {node.Name} was already freed by an earlier backward pass; {FreedAdvice}.{node.Origin}");
}
