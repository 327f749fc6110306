using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Nn.Optim;

/// <summary>
/// Adagrad as in Karpathy's min-char-rnn: with d = g + weightDecay·p,
/// <c>mem += d²</c>, <c>p −= lr · d / √(mem + eps)</c> (eps = 1e-8 inside the square root).
/// <para>
/// Differences from <c>torch.optim.Adagrad</c>: PyTorch puts eps outside the root (<c>√mem + eps</c>) and has
/// <c>lr_decay</c> and <c>initial_accumulator_value</c>, which this class does not (the accumulator starts at
/// zero, as min-char-rnn's <c>mem</c>). State-dict buffer: "sum" (PyTorch's name for mem).
/// </para>
/// </summary>
public sealed class Adagrad<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Sum = 0;

    /// <summary>
    /// Adagrad over <paramref name="parameters"/> (min-char-rnn uses lr 0.1). Throws an
    /// <see cref="ArgumentException"/> for a negative or non-finite lr, eps or weight decay.
    /// </summary>
    public Adagrad(IEnumerable<Variable<T>> parameters, double lr = 1e-2, double eps = 1e-8, double weightDecay = 0)
        : base(parameters, ["eps", "weight_decay"], ["sum"])
    {
        SetHyperparameters(("lr", lr), ("eps", eps), ("weight_decay", weightDecay));
    }

    /// <summary>The term added to the accumulator inside the square root.</summary>
    public T Eps => Hyper("eps");

    /// <summary>The L2 penalty λ (added to the gradient as λ·p).</summary>
    public T WeightDecay => Hyper("weight_decay");

    /// <inheritdoc/>
    protected override void CheckHyperparameters(IReadOnlyDictionary<string, T> h)
    {
        CheckFiniteNonNegative(h, "eps", "eps");
        CheckFiniteNonNegative(h, "weight_decay", "weight decay");
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> p, ReadOnlySpan<T> g, long step)
    {
        T lr = LearningRate, wd = WeightDecay;
        ReadOnlySpan<T> d = g;
        if (wd != T.Zero)
        {
            var s = Scratch1(p.Length);
            TP.MultiplyAdd(p, wd, g, s);
            d = s;
        }
        var mem = Buffer(Sum, index);
        TP.MultiplyAdd(d, d, mem, mem);          // mem += d²
        var t = Scratch2(p.Length);
        TP.Add(mem, Eps, t);
        TP.Sqrt(t, t);
        TP.Divide(d, t, t);
        TP.MultiplyAdd(t, -lr, p, p);
    }
}
