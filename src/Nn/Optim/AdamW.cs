using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Nn.Optim;

/// <summary>
/// AdamW (Loshchilov and Hutter) as <c>torch.optim.AdamW</c>: the weight decay is decoupled from the gradient. Each
/// step first shrinks the parameter, <c>p −= lr·weightDecay·p</c>, then applies Adam's update with the plain gradient
/// g (see <see cref="Adam{T}"/>, the same moment and bias-correction rule): <c>m = β1·m + (1 − β1)·g</c>,
/// <c>v = β2·v + (1 − β2)·g²</c>, <c>p −= (lr / (1 − β1^t)) · m / (√v̂ / √(1 − β2^t) + eps)</c> with v̂ = v, or with
/// amsgrad v̂ = the running maximum of v. State-dict buffers: "exp_avg", "exp_avg_sq" and, with amsgrad,
/// "max_exp_avg_sq" (PyTorch's names); hyperparameters "lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad".
/// </summary>
public sealed class AdamW<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int ExpAvg = 0, ExpAvgSq = 1, MaxExpAvgSq = 2;

    /// <summary>AdamW over <paramref name="parameters"/> with PyTorch's defaults (note weight decay 0.01, unlike Adam's 0).</summary>
    /// <param name="parameters">The parameters to update (non-empty, no duplicates).</param>
    /// <param name="lr">Learning rate (finite, ≥ 0).</param>
    /// <param name="beta1">Decay rate of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay rate of the second moment, in [0, 1).</param>
    /// <param name="eps">Term added to the denominator (finite, ≥ 0).</param>
    /// <param name="weightDecay">Decoupled weight decay λ (finite, ≥ 0): p −= lr·λ·p each step.</param>
    /// <param name="amsgrad">Use the running maximum of the second moment (AMSGrad).</param>
    /// <exception cref="ArgumentException">The parameter list is empty or repeats a parameter, or a hyperparameter is out of range (the message names it and its value).</exception>
    public AdamW(IEnumerable<Variable<T>> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(parameters, ["beta1", "beta2", "eps", "weight_decay", "amsgrad"], ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
    {
        SetHyperparameters(("lr", lr), ("beta1", beta1), ("beta2", beta2), ("eps", eps), ("weight_decay", weightDecay), ("amsgrad", amsgrad ? 1 : 0));
    }

    /// <summary>Decay rate β1 of the first moment.</summary>
    public T Beta1 => Hyper("beta1");

    /// <summary>Decay rate β2 of the second moment.</summary>
    public T Beta2 => Hyper("beta2");

    /// <summary>The term added to the denominator.</summary>
    public T Eps => Hyper("eps");

    /// <summary>The decoupled weight decay λ (p −= lr·λ·p before the Adam update).</summary>
    public T WeightDecay => Hyper("weight_decay");

    /// <summary>Whether the running maximum of the second moment is used (AMSGrad).</summary>
    public bool AmsGrad => Hyper("amsgrad") == T.One;

    /// <inheritdoc/>
    protected override void CheckHyperparameters(IReadOnlyDictionary<string, T> h)
    {
        CheckUnit(h, "beta1", "beta1", oneAllowed: false);
        CheckUnit(h, "beta2", "beta2", oneAllowed: false);
        CheckFiniteNonNegative(h, "eps", "eps");
        CheckFiniteNonNegative(h, "weight_decay", "weight decay");
        CheckFlag(h, "amsgrad");
    }

    /// <inheritdoc/>
    protected override bool BufferRequired(int buffer, IReadOnlyDictionary<string, T> h) => buffer != MaxExpAvgSq || h["amsgrad"] == T.One;

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> p, ReadOnlySpan<T> g, long step)
    {
        T lr = LearningRate, wd = WeightDecay;
        var rule = AdamRule<T>.For(lr, Beta1, Beta2, Eps, step);
        T shrink = T.CreateChecked(1 - double.CreateChecked(lr) * double.CreateChecked(wd));
        Span<T> mAll = Buffer(ExpAvg, index), vAll = Buffer(ExpAvgSq, index);
        Span<T> maxAll = AmsGrad ? Buffer(MaxExpAvgSq, index) : default;
        for (int o = 0; o < p.Length; o += ChunkLength)
        {
            int n = Math.Min(ChunkLength, p.Length - o);
            Span<T> pc = p.Slice(o, n);
            if (wd != T.Zero) TP.Multiply(pc, shrink, pc);          // p ← p·(1 − lr·λ)
            rule.Apply(pc, g.Slice(o, n), mAll.Slice(o, n), vAll.Slice(o, n), AmsGrad ? maxAll.Slice(o, n) : default, Scratch2(n));
        }
    }
}
