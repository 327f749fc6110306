using System.Numerics;

namespace MiniTorch.Autograd;

// Pointwise primitives are defined once, as a rule: the forward y = f(x) and the chain-rule product g ⊙ ∂f/∂x, both on
// spans (so they vectorise through TensorPrimitives / SpanMath). The eager op (UnaryFunction / BinaryFunction, and the
// thin named classes Tanh<T>, Mul<T>, ... built on them) and the pointwise fusion compiler both run exactly
// these two methods: there is no second copy of any derivative.
//
// Adding your own pointwise primitive (say softplus, y = ln(1 + e^x), dy/dx = σ(x)):
//
//     sealed class Softplus : UnaryRule<double>
//     {
//         public override string Name => "Softplus";
//         public override RuleUses Uses => RuleUses.Input;                      // Backward reads x (not y)
//         public override void Forward(ReadOnlySpan<double> x, Span<double> y)
//         { TensorPrimitives.Exp(x, y); TensorPrimitives.Add(y, 1.0, y); TensorPrimitives.Log(y, y); }
//         public override void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> dx)
//         { SpanMath.Sigmoid(x, dx); TensorPrimitives.Multiply(dx, g, dx); } // dx = g ⊙ σ(x)
//     }
//     var y = new Softplus().Apply(x);                 // eager, recorded like any op
//
// Then property-test it with GradientProperty.Check (float64 against central differences).

/// <summary>Which values a rule's <c>Backward</c> reads besides the upstream gradient (the rest arrive as empty spans).</summary>
[Flags]
public enum RuleUses
{
    /// <summary>Neither: the derivative is a constant (see <c>HasConstantDerivative</c>).</summary>
    None = 0,
    /// <summary>The operand(s) x (a and b for a binary rule).</summary>
    Input = 1,
    /// <summary>The result y = f(x).</summary>
    Output = 2,
}

/// <summary>
/// A pointwise unary primitive y = f(x): its forward and its local derivative, written once on spans. Used by the eager
/// op (<see cref="UnaryFunction{T}"/>, <see cref="Apply"/>) and by the fusion compiler (the fusion compiler).
/// </summary>
public abstract class UnaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The op's name for messages and printed programs, e.g. "Tanh".</summary>
    public abstract string Name { get; }

    /// <summary>What <see cref="Backward"/> reads: x, y or both (default x).</summary>
    public virtual RuleUses Uses => RuleUses.Input;

    /// <summary>
    /// True when recomputing f is cheaper than keeping y (additions, products): the fusion compiler then recomputes the
    /// value in its backward instead of saving it. Transcendental functions keep the default, false.
    /// </summary>
    public virtual bool IsCheap => false;

    /// <summary>
    /// y = f(x) elementwise; <paramref name="y"/> has x's length and may be the same memory as x. A large op calls it
    /// (and <see cref="Backward"/>) on disjoint ranges from several threads at once: keep no state between calls.
    /// </summary>
    /// <param name="x">The operand.</param>
    /// <param name="y">Where the result goes.</param>
    public abstract void Forward(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>
    /// dx = g ⊙ f'(x) elementwise (the chain rule's product with the upstream gradient), reading x and/or y as
    /// <see cref="Uses"/> declares (an undeclared one is an empty span). <paramref name="dx"/> overlaps none of the others.
    /// </summary>
    /// <param name="x">The operand (empty unless <see cref="Uses"/> has <see cref="RuleUses.Input"/>).</param>
    /// <param name="y">The result (empty unless <see cref="Uses"/> has <see cref="RuleUses.Output"/>).</param>
    /// <param name="g">The upstream gradient dL/dy.</param>
    /// <param name="dx">Where dL/dx goes.</param>
    public abstract void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx);

    /// <summary>
    /// When f'(x) is the constant <paramref name="value"/> everywhere (x + s, s·x, -x), returns true: callers then use
    /// g·value (or g itself for 1) and never call <see cref="Backward"/>.
    /// </summary>
    /// <param name="value">The constant derivative.</param>
    /// <returns>Whether the derivative is constant.</returns>
    public virtual bool HasConstantDerivative(out T value) { value = T.Zero; return false; }

    /// <summary>How the op prints in a program, given its operand's text, e.g. <c>tanh(a)</c>.</summary>
    /// <param name="x">The operand's text.</param>
    /// <returns>The expression's text.</returns>
    public virtual string Format(string x) => $"{Name.ToLowerInvariant()}({x})";

    /// <summary>Applies the primitive as a recorded op (eagerly, or as a node when traced by the fusion compiler).</summary>
    /// <param name="x">The operand.</param>
    /// <returns>f(x).</returns>
    public Variable<T> Apply(Variable<T> x) => new UnaryFunction<T>(this).Apply(x);
}

