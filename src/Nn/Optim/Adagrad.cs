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
    /// <param name="parameters">The parameters to optimise (at least one, each once).</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty λ added to the gradient as λ·p.</param>
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
        T lr = LearningRate, wd = WeightDecay, eps = Eps;
        var memAll = Buffer(Sum, index);
        for (int o = 0; o < p.Length; o += ChunkLength)
        {
            int n = Math.Min(ChunkLength, p.Length - o);
            Span<T> pc = p.Slice(o, n), mem = memAll.Slice(o, n), t = Scratch2(n);
            ReadOnlySpan<T> d = WithWeightDecay(g.Slice(o, n), pc, wd);
            TP.MultiplyAdd(d, d, mem, mem);          // mem += d²
            TP.Add(mem, eps, t);
            TP.Sqrt(t, t);
            TP.Divide(d, t, t);                      // d / √(mem + eps)
            TP.MultiplyAdd(t, -lr, pc, pc);
        }
    }
}
