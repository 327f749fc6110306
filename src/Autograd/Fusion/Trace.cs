using System.Numerics;
using MiniTorch.Autograd.Functions;

namespace MiniTorch.Autograd.Fusion;

/// <summary>
/// The tracing switch: while a fused function is being traced on this thread, <see cref="Function{T}.Apply"/> hands
/// every op to <see cref="Current"/>, which records an expression node instead of computing. Nothing else is global.
/// </summary>
internal abstract class Tracing
{
    [ThreadStatic] private static Tracing? t_current;

    /// <summary>The trace being recorded on this thread, if any.</summary>
    public static Tracing? Current => t_current;

    /// <summary>Records <paramref name="fn"/> applied to <paramref name="inputs"/> and returns the placeholder of its result.</summary>
    public abstract Variable<TV> Record<TV>(Function<TV> fn, Variable<TV>[] inputs) where TV : unmanaged, IFloatingPointIeee754<TV>;

    /// <summary>Makes this trace current until the returned scope is disposed (the previous one is restored).</summary>
    public Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new Scope(previous);
    }

    /// <summary>Restores the previous trace.</summary>
    public readonly struct Scope(Tracing? previous) : IDisposable
    {
        /// <summary>Ends the trace on this thread.</summary>
        public void Dispose() => t_current = previous;
    }
}

/// <summary>An expression node of a traced pointwise function.</summary>
internal sealed class TraceNode<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public required NodeKind Kind { get; init; }
    public required int[] Shape { get; init; }
    public int[] Args { get; init; } = [];
    public UnaryRule<T>? Unary { get; init; }
    public BinaryRule<T>? Binary { get; init; }
    /// <summary>The input's position (Input) or the window's start (Narrow).</summary>
    public int Index { get; init; }
    public int Width => Shape[^1];
}

internal enum NodeKind { Input, Unary, Binary, Narrow, Concat }

