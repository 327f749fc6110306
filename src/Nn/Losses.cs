using System.Numerics;
using MiniTorch.Autograd.Functions;

namespace MiniTorch.Nn;

public static partial class Functional
{
    /// <summary>Applies a validated reduction (Mean, Sum or None) to elementwise losses.</summary>
    private static Variable<T> Reduce<T>(Variable<T> loss, Reduction reduction) where T : unmanaged, IFloatingPointIeee754<T> =>
        reduction == Reduction.None ? loss : reduction == Reduction.Sum ? loss.Sum() : loss.Mean();

    /// <summary>
    /// Mean squared error (<c>torch.nn.functional.mse_loss</c>): (input − target)², averaged (Mean), summed (Sum) or
    /// kept elementwise (None). Composed of Sub, Square and Mean/Sum, so the target may require a gradient too.
    /// </summary>
    /// <param name="input">Predictions.</param>
    /// <param name="target">Targets, of the input's shape (no broadcasting, unlike PyTorch's warning-only check).</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <returns>A scalar (Mean, Sum) or the elementwise losses (None).</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is BatchMean (not defined for this loss).</exception>
    public static Variable<T> MseLoss<T>(Variable<T> input, Variable<T> target, Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.Data.SameShape(target.Data))
            throw new ArgumentException($"MseLoss: target {target.Data.ShapeString} must have the input's shape {input.Data.ShapeString}.");
        LossReductions.Check(reduction, "MseLoss");
        return Reduce((input - target).Square(), reduction);
    }

    /// <summary>
    /// Binary cross-entropy on logits (<c>torch.nn.functional.binary_cross_entropy_with_logits</c>), numerically stable
    /// for any logit: −[p·y·log σ(x) + (1 − y)·log(1 − σ(x))] per element (see <see cref="BinaryCrossEntropyWithLogits{T}"/>),
    /// then reduced. Targets may be soft (any value in [0, 1]).
    /// </summary>
    /// <param name="input">Logits x.</param>
    /// <param name="target">Targets y of the input's shape (a constant).</param>
    /// <param name="posWeight">Weight p of the positive term, broadcast to the input (typically one per class on the last axis); null means 1.</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <returns>A scalar (Mean, Sum) or the elementwise losses (None).</returns>
    /// <exception cref="ArgumentException">The target's shape differs from the input's, or posWeight does not broadcast to it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is BatchMean.</exception>
    public static Variable<T> BinaryCrossEntropyWithLogits<T>(Variable<T> input, Tensor<T> target, Tensor<T>? posWeight = null,
        Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossReductions.Check(reduction, "BinaryCrossEntropyWithLogits");
        return Reduce(new BinaryCrossEntropyWithLogits<T>(target, posWeight).Apply(input), reduction);
    }

    /// <summary>
    /// Negative log-likelihood (<c>torch.nn.functional.nll_loss</c>) of log-probabilities with the class on axis 1, as
    /// in PyTorch: input (C), (N, C) or (N, C, d1, …) against int targets (), (N) or (N, d1, …). Per position,
    /// loss = −w[t]·input[.., t, ..] with w the class weights (1 without); positions whose target is
    /// <paramref name="ignoreIndex"/> count 0 and have weight 0. Mean divides the sum by the total weight of the counted
    /// positions (NaN when every position is ignored, as in PyTorch). Composed of Gather, Mul and Sum.
    /// </summary>
    /// <param name="input">Log-probabilities (e.g. from LogSoftmax over axis 1).</param>
    /// <param name="target">Class indices in [0, C), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="weight">Per-class weights (C), or null.</param>
    /// <param name="ignoreIndex">A target value that marks a position to skip (PyTorch's default −100).</param>
    /// <param name="reduction">Mean (default), Sum or None (the per-position losses, of the target's shape).</param>
    /// <returns>A scalar (Mean, Sum) or the per-position losses (None).</returns>
    /// <exception cref="ArgumentException">The shapes do not fit as above, or the weight is not (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, C) and not the ignore index, or the reduction is BatchMean.</exception>
    public static Variable<T> NllLoss<T>(Variable<T> input, Tensor<int> target, Tensor<T>? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossReductions.Check(reduction, "NllLoss");
        var x = input.Data;
        if (x.Rank < 1)
            throw new ArgumentException($"NllLoss: input {x.ShapeString} needs a class axis: (C), (N, C) or (N, C, d1, ...).");
        int classAxis = x.Rank == 1 ? 0 : 1, c = x.Shape[classAxis];
        int[] expected = [.. x.Shape[..classAxis], .. x.Shape[(classAxis + 1)..]];
        if (!target.HasShape(expected))
            throw new ArgumentException($"NllLoss: target {target.ShapeString} must be the input's shape {x.ShapeString} without the class axis {classAxis}, i.e. {Shapes.Str(expected)}.");
        if (weight is not null && !weight.HasShape([c]))
            throw new ArgumentException($"NllLoss: weight {weight.ShapeString} must have one entry per class, ({c},).");
        var safe = new Tensor<int>(target.ShapeArray);
        var w = new Tensor<T>(target.ShapeArray);
        ReadOnlySpan<int> t = target.AsSpan();
        Span<int> s = safe.AsSpan();
        Span<T> ws = w.AsSpan();
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i] == ignoreIndex) continue; // index 0, weight 0
            if ((uint)t[i] >= (uint)c)
                throw new ArgumentOutOfRangeException(nameof(target), $"NllLoss: target {t[i]} at flat position {i} is out of range [0, {c}) for input {x.ShapeString} (and is not the ignore index {ignoreIndex}).");
            s[i] = t[i];
            ws[i] = weight is null ? T.One : weight.AsSpan()[t[i]];
        }
        var picked = input.Gather(classAxis, safe.Unsqueeze(classAxis)).Reshape(target.ShapeArray);
        var loss = -(picked * w.AsVariable());
        return reduction switch
        {
            Reduction.None => loss,
            Reduction.Sum => loss.Sum(),
            _ => loss.Sum() / w.SumAll(),
        };
    }
}

