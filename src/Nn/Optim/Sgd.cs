using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Nn.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay, as
/// <c>torch.optim.SGD</c>: with d = g + weightDecay·p,
/// <c>b = d</c> on a parameter's first step, else <c>b = momentum·b + (1 − dampening)·d</c>;
/// the direction is <c>d + momentum·b</c> (Nesterov) or <c>b</c>; then <c>p −= lr·direction</c>.
/// Without momentum the update is <c>p −= lr·d</c> and no buffer is kept.
/// State-dict buffer: "momentum_buffer" (only when momentum ≠ 0).
/// </summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int MomentumBuffer = 0;

    /// <summary>
    /// SGD over <paramref name="parameters"/>. Throws an <see cref="ArgumentException"/> for a negative or non-finite
    /// lr, momentum or weight decay, a dampening outside [0, 1], or Nesterov without momentum or with dampening.
    /// </summary>
    /// <param name="parameters">The parameters to optimise (at least one, each once).</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="momentum">The momentum factor μ (0: plain SGD).</param>
    /// <param name="dampening">The dampening of the gradient in the momentum buffer, in [0, 1].</param>
    /// <param name="weightDecay">The L2 penalty λ added to the gradient as λ·p.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum.</param>
    public Sgd(IEnumerable<Variable<T>> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(parameters, ["momentum", "dampening", "weight_decay", "nesterov"], ["momentum_buffer"])
    {
        SetHyperparameters(("lr", lr), ("momentum", momentum), ("dampening", dampening),
            ("weight_decay", weightDecay), ("nesterov", nesterov ? 1 : 0));
    }

    /// <summary>The momentum factor μ.</summary>
    public T Momentum => Hyper("momentum");

    /// <summary>The dampening τ of the momentum's new term.</summary>
    public T Dampening => Hyper("dampening");

    /// <summary>The L2 penalty λ (added to the gradient as λ·p).</summary>
    public T WeightDecay => Hyper("weight_decay");

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov => Hyper("nesterov") == T.One;

    /// <inheritdoc/>
    protected override void CheckHyperparameters(IReadOnlyDictionary<string, T> h)
    {
        CheckFiniteNonNegative(h, "momentum", "momentum");
        CheckUnit(h, "dampening", "dampening", oneAllowed: true);
        CheckFiniteNonNegative(h, "weight_decay", "weight decay");
        CheckFlag(h, "nesterov");
        if (h["nesterov"] == T.One && (h["momentum"] <= T.Zero || h["dampening"] != T.Zero))
            throw new ArgumentException($"{Name}: Nesterov momentum requires momentum > 0 and dampening 0 (got momentum {Fmt(h["momentum"])}, dampening {Fmt(h["dampening"])}).");
    }

    /// <inheritdoc/>
    protected override bool BufferRequired(int buffer, IReadOnlyDictionary<string, T> h) => h["momentum"] != T.Zero;

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> p, ReadOnlySpan<T> g, long step)
    {
        T lr = LearningRate, mu = Momentum, wd = WeightDecay, keep = T.One - Dampening;
        if (mu == T.Zero && wd == T.Zero)
        {
            TP.MultiplyAdd(g, -lr, p, p);   // one kernel: a single pass over the whole span is fastest
            return;
        }
        bool nesterov = Nesterov, first = mu != T.Zero && !HasBuffer(MomentumBuffer, index);
        var buffer = mu != T.Zero ? Buffer(MomentumBuffer, index) : default;
        for (int o = 0; o < p.Length; o += ChunkLength)
        {
            int n = Math.Min(ChunkLength, p.Length - o);
            var pc = p.Slice(o, n);
            ReadOnlySpan<T> d = WithWeightDecay(g.Slice(o, n), pc, wd);
            if (mu != T.Zero)
            {
                var buf = buffer.Slice(o, n);
                if (first) d.CopyTo(buf);
                else
                {
                    TP.Multiply(buf, mu, buf);
                    TP.MultiplyAdd(d, keep, buf, buf);  // μ·b + (1-τ)·d
                }
                if (nesterov)
                {
                    var s = Scratch1(n);               // may alias d: elementwise, same index
                    TP.MultiplyAdd(buf, mu, d, s);     // d + μ·b
                    d = s;
                }
                else d = buf;
            }
            TP.MultiplyAdd(d, -lr, pc, pc);
        }
    }
}