/// <summary>
/// Records one traced call: placeholder variables (zero data of the right shape, so user code may read shapes) stand for
/// the arguments; each op applied to them becomes a <see cref="TraceNode{T}"/>, checked as the eager op would check it.
/// </summary>
internal sealed class TraceBuilder<T> : Tracing where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<Variable<T>, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly string _what;

    public TraceBuilder(string what) => _what = what;

    public List<TraceNode<T>> Nodes { get; } = new();

    /// <summary>The placeholder for argument <paramref name="index"/>.</summary>
    public Variable<T> Argument(int index, Variable<T> actual)
    {
        if (actual.Rank == 0)
            throw new ArgumentException($"{_what}: argument {index} is a scalar (shape ()); pass constants as numbers (x * 0.5) or give it shape (1,).");
        return Add(new TraceNode<T> { Kind = NodeKind.Input, Shape = actual.Data.ShapeArray, Index = index }, actual.Name);
    }

    public int IdOf(Variable<T> v, string role) =>
        _ids.TryGetValue(v, out int id) ? id
        : throw new InvalidOperationException($"{_what}: {role} is {Describe(v)}, which is not an argument of the traced function (a captured value). Pass every tensor the function reads as an argument.");

    private static string Describe(Variable<T> v) => v.Name is { } n ? $"the Variable '{n}' of shape {v.Data.ShapeString}" : $"a Variable of shape {v.Data.ShapeString}";

    private Variable<T> Add(TraceNode<T> node, string? name = null)
    {
        var v = new Variable<T>(new Tensor<T>(node.Shape), false, name);
        _ids[v] = Nodes.Count;
        Nodes.Add(node);
        return v;
    }

    /// <summary>A copy of node <paramref name="id"/> (an output must own its tensor).</summary>
    public int Copy(int id)
    {
        Nodes.Add(new TraceNode<T> { Kind = NodeKind.Unary, Shape = Nodes[id].Shape, Args = [id], Unary = IdentityRule<T>.Instance });
        return Nodes.Count - 1;
    }

    public override Variable<TV> Record<TV>(Function<TV> fn, Variable<TV>[] inputs)
    {
        if (typeof(TV) != typeof(T))
            throw new InvalidOperationException($"{_what}: {fn.Name} on {Tensor<TV>.DType} values inside a function traced for {Tensor<T>.DType}; a fused function uses one dtype.");
        var node = Node((Function<T>)(object)fn, (Variable<T>[])(object)inputs);
        return (Variable<TV>)(object)Add(node);
    }

    private TraceNode<T> Node(Function<T> fn, Variable<T>[] inputs)
    {
        int[] Ids() => inputs.Select((v, i) => IdOf(v, $"input {i} of {fn.Name}")).ToArray();
        Tensor<T> Data(int id) => new(Nodes[id].Shape);
        switch (fn)
        {
            case UnaryFunction<T> u:
                {
                    var args = Ids();
                    return new TraceNode<T> { Kind = NodeKind.Unary, Shape = Nodes[args[0]].Shape, Args = args, Unary = u.Rule };
                }
            case BinaryFunction<T> b:
                {
                    var args = Ids();
                    int[] sa = Nodes[args[0]].Shape, sb = Nodes[args[1]].Shape;
                    var shape = Shapes.Broadcast(sa, sb, b.Rule.Name); // the eager op's check and message
                    if (sa[^1] != sb[^1])
                        throw new ArgumentException($"{_what}: {b.Rule.Name} of shapes {Shapes.Str(sa)} and {Shapes.Str(sb)} broadcasts the last axis; in a fused function only leading axes may broadcast (a bias row (H,) against (N, H) is fine).");
                    return new TraceNode<T> { Kind = NodeKind.Binary, Shape = shape, Args = args, Binary = b.Rule };
                }
            case Narrow<T> n:
                {
                    var args = Ids();
                    var shape = Data(args[0]).Narrow(n.Axis, n.Start, n.Length).ShapeArray; // the eager op's checks
                    if (Shapes.Axis(n.Axis, shape.Length, "Narrow") != shape.Length - 1)
                        throw new ArgumentException($"{_what}: Narrow on axis {n.Axis} of shape {Shapes.Str(Nodes[args[0]].Shape)}; a fused function may narrow only the last axis.");
                    return new TraceNode<T> { Kind = NodeKind.Narrow, Shape = shape, Args = args, Index = n.Start };
                }
            case Concat<T> c:
                {
                    var args = Ids();
                    var shape = Tensor.Concat(args.Select(Data).ToArray(), c.Axis).ShapeArray; // the eager op's checks
                    if (Shapes.Axis(c.Axis, shape.Length, "Concat") != shape.Length - 1)
                        throw new ArgumentException($"{_what}: Concat on axis {c.Axis} of shapes {string.Join(", ", args.Select(a => Shapes.Str(Nodes[a].Shape)))}; a fused function may concatenate only along the last axis.");
                    return new TraceNode<T> { Kind = NodeKind.Concat, Shape = shape, Args = args };
                }
            default:
                throw new NotSupportedException($"{_what}: {fn.Name} is not a pointwise op; a fused function may use only elementwise ops (unary, binary with broadcasting of leading axes, scalar constants) and Narrow/Concat on the last axis. Apply {fn.Name} outside the fused function and pass its result in.");
        }
    }
}

/// <summary>y = x (an argument returned as a result); the derivative is the constant 1.</summary>
internal sealed class IdentityRule<T> : UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static readonly IdentityRule<T> Instance = new();
    public override string Name => "Identity";
    public override RuleUses Uses => RuleUses.None;
    public override bool IsCheap => true;
    public override void Forward(ReadOnlySpan<T> x, Span<T> y) => x.CopyTo(y);
    public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) => g.CopyTo(dx);
    public override bool HasConstantDerivative(out T value) { value = T.One; return true; }
    public override string Format(string x) => x;
}