/// <summary>
/// <c>torch.nn.MSELoss</c>: the mean squared error as a module (no parameters); see <see cref="Functional.MseLoss{T}"/>.
/// </summary>
public sealed class MseLoss<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is BatchMean.</exception>
    public MseLoss(Reduction reduction = Reduction.Mean)
    {
        LossReductions.Check(reduction, "MseLoss");
        Reduction = reduction;
    }

    /// <summary>How the elementwise losses are reduced.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/> (same shape).</summary>
    /// <param name="input">Predictions.</param>
    /// <param name="target">Targets of the same shape.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public Variable<T> Forward(Variable<T> input, Variable<T> target) => Functional.MseLoss(input, target, Reduction);
}

/// <summary>
/// <c>torch.nn.BCEWithLogitsLoss</c>: binary cross-entropy on logits as a module (no parameters); see
/// <see cref="Functional.BinaryCrossEntropyWithLogits{T}"/>.
/// </summary>
public sealed class BceWithLogitsLoss<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <param name="posWeight">Weight of the positive term, broadcast to the input (e.g. one per class); null means 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is BatchMean.</exception>
    public BceWithLogitsLoss(Reduction reduction = Reduction.Mean, Tensor<T>? posWeight = null)
    {
        LossReductions.Check(reduction, "BceWithLogitsLoss");
        Reduction = reduction;
        PosWeight = posWeight?.Clone();
    }

    /// <summary>How the elementwise losses are reduced.</summary>
    public Reduction Reduction { get; }

    /// <summary>The positive-term weight (a copy of the constructor's), or null.</summary>
    public Tensor<T>? PosWeight { get; }

    /// <summary>The loss of the logits <paramref name="input"/> against <paramref name="target"/> (same shape).</summary>
    /// <param name="input">Logits.</param>
    /// <param name="target">Targets in [0, 1], of the input's shape.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public Variable<T> Forward(Variable<T> input, Tensor<T> target) => Functional.BinaryCrossEntropyWithLogits(input, target, PosWeight, Reduction);
}

/// <summary>
/// <c>torch.nn.NLLLoss</c>: negative log-likelihood of log-probabilities (class on axis 1) as a module (no parameters);
/// see <see cref="Functional.NllLoss{T}"/>.
/// </summary>
public sealed class NllLoss<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Per-class weights (C), or null.</param>
    /// <param name="ignoreIndex">Target value of positions to skip (default −100).</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <exception cref="ArgumentOutOfRangeException">The reduction is BatchMean.</exception>
    public NllLoss(Tensor<T>? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        LossReductions.Check(reduction, "NllLoss");
        Weight = weight?.Clone();
        IgnoreIndex = ignoreIndex;
        Reduction = reduction;
    }

    /// <summary>The per-class weights (a copy of the constructor's), or null.</summary>
    public Tensor<T>? Weight { get; }

    /// <summary>The target value of skipped positions.</summary>
    public int IgnoreIndex { get; }

    /// <summary>How the per-position losses are reduced.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of log-probabilities <paramref name="input"/> against class indices <paramref name="target"/>.</summary>
    /// <param name="input">(C), (N, C) or (N, C, d1, ...) log-probabilities.</param>
    /// <param name="target">(), (N) or (N, d1, ...) class indices.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is out of range.</exception>
    public Variable<T> Forward(Variable<T> input, Tensor<int> target) => Functional.NllLoss(input, target, Weight, IgnoreIndex, Reduction);
}

/// <summary>The reductions the PyTorch-style losses accept.</summary>
internal static class LossReductions
{
    /// <summary>Throws unless <paramref name="reduction"/> is Mean, Sum or None (BatchMean is CrossEntropy's alone).</summary>
    internal static void Check(Reduction reduction, string op)
    {
        if (reduction is not (Reduction.None or Reduction.Sum or Reduction.Mean))
            throw new ArgumentOutOfRangeException(nameof(reduction), $"{op}: reduction {reduction} is not supported (use Mean, Sum or None).");
    }
}
