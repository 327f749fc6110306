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
        T lr = LearningRate, mu = Momentum, wd = WeightDecay;
        ReadOnlySpan<T> d = g;
        if (wd != T.Zero)
        {
            var s = Scratch1(p.Length);
            TP.MultiplyAdd(p, wd, g, s);           // g + λ·p
            d = s;
        }
        if (mu != T.Zero)
        {
            bool first = !HasBuffer(MomentumBuffer, index);
            var buf = Buffer(MomentumBuffer, index);
            if (first) d.CopyTo(buf);
            else
            {
                TP.Multiply(buf, mu, buf);
                TP.MultiplyAdd(d, T.One - Dampening, buf, buf);
            }
            if (Nesterov)
            {
                var s = Scratch1(p.Length);        // may alias d: elementwise, same index
                TP.MultiplyAdd(buf, mu, d, s);     // d + μ·b
                d = s;
            }
            else d = buf;
        }
        TP.MultiplyAdd(d, -lr, p, p);
    }
}