/// <summary>
/// A pointwise binary primitive y = f(a, b) with numpy broadcasting: its forward and its two local derivatives, written
/// once on spans of equal length (broadcasting is handled by the callers). Used by the eager op
/// (<see cref="BinaryFunction{T}"/>) and by the fusion compiler (the fusion compiler).
/// </summary>
public abstract class BinaryRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The op's name for messages (also in broadcast errors), e.g. "Mul".</summary>
    public abstract string Name { get; }

    /// <summary>The infix symbol in printed programs, e.g. "*".</summary>
    public abstract string Symbol { get; }

    /// <summary>What <see cref="Backward"/> reads: the operands, the result or both (default the operands).</summary>
    public virtual RuleUses Uses => RuleUses.Input;

    /// <summary>True when recomputing f is cheaper than keeping y (see <see cref="UnaryRule{T}.IsCheap"/>).</summary>
    public virtual bool IsCheap => true;

    /// <summary>y = f(a, b) elementwise over spans of one length; <paramref name="y"/> may be the memory of a or b.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <param name="y">Where the result goes.</param>
    public abstract void Forward(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y);

    /// <summary>
    /// d = g ⊙ ∂f/∂a (<paramref name="operand"/> 0) or g ⊙ ∂f/∂b (operand 1) elementwise, reading what <see cref="Uses"/>
    /// declares (the rest are empty spans). <paramref name="d"/> overlaps none of the others.
    /// </summary>
    /// <param name="operand">0 for a, 1 for b.</param>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <param name="y">The result.</param>
    /// <param name="g">The upstream gradient dL/dy.</param>
    /// <param name="d">Where dL/da or dL/db goes.</param>
    public abstract void Backward(int operand, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d);

    /// <summary>When ∂f/∂(operand) is a constant (a + b, a - b), returns true and the constant; Backward is then not called for it.</summary>
    /// <param name="operand">0 for a, 1 for b.</param>
    /// <param name="value">The constant derivative.</param>
    /// <returns>Whether the derivative is constant.</returns>
    public virtual bool HasConstantDerivative(int operand, out T value) { value = T.Zero; return false; }

    /// <summary>How the op prints in a program, e.g. <c>a * b</c>.</summary>
    /// <param name="a">The left operand's text.</param>
    /// <param name="b">The right operand's text.</param>
    /// <returns>The expression's text.</returns>
    public virtual string Format(string a, string b) => $"({a} {Symbol} {b})";

    /// <summary>Applies the primitive as a recorded op (eagerly, or as a node when traced by the fusion compiler).</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand (broadcasts with <paramref name="a"/>).</param>
    /// <returns>f(a, b).</returns>
    public Variable<T> Apply(Variable<T> a, Variable<T> b) => new BinaryFunction<T>(this).Apply(a, b);
}

