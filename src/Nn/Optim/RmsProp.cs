using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Nn.Optim;

/// <summary>
/// RMSprop as <c>torch.optim.RMSprop</c>: with d = g + weightDecay·p,
/// <c>v = α·v + (1 − α)·d²</c>; centered: <c>ḡ = α·ḡ + (1 − α)·d</c> and the denominator uses <c>v − ḡ²</c>;
/// <c>avg = √v + eps</c> (eps outside the root); then <c>p −= lr·d/avg</c>, or with momentum μ
/// <c>b = μ·b + d/avg</c>, <c>p −= lr·b</c>.
/// <para>
/// CS231n's <c>rmsprop</c> (assignment 2's optim.py: <c>cache = decay_rate·cache + (1 − decay_rate)·dw²</c>,
/// <c>w −= lr·dw / (√cache + eps)</c>) is the same rule without centering, momentum or weight decay: its eps is
/// outside the root too. Only min-char-rnn's Adagrad (<see cref="Adagrad{T}"/>) puts eps inside the root.
/// State-dict buffers: "square_avg", "grad_avg" (only when centered) and "momentum_buffer" (only when
/// momentum &gt; 0).
/// </para>
/// </summary>
public sealed class RmsProp<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int SquareAvg = 0, GradAvg = 1, MomentumBuffer = 2;

    /// <summary>
    /// RMSprop over <paramref name="parameters"/> (PyTorch's defaults; CS231n uses decay rate α = 0.99 too). Throws
    /// an <see cref="ArgumentException"/> for a negative or non-finite lr, eps, momentum or weight decay, or α outside
    /// [0, 1].
    /// </summary>
    /// <param name="parameters">The parameters to optimise (at least one, each once).</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="alpha">The decay rate α of the squared-gradient average, in [0, 1].</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty λ added to the gradient as λ·p.</param>
    /// <param name="momentum">The momentum factor (0: none).</param>
    /// <param name="centered">Whether to normalise by the estimated variance (the squared average minus the squared mean gradient).</param>
    public RmsProp(IEnumerable<Variable<T>> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(parameters, ["alpha", "eps", "weight_decay", "momentum", "centered"], ["square_avg", "grad_avg", "momentum_buffer"])
    {
        SetHyperparameters(("lr", lr), ("alpha", alpha), ("eps", eps), ("weight_decay", weightDecay),
            ("momentum", momentum), ("centered", centered ? 1 : 0));
    }

    /// <summary>The decay rate α of the squared-gradient average.</summary>
    public T Alpha => Hyper("alpha");

    /// <summary>The term added to the root in the denominator.</summary>
    public T Eps => Hyper("eps");

    /// <summary>The L2 penalty λ (added to the gradient as λ·p).</summary>
    public T WeightDecay => Hyper("weight_decay");

    /// <summary>The momentum factor μ (0: none).</summary>
    public T Momentum => Hyper("momentum");

    /// <summary>Whether the second moment is centered by the squared mean gradient.</summary>
    public bool Centered => Hyper("centered") == T.One;

    /// <inheritdoc/>
    protected override void CheckHyperparameters(IReadOnlyDictionary<string, T> h)
    {
        CheckUnit(h, "alpha", "alpha", oneAllowed: true);
        CheckFiniteNonNegative(h, "eps", "eps");
        CheckFiniteNonNegative(h, "weight_decay", "weight decay");
        CheckFiniteNonNegative(h, "momentum", "momentum");
        CheckFlag(h, "centered");
    }

    /// <inheritdoc/>
    protected override bool BufferRequired(int buffer, IReadOnlyDictionary<string, T> h) => buffer switch
    {
        GradAvg => h["centered"] == T.One,
        MomentumBuffer => h["momentum"] > T.Zero,
        _ => true,
    };

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> p, ReadOnlySpan<T> g, long step)
    {
        T lr = LearningRate, alpha = Alpha, wd = WeightDecay, mu = Momentum, eps = Eps;
        bool centered = Centered;
        Span<T> vAll = Buffer(SquareAvg, index);
        Span<T> gaAll = centered ? Buffer(GradAvg, index) : default;
        Span<T> bufAll = mu > T.Zero ? Buffer(MomentumBuffer, index) : default;
        for (int o = 0; o < p.Length; o += ChunkLength)
        {
            int n = Math.Min(ChunkLength, p.Length - o);
            Span<T> pc = p.Slice(o, n), v = vAll.Slice(o, n), t = Scratch2(n);
            ReadOnlySpan<T> d = WithWeightDecay(g.Slice(o, n), pc, wd);
            TP.Multiply(v, alpha, v);
            TP.Multiply(d, T.One - alpha, t);
            TP.MultiplyAdd(t, d, v, v);                  // α·v + (1-α)·d·d
            if (centered)
            {
                var ga = gaAll.Slice(o, n);
                TP.Lerp(ga, d, T.One - alpha, ga);       // α·ḡ + (1-α)·d
                TP.Multiply(ga, ga, t);
                TP.Subtract(v, t, t);                    // v - ḡ²
                TP.Sqrt(t, t);
            }
            else TP.Sqrt(v, t);
            TP.Add(t, eps, t);                           // avg = √v + eps
            TP.Divide(d, t, t);                          // d / avg
            if (mu > T.Zero)
            {
                var buf = bufAll.Slice(o, n);
                TP.MultiplyAdd(buf, mu, t, buf);         // μ·b + d/avg
                TP.MultiplyAdd(buf, -lr, pc, pc);
            }
            else TP.MultiplyAdd(t, -lr, pc, pc);
        }
    }
}
