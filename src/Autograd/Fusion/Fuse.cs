using System.Collections.Concurrent;
using System.Numerics;

namespace MiniTorch.Autograd.Fusion;

/// <summary>
/// The pointwise fusion compiler (the elementwise part of what torch.compile, XLA or tinygrad do). Write a function of
/// variables with the ordinary elementwise ops (unary ops, binary ops with broadcasting of leading axes such as a bias
/// row, scalar constants) and Narrow/Concat on the last axis; <c>Fuse.Pointwise</c> returns a function that computes
/// the same values and gradients as one recorded op:
/// <list type="bullet">
/// <item>the function is traced once per set of input shapes (cached; thread-safe) into an expression graph;</item>
/// <item>the forward walks the rows once, evaluating every node on a chunk of rows in a small scratch area (no full-size
/// intermediates);</item>
/// <item>the backward applies each traced primitive's own derivative rule (<see cref="UnaryRule{T}"/>,
/// <see cref="BinaryRule{T}"/>, the same code the eager ops run) in reverse, also in one walk; it reads the inputs, the
/// outputs and the values of expensive nodes saved by the forward, and recomputes cheap ones.</item>
/// </list>
/// A user-defined <see cref="UnaryRule{T}"/> or <see cref="BinaryRule{T}"/> fuses like a built-in one.
/// <para>
/// Limits: no data-dependent control flow (the function is traced on placeholder values, zeros); every tensor it reads
/// must be an argument (a captured variable is an error naming it); every output spans all rows (the broadcast of the
/// arguments' leading axes); ops other than the pointwise ones (MatMul, reductions, Select, Reshape...) are an error
/// naming the op: apply them outside and pass the result in.
/// </para>
/// </summary>
/// <example>
/// The LSTM cell's gates, from the pre-activation a (N, 4H) and the previous cell state c (N, H):
/// <code>
/// var cell = Fuse.Pointwise((Variable&lt;float&gt; a, Variable&lt;float&gt; c) =&gt;
/// {
///     int h = a.Dim(-1) / 4;
///     var i = a.Narrow(-1, 0, h).Sigmoid();
///     var f = a.Narrow(-1, h, h).Sigmoid();
///     var o = a.Narrow(-1, 2 * h, h).Sigmoid();
///     var g = a.Narrow(-1, 3 * h, h).Tanh();
///     var cNext = f * c + i * g;
///     return (o * cNext.Tanh(), cNext);
/// });
/// var (hNext, cNext) = cell(a, c);
/// </code>
/// </example>
public static class Fuse
{
    /// <summary>Compiles a pointwise function of one variable.</summary>
    /// <param name="f">The function (traced once per input shape).</param>
    /// <returns>A function with the same values and gradients, run as one op.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    public static Func<Variable<T>, Variable<T>> Pointwise<T>(Func<Variable<T>, Variable<T>> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var fn = new PointwiseFunction<T>(v => [f(v[0])], 1, Label(f));
        return a => fn.Apply(a)[0];
    }

    /// <summary>Compiles a pointwise function of two variables.</summary>
    /// <param name="f">The function (traced once per input shapes).</param>
    /// <returns>A function with the same values and gradients, run as one op.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    public static Func<Variable<T>, Variable<T>, Variable<T>> Pointwise<T>(Func<Variable<T>, Variable<T>, Variable<T>> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var fn = new PointwiseFunction<T>(v => [f(v[0], v[1])], 2, Label(f));
        return (a, b) => fn.Apply(a, b)[0];
    }

    /// <summary>Compiles a pointwise function of three variables.</summary>
    /// <param name="f">The function (traced once per input shapes).</param>
    /// <returns>A function with the same values and gradients, run as one op.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    public static Func<Variable<T>, Variable<T>, Variable<T>, Variable<T>> Pointwise<T>(Func<Variable<T>, Variable<T>, Variable<T>, Variable<T>> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var fn = new PointwiseFunction<T>(v => [f(v[0], v[1], v[2])], 3, Label(f));
        return (a, b, c) => fn.Apply(a, b, c)[0];
    }

    /// <summary>Compiles a pointwise function of two variables with two results (an LSTM cell's h and c).</summary>
    /// <param name="f">The function (traced once per input shapes).</param>
    /// <returns>A function with the same values and gradients, run as one op.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    public static Func<Variable<T>, Variable<T>, (Variable<T>, Variable<T>)> Pointwise<T>(Func<Variable<T>, Variable<T>, (Variable<T>, Variable<T>)> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var fn = new PointwiseFunction<T>(v => { var (x, y) = f(v[0], v[1]); return [x, y]; }, 2, Label(f));
        return (a, b) => { var r = fn.Apply(a, b); return (r[0], r[1]); };
    }

    /// <summary>Compiles a pointwise function of any number of variables with any number of results.</summary>
    /// <param name="f">The function: receives one variable per argument, returns its results (traced once per input shapes).</param>
    /// <param name="arity">The number of arguments (≥ 1).</param>
    /// <returns>The compiled function; call <see cref="PointwiseFunction{T}.Apply"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="arity"/> is not between 1 and 64.</exception>
    public static PointwiseFunction<T> Pointwise<T>(Func<Variable<T>[], Variable<T>[]> f, int arity) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        return new PointwiseFunction<T>(f, arity, Label(f));
    }

    private static string Label(Delegate f) => "Fuse.Pointwise";
}