/// <summary>The eager op of a <see cref="UnaryRule{T}"/>: keeps x and/or y as the rule asks, runs its Forward and Backward.</summary>
/// <param name="rule">The primitive.</param>
public class UnaryFunction<T>(UnaryRule<T> rule) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _x, _y;

    /// <summary>The primitive this op runs.</summary>
    public UnaryRule<T> Rule { get; } = rule ?? throw new ArgumentNullException(nameof(rule));

    /// <inheritdoc/>
    public override string Name => Rule.Name;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] inputs)
    {
        var x = inputs[0];
        var y = Tensor<T>.Uninitialized(x.ShapeArray);
        PointwiseThreads.ForElements(x.Length, PointwiseThreads.ThreadsFor(x.Length, Rule.IsCheap),
            (s, n) => Rule.Forward(x.AsSpan().Slice(s, n), y.AsSpan().Slice(s, n)));
        var uses = Rule.Uses;
        if ((uses & RuleUses.Input) != 0) SaveForBackward(_x = x);
        if ((uses & RuleUses.Output) != 0) SaveForBackward(_y = y);
        return y;
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> gradOutput, Gradients<T> grads)
    {
        if (!grads.Needs(0)) return;
        if (Rule.HasConstantDerivative(out var c))
        {
            grads.Accumulate(0, c == T.One ? gradOutput : gradOutput * c);
            return;
        }
        // The first gradient for x is written straight into its storage; a later one is added.
        var dst = grads.BufferToWrite(0, out bool fresh);
        var d = fresh ? dst : Tensor<T>.Uninitialized(gradOutput.ShapeArray);
        var (x, y) = (_x, _y);
        PointwiseThreads.ForElements(d.Length, PointwiseThreads.ThreadsFor(d.Length, Rule.IsCheap), (s, n) => Rule.Backward(
            x is null ? default : x.AsSpan().Slice(s, n), y is null ? default : y.AsSpan().Slice(s, n), gradOutput.AsSpan().Slice(s, n), d.AsSpan().Slice(s, n)));
        if (!fresh) Tensor.AddInPlace(dst, d);
    }

    /// <inheritdoc/>
    protected override void OnFreed() { _x = null; _y = null; }
}

/// <summary>
/// The eager op of a <see cref="BinaryRule{T}"/> with numpy broadcasting: the rule runs over runs of the output that are
/// contiguous in both operands (a bias row added to each row of a matrix is one call per row); a broadcast inner value
/// is expanded into a scratch run. Backward hands each operand g ⊙ ∂f in the output's shape; the engine sums it back.
/// </summary>
/// <param name="rule">The primitive.</param>
public class BinaryFunction<T>(BinaryRule<T> rule) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _a, _b, _y;
    private BroadcastRuns _runs = null!;

    /// <summary>The primitive this op runs.</summary>
    public BinaryRule<T> Rule { get; } = rule ?? throw new ArgumentNullException(nameof(rule));

    /// <inheritdoc/>
    public override string Name => Rule.Name;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        _runs = BroadcastRuns.Of(a.Shape, b.Shape, Rule.Name);
        var y = Tensor<T>.Uninitialized((int[])_runs.Shape.Clone());
        _runs.Run(Rule, a.AsSpan(), b.AsSpan(), y.AsSpan());
        var uses = Rule.Uses;
        if ((uses & RuleUses.Input) != 0) SaveForBackward(_a = a, _b = b);
        if ((uses & RuleUses.Output) != 0) SaveForBackward(_y = y);
        return y;
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> gradOutput, Gradients<T> grads)
    {
        for (int i = 0; i < 2; i++)
        {
            if (!grads.Needs(i)) continue;
            if (Rule.HasConstantDerivative(i, out var c))
            {
                grads.Accumulate(i, c == T.One ? gradOutput : gradOutput * c);
                continue;
            }
            // An operand of the output's shape gets its first gradient written straight into its storage; a
            // broadcast one gets g ⊙ ∂f in the output's shape, summed back by the engine.
            bool whole = grads.InputHasShape(i, gradOutput.Shape);
            bool fresh = false;
            var dst = whole ? grads.BufferToWrite(i, out fresh) : null;
            var d = fresh ? dst! : Tensor<T>.Uninitialized(gradOutput.ShapeArray);
            _runs.RunBackward(Rule, i, _a is null ? default : _a.AsSpan(), _b is null ? default : _b.AsSpan(),
                _y is null ? default : _y.AsSpan(), gradOutput.AsSpan(), d.AsSpan());
            if (fresh) continue;
            if (dst is not null) Tensor.AddInPlace(dst, d);
            else grads.Accumulate(i, d);
        }
    }

    /// <inheritdoc/>
    protected override void OnFreed() { _a = null; _b = null; _y = null; }
}

