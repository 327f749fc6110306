using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Nn.Optim;

/// <summary>
/// Adam (Kingma and Ba) as <c>torch.optim.Adam</c> (amsgrad off): with d = g + weightDecay·p (L2 penalty in the
/// gradient, not AdamW's decoupled decay) and t the parameter's step,
/// <c>m = β1·m + (1 − β1)·d</c>, <c>v = β2·v + (1 − β2)·d²</c>,
/// <c>p −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)</c>.
/// The bias corrections are computed in double and rounded to <typeparamref name="T"/>, as PyTorch does with
/// Python floats. State-dict buffers: "exp_avg" (m) and "exp_avg_sq" (v).
/// </summary>
public sealed class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int ExpAvg = 0, ExpAvgSq = 1;

    /// <summary>
    /// Adam over <paramref name="parameters"/> (PyTorch's defaults). Throws an <see cref="ArgumentException"/> for a
    /// negative or non-finite lr, eps or weight decay, or betas outside [0, 1).
    /// </summary>
    /// <param name="parameters">The parameters to optimise (at least one, each once).</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="beta1">The decay rate of the first moment, in [0, 1).</param>
    /// <param name="beta2">The decay rate of the second moment, in [0, 1).</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty λ added to the gradient as λ·p.</param>
    public Adam(IEnumerable<Variable<T>> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0)
        : base(parameters, ["beta1", "beta2", "eps", "weight_decay"], ["exp_avg", "exp_avg_sq"])
    {
        SetHyperparameters(("lr", lr), ("beta1", beta1), ("beta2", beta2), ("eps", eps), ("weight_decay", weightDecay));
    }

    /// <summary>Decay rate β1 of the first moment.</summary>
    public T Beta1 => Hyper("beta1");

    /// <summary>Decay rate β2 of the second moment.</summary>
    public T Beta2 => Hyper("beta2");

    /// <summary>The term added to the denominator.</summary>
    public T Eps => Hyper("eps");

    /// <summary>The L2 penalty λ (added to the gradient as λ·p).</summary>
    public T WeightDecay => Hyper("weight_decay");

    /// <inheritdoc/>
    protected override void CheckHyperparameters(IReadOnlyDictionary<string, T> h)
    {
        CheckUnit(h, "beta1", "beta1", oneAllowed: false);
        CheckUnit(h, "beta2", "beta2", oneAllowed: false);
        CheckFiniteNonNegative(h, "eps", "eps");
        CheckFiniteNonNegative(h, "weight_decay", "weight decay");
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> p, ReadOnlySpan<T> g, long step)
    {
        var rule = AdamRule<T>.For(LearningRate, Beta1, Beta2, Eps, step);
        T wd = WeightDecay;
        Span<T> mAll = Buffer(ExpAvg, index), vAll = Buffer(ExpAvgSq, index);
        for (int o = 0; o < p.Length; o += ChunkLength)
        {
            int n = Math.Min(ChunkLength, p.Length - o);
            Span<T> pc = p.Slice(o, n);
            rule.Apply(pc, WithWeightDecay(g.Slice(o, n), pc, wd), mAll.Slice(o, n), vAll.Slice(o, n), default, Scratch2(n));
        }
    }
}

/// <summary>
/// Adam's moment updates and bias-corrected step on one block, the one definition shared by <see cref="Adam{T}"/> and
/// <see cref="AdamW{T}"/>. The bias corrections are computed in double and rounded to <typeparamref name="T"/>, as
/// PyTorch does with Python floats.
/// </summary>
internal readonly struct AdamRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _b1, _b2, _eps, _stepSize, _bc2Sqrt;

    private AdamRule(T b1, T b2, T eps, T stepSize, T bc2Sqrt) { _b1 = b1; _b2 = b2; _eps = eps; _stepSize = stepSize; _bc2Sqrt = bc2Sqrt; }

    /// <summary>The rule at a parameter's step <paramref name="step"/> (1 first): step size lr/(1 − β1^t) and √(1 − β2^t).</summary>
    internal static AdamRule<T> For(T lr, T b1, T b2, T eps, long step)
    {
        double bc1 = 1 - Math.Pow(double.CreateChecked(b1), step);
        double bc2 = 1 - Math.Pow(double.CreateChecked(b2), step);
        return new(b1, b2, eps, T.CreateChecked(double.CreateChecked(lr) / bc1), T.CreateChecked(Math.Sqrt(bc2)));
    }

    /// <summary>
    /// m = β1·m + (1 − β1)·d, v = β2·v + (1 − β2)·d², then p −= stepSize · m / (√v̂ / √(1 − β2^t) + eps) with v̂ = v, or,
    /// when <paramref name="vMax"/> is not empty (AMSGrad), vMax = max(vMax, v) and v̂ = vMax. <paramref name="t"/> is
    /// scratch of the block's length, distinct from <paramref name="d"/>.
    /// </summary>
    internal void Apply(Span<T> p, ReadOnlySpan<T> d, Span<T> m, Span<T> v, Span<T> vMax, Span<T> t)
    {
        TP.Lerp(m, d, T.One - _b1, m);                         // m + (1-β1)(d - m) = β1·m + (1-β1)·d
        TP.Multiply(v, _b2, v);
        TP.Multiply(d, T.One - _b2, t);
        TP.MultiplyAdd(t, d, v, v);                            // β2·v + (1-β2)·d·d
        ReadOnlySpan<T> second = v;
        if (!vMax.IsEmpty) { TP.Max(vMax, v, vMax); second = vMax; }
        TP.Sqrt(second, t);
        TP.Divide(t, _bc2Sqrt, t);
        TP.Add(t, _eps, t);                                    // √v̂/√(1-β2^t) + eps
        TP.Divide(m, t, t);
        TP.MultiplyAdd(t, -_stepSize, p, p);                   // p − lr/(1-β1^t) · m/denom
    }
}