/// <summary>
/// A compiled pointwise function (see <see cref="Fuse"/>): a cache of traced plans, one per set of input shapes.
/// Thread-safe; the only state is the cache.
/// </summary>
public sealed class PointwiseFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Func<Variable<T>[], Variable<T>[]> _f;
    private readonly ConcurrentDictionary<string, Plan<T>> _plans = new();
    private readonly string _what;

    internal PointwiseFunction(Func<Variable<T>[], Variable<T>[]> f, int arity, string what)
    {
        if (arity is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(arity), $"Fuse.Pointwise: arity must be between 1 and 64, got {arity}.");
        _f = f;
        Arity = arity;
        _what = what;
    }

    /// <summary>The number of arguments.</summary>
    public int Arity { get; }

    /// <summary>Elements of the widest value per chunk of rows (tests set it small to cross chunk boundaries).</summary>
    internal int ChunkElements { get; init; } = Plan<T>.DefaultChunkElements;

    /// <summary>How many input-shape sets have been traced so far.</summary>
    public int TraceCount => _plans.Count;

    /// <summary>
    /// Runs the function on <paramref name="inputs"/> as one recorded op (traced first if these shapes are new).
    /// Inside another function being traced, the ops are traced into that one instead.
    /// </summary>
    /// <param name="inputs">One variable per argument.</param>
    /// <returns>The results, in the order the function returns them.</returns>
    /// <exception cref="ArgumentException">The argument count is wrong, or shapes do not fit the function's ops (the eager ops' messages).</exception>
    /// <exception cref="NotSupportedException">The function uses an op that is not pointwise.</exception>
    /// <exception cref="InvalidOperationException">The function reads a variable that is not an argument.</exception>
    public Variable<T>[] Apply(params Variable<T>[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != Arity)
            throw new ArgumentException($"{_what}: expected {Arity} argument(s), got {inputs.Length}.", nameof(inputs));
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"{_what}: argument {i} is null.");
        if (Tracing.Current is not null) return _f(inputs) ?? throw new InvalidOperationException($"{_what}: the function returned null."); // nested in another trace: inline
        var plan = _plans.GetOrAdd(Key(inputs), static (_, s) => s.Self.Trace(s.Inputs), (Self: this, Inputs: inputs));
        return FusedPointwise<T>.Run(plan, inputs, _what);
    }

    /// <summary>The expression graph of the function for inputs of these shapes, one assignment per line (for reading).</summary>
    /// <param name="shapes">One shape per argument.</param>
    /// <returns>The traced program.</returns>
    public string Describe(params int[][] shapes)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        var inputs = shapes.Select(s => new Variable<T>(new Tensor<T>(s))).ToArray();
        if (inputs.Length != Arity) throw new ArgumentException($"{_what}: expected {Arity} shape(s), got {inputs.Length}.", nameof(shapes));
        return Trace(inputs).ToString();
    }

    private static string Key(Variable<T>[] inputs)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var v in inputs)
        {
            foreach (int d in v.Shape) sb.Append(d).Append(',');
            sb.Append('|');
        }
        return sb.ToString();
    }

    private Plan<T> Trace(Variable<T>[] inputs)
    {
        var trace = new TraceBuilder<T>(_what);
        var args = new Variable<T>[inputs.Length];
        Variable<T>[] results;
        using (trace.Enter())
        {
            for (int i = 0; i < inputs.Length; i++) args[i] = trace.Argument(i, inputs[i]);
            results = _f(args) ?? throw new InvalidOperationException($"{_what}: the function returned null.");
        }
        if (results.Length == 0) throw new InvalidOperationException($"{_what}: the function returned no results.");
        var outputs = new int[results.Length];
        for (int o = 0; o < results.Length; o++)
        {
            if (results[o] is null) throw new InvalidOperationException($"{_what}: result {o} is null.");
            int id = trace.IdOf(results[o], $"result {o}");
            // An argument returned as it is, or a value returned twice, gets its own copy (an output owns its tensor).
            if (trace.Nodes[id].Kind == NodeKind.Input || outputs.AsSpan(0, o).Contains(id))
                id = trace.Copy(id);
            outputs[o] = id;
        }
        return new Plan<T>(trace.Nodes, outputs, _what, ChunkElements);
    }
}
