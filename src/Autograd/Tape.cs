namespace MiniTorch.Autograd;

/// <summary>
/// The per-thread record of differentiable ops in execution order. Each thread records on its own tape, so models
/// trained on different threads do not interfere. <see cref="Variable{T}.Backward"/> walks the tape in reverse from
/// the variable's op, then (unless asked to retain it) frees every entry up to that op.
/// </summary>
public sealed class Tape
{
    [ThreadStatic] private static Tape? t_current;

    private readonly List<Node> _nodes = new();

    private Tape() { }

    /// <summary>Why a graph can be freed, and what to do about it: shared by every freed-graph error.</summary>
    internal const string FreedGraphAdvice =
        "(a Backward frees every op recorded on this thread before its output, other graphs' ops too). Pass retainGraph: true to the first Backward to go through it twice, or call Backward on outputs in the order they were computed.";

    /// <summary>The calling thread's tape.</summary>
    public static Tape Current => t_current ??= new Tape();

    /// <summary>Ops recorded and not yet freed.</summary>
    public int Count => _nodes.Count;

    /// <summary>Frees every recorded op (e.g. after a forward pass whose backward was never run).</summary>
    public void Clear() => Release(_nodes.Count - 1);

    internal Node this[int index] => _nodes[index];

    internal void Record(Node node)
    {
        node.Tape = this;
        node.TapeIndex = _nodes.Count;
        _nodes.Add(node);
    }

    /// <summary>Frees entries 0..<paramref name="last"/> and renumbers the rest.</summary>
    internal void Release(int last)
    {
        int n = last + 1;
        for (int i = 0; i < n; i++) _nodes[i].Free();
        _nodes.RemoveRange(0, n);
        for (int i = 0; i < _nodes.Count; i++) _nodes[i].TapeIndex = i;
    }
}

/// <summary>The type-independent part of a recorded op: its place on a tape and whether it has been freed.</summary>
public abstract class Node
{
    internal Tape? Tape;
    internal int TapeIndex = -1;

    /// <summary>True once a backward pass (without retainGraph) has released this op.</summary>
    public bool IsFreed { get; private set; }

    /// <summary>The op's name for messages (the class name by default).</summary>
    public virtual string Name
    {
        get
        {
            var n = GetType().Name;
            int tick = n.IndexOf('`');
            return tick >= 0 ? n[..tick] : n;
        }
    }

    internal void Free()
    {
        IsFreed = true;
        ReleaseSaved();
    }

    /// <summary>Drops references the op holds for backward.</summary>
    private protected abstract void ReleaseSaved();
}

/// <summary>Scopes in which ops are not recorded (PyTorch's <c>torch.no_grad()</c>).</summary>
public static class GradMode
{
    [ThreadStatic] private static int t_disabled;

    /// <summary>Whether ops on this thread are recorded.</summary>
    public static bool IsEnabled => t_disabled == 0;

    /// <summary>Until disposed, ops on this thread record nothing and their results do not require grad.</summary>
    public static NoGradScope NoGrad()
    {
        t_disabled++;
        return new NoGradScope();
    }

    /// <summary>The scope returned by <see cref="NoGrad"/>.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        /// <summary>Re-enables recording (when the outermost scope ends).</summary>
        public void Dispose() => t_disabled--;
    }
}