/// <summary>
/// How a broadcast binary op walks its output: runs of <see cref="Inner"/> elements, each contiguous in the output and,
/// per operand, either contiguous or one broadcast value. Axes contiguous in both operands are merged first, so equal
/// shapes are one run and a (N, H) + (H,) bias add is N runs of H.
/// </summary>
internal sealed class BroadcastRuns
{
    public int[] Shape = [];
    public int Inner;
    public bool AWhole, BWhole;          // the operand steps through each run (else: one value repeated)
    public int[] AStart = [], BStart = []; // per run, the operand's start offset

    public static BroadcastRuns Of(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        var r = new BroadcastRuns();
        if (a.SequenceEqual(b))
        {
            r.Shape = a.ToArray();
            r.Inner = Shapes.Numel(a, op);
            r.AWhole = r.BWhole = true;
            r.AStart = r.BStart = [0];
            return r;
        }
        var shape = r.Shape = Shapes.Broadcast(a, b, op);
        var sa = Shapes.BroadcastStrides(a, shape);
        var sb = Shapes.BroadcastStrides(b, shape);
        var dims = new List<(int N, int SA, int SB)>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (dims.Count > 0 && dims[^1].SA == sa[i] * shape[i] && dims[^1].SB == sb[i] * shape[i])
                dims[^1] = (dims[^1].N * shape[i], sa[i], sb[i]);
            else dims.Add((shape[i], sa[i], sb[i]));
        }
        if (dims.Count == 0) dims.Add((1, 0, 0));
        int total = Shapes.Numel(shape, op);
        var (inner, ia, ib) = dims[^1];
        r.Inner = inner;
        r.AWhole = ia != 0;
        r.BWhole = ib != 0;
        int runs = inner == 0 ? 0 : total / inner;
        r.AStart = new int[runs];
        r.BStart = new int[runs];
        var idx = new int[dims.Count];
        int oa = 0, ob = 0;
        for (int o = 0; o < runs; o++)
        {
            r.AStart[o] = oa; r.BStart[o] = ob;
            for (int d = dims.Count - 2; d >= 0; d--) // odometer over the outer axes
            {
                oa += dims[d].SA; ob += dims[d].SB;
                if (++idx[d] < dims[d].N) break;
                idx[d] = 0; oa -= dims[d].SA * dims[d].N; ob -= dims[d].SB * dims[d].N;
            }
        }
        return r;
    }

    private static ReadOnlySpan<T> Operand<T>(ReadOnlySpan<T> x, bool whole, int start, int n, Span<T> scratch)
    {
        if (x.IsEmpty) return default;
        if (whole) return x.Slice(start, n);
        scratch.Fill(x[start]);
        return scratch;
    }

    public void Run<T>(BinaryRule<T> rule, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Inner;
        Span<T> sa = AWhole ? default : new T[n], sb = BWhole ? default : new T[n];
        for (int o = 0; o < AStart.Length; o++)
            rule.Forward(Operand(a, AWhole, AStart[o], n, sa), Operand(b, BWhole, BStart[o], n, sb), y.Slice(o * n, n));
    }

    public void RunBackward<T>(BinaryRule<T> rule, int operand, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Inner;
        Span<T> sa = AWhole ? default : new T[n], sb = BWhole ? default : new T[n];
        for (int o = 0; o < AStart.Length; o++)
        {
            var at = o * n;
            rule.Backward(operand, Operand(a, AWhole, AStart[o], n, sa), Operand(b, BWhole, BStart[o], n, sb),
                y.IsEmpty ? default : y.Slice(at, n), g.Slice(at, n), d.Slice(at, n));
        }
    }
}
