using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// A recorded op in a graph (PyTorch's <c>grad_fn</c>), independent of the element type. The graph belongs to its
/// outputs: a result holds its node, the node holds its inputs, and nothing else refers to it, so a graph that is
/// dropped without a backward pass is collected like any other object.
/// </summary>
public abstract class Node
{
    private static long s_created;

    /// <summary>When the op was recorded, process-wide: an op always comes after the ops that produced its inputs.</summary>
    internal long Sequence;

    /// <summary>Where the op was recorded (a stack trace), kept only under <see cref="Autograd.DetectAnomaly"/>.</summary>
    internal string? CreatedAt;

    private protected Node() { }

    /// <summary>True once a backward pass (without retainGraph) has run this op and released what it saved.</summary>
    public bool IsFreed { get; private protected set; }

    /// <summary>The op's name for messages (the class name without its generic arity, by default).</summary>
    public virtual string Name => TypeName(GetType());

    /// <summary>A type's name without the generic arity ("Tanh", not "Tanh`1").</summary>
    internal static string TypeName(Type type)
    {
        var n = type.Name;
        int tick = n.IndexOf('`');
        return tick >= 0 ? n[..tick] : n;
    }

    /// <summary>Gives the op its place in the creation order (and, under anomaly detection, where it was created).</summary>
    private protected void Stamp(bool anomaly)
    {
        Sequence = Interlocked.Increment(ref s_created);
        if (anomaly) CreatedAt = Environment.StackTrace;
    }

    /// <summary>
    /// Identity of recorded ops for the engine's sets and maps, hashed by <see cref="Sequence"/>: unique per recorded op,
    /// and unlike <see cref="System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(object)"/> it costs the runtime
    /// nothing (the graph's ops are new objects in every step).
    /// </summary>
    internal sealed class Identity : IEqualityComparer<Node>
    {
        public static readonly Identity Instance = new();
        public bool Equals(Node? x, Node? y) => ReferenceEquals(x, y);
        public int GetHashCode(Node node) => node.Sequence.GetHashCode();
    }

    /// <summary>" (created at ...)" when anomaly detection recorded where, else empty.</summary>
    internal string Origin => CreatedAt is null ? "" : $" (created at:{Environment.NewLine}{CreatedAt})";
}

/// <summary>
/// The engine's view of a recorded op on <typeparamref name="T"/>: its inputs, its number of outputs and its backward.
/// Write ops by subclassing <see cref="Function{T}"/> (one output) or <see cref="MultiOutputFunction{T}"/>.
/// </summary>
public abstract class Node<T> : Node where T : unmanaged, IFloatingPointIeee754<T>
{
    private Variable<T>[]? _inputs;
    private List<(Tensor<T> Tensor, int Version)>? _savedVersions;
    private List<T[]>? _savedBuffers;
    private bool _applied;

    private protected Node() { }

    /// <summary>The variables this op was applied to (null once freed, and for an op that was not recorded).</summary>
    internal Variable<T>[]? Inputs => _inputs;

    /// <summary>How many outputs the op produced.</summary>
    internal abstract int OutputCount { get; }

    /// <summary>Runs the op's backward: one gradient per output (null where none arrived, i.e. zero).</summary>
    internal abstract void RunBackward(Tensor<T>?[] gradOutputs, Gradients<T> grads);

    /// <summary>Whether input <paramref name="i"/> needs a gradient (valid during Forward; in Backward use <see cref="Gradients{T}.Needs"/>).</summary>
    /// <param name="i">The input's position.</param>
    /// <returns>True when that input takes part in differentiation.</returns>
    protected bool NeedsGrad(int i) => _inputs is not null && _inputs[i].RequiresGrad;

    /// <summary>
    /// Declares tensors this op keeps for its backward (PyTorch's <c>save_for_backward</c>): their versions are noted
    /// now and checked before the backward runs, so an in-place write to one of them in between fails with a clear
    /// error instead of giving wrong gradients. Call it from Forward; keep your own references to the tensors.
    /// </summary>
    /// <param name="tensors">Inputs or results the backward will read.</param>
    protected void SaveForBackward(params Tensor<T>[] tensors)
    {
        if (_inputs is null) return; // not recorded: there will be no backward
        _savedVersions ??= new(tensors.Length);
        foreach (var t in tensors) _savedVersions.Add((t, t.Version));
    }

    /// <summary>
    /// A zero-filled tensor for values this op keeps for its backward and never hands out (never its output). The buffer
    /// comes from a pool and returns to it when the graph is freed, or as soon as Forward returns when the op is not
    /// recorded (no-grad inference keeps nothing), so neither a training loop nor a sampling loop allocates it afresh
    /// every step. Call it from Forward.
    /// </summary>
    /// <param name="shape">The tensor's shape.</param>
    /// <returns>A zero-filled tensor of that shape.</returns>
    protected Tensor<T> SavedBuffer(params int[] shape) => GradientPool<T>.Zeros(shape, _savedBuffers ??= new());

    /// <summary>As <see cref="SavedBuffer"/>, not zeroed: for an op that writes every element before reading any.</summary>
    private protected Tensor<T> SavedBufferToWrite(params int[] shape) => GradientPool<T>.Uninitialized(shape, _savedBuffers ??= new());

    /// <summary>
    /// Marks the instance as used and, when recording, keeps the inputs. Returns whether the op is recorded; reads the
    /// ambient modes once (<paramref name="anomaly"/>: whether anomaly detection is on).
    /// </summary>
    private protected bool Begin(Variable<T>[] inputs, out Tensor<T>[] data, out bool anomaly)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_applied) throw new InvalidOperationException($"{Name}: a Function instance can be applied only once; create a new one per call.");
        _applied = true;
        data = new Tensor<T>[inputs.Length];
        bool record = false;
        for (int i = 0; i < inputs.Length; i++)
        {
            var v = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"{Name}: input {i} is null.");
            data[i] = v.Data;
            record |= v.RequiresGrad;
        }
        int modes = Modes.Current;
        anomaly = (modes & Modes.Anomaly) != 0;
        record &= (modes & Modes.NoGrad) == 0;
        _inputs = record ? inputs : null;
        return record;
    }

    /// <summary>Wraps one forward result as this op's output (recorded or not), after the anomaly check.</summary>
    private protected Variable<T> Finish(Tensor<T> result, bool record, bool anomaly)
    {
        if (result is null) throw new InvalidOperationException($"{Name}: Forward returned null.");
        if (!record) ReleaseSavedBuffers();
        if (anomaly) Anomaly.Check(result, $"{Name} produced a non-finite value in its output 0 (forward)", null);
        if (!record) return new Variable<T>(result);
        Stamp(anomaly);
        return new Variable<T>(result, this, 0);
    }

    /// <summary>Wraps the forward's results as this op's outputs (recorded or not), after the anomaly check.</summary>
    private protected Variable<T>[] Finish(Tensor<T>[] results, bool record, bool anomaly)
    {
        if (anomaly)
            for (int k = 0; k < results.Length; k++)
                Anomaly.Check(results[k], $"{Name} produced a non-finite value in its output {k} (forward)", null);
        if (record) Stamp(anomaly);
        else ReleaseSavedBuffers();
        var outputs = new Variable<T>[results.Length];
        for (int k = 0; k < results.Length; k++)
            outputs[k] = record ? new Variable<T>(results[k], this, k) : new Variable<T>(results[k]);
        return outputs;
    }

    /// <summary>An op that was not recorded has no backward: what it saved for one goes back to the pool at once.</summary>
    private void ReleaseSavedBuffers()
    {
        if (_savedBuffers is null) return;
        GradientPool<T>.Return(_savedBuffers, null);
        _savedBuffers = null;
    }

    /// <summary>Throws if a tensor saved for backward was written in place since it was saved.</summary>
    internal void CheckSavedVersions()
    {
        if (_savedVersions is null) return;
        foreach (var (t, v) in _savedVersions)
        {
            if (t.Version == v) continue;
            throw new InvalidOperationException(
                $"Backward: {Name} saved {Describe(t)} {t.ShapeString} for its backward at version {v}, but it has been modified in place since (now version {t.Version}); " +
                $"its gradient would be wrong. Clone the tensor before changing it, or change it after the backward pass.{Origin}");
        }
    }

    private string Describe(Tensor<T> t)
    {
        if (_inputs is not null)
            for (int i = 0; i < _inputs.Length; i++)
                if (ReferenceEquals(_inputs[i].Data, t))
                    return _inputs[i].Name is { } n ? $"its input {i} ('{n}')" : $"its input {i}";
        return "a result";
    }

    /// <summary>Releases the inputs and everything saved: the op can no longer run backward.</summary>
    internal void Free()
    {
        IsFreed = true;
        Release();
    }

    private void Release()
    {
        _inputs = null;
        _savedVersions = null;
        if (_savedBuffers is not null) GradientPool<T>.Return(_savedBuffers, null);
        _savedBuffers = null;
        OnFreed();
    }

    /// <summary>Override to drop saved tensors early when the graph is freed (optional).</summary>
    protected virtual void OnFreed() { }
}
