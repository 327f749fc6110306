using System.Globalization;
using System.Numerics;

namespace MiniTorch.Nn.Optim;

/// <summary>
/// A learning-rate schedule (PyTorch's <c>torch.optim.lr_scheduler</c>): call <see cref="Step"/> once per epoch,
/// after that epoch's optimizer steps; it sets the optimizer's <see cref="Optimizer{T}.LearningRate"/> for the
/// next epoch. <see cref="LastEpoch"/> counts the calls.
/// </summary>
public abstract class LrScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The state-dict key of <see cref="LastEpoch"/>.</summary>
    public const string LastEpochKey = "last_epoch";

    /// <summary>The state-dict key of <see cref="BaseLearningRate"/>.</summary>
    public const string BaseLrKey = "base_lr";

    /// <summary>Attaches to <paramref name="optimizer"/>; its current learning rate becomes the base rate.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    protected LrScheduler(Optimizer<T> optimizer)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        BaseLearningRate = optimizer.LearningRate;
    }

    /// <summary>The optimizer whose learning rate is scheduled.</summary>
    public Optimizer<T> Optimizer { get; }

    /// <summary>The learning rate at construction (epoch 0).</summary>
    public T BaseLearningRate { get; private set; }

    /// <summary>The number of <see cref="Step"/> calls (the epoch whose learning rate is now set).</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The scheduler's name in messages (the class name, e.g. "StepLr").</summary>
    public string Name => Init.Kind(this);

    /// <summary>Advances one epoch and sets the optimizer's learning rate for it.</summary>
    public void Step()
    {
        int epoch = LastEpoch + 1;
        var lr = LearningRateAt(epoch, Optimizer.LearningRate);
        if (!T.IsFinite(lr) || lr < T.Zero)
            throw new InvalidOperationException($"{Name}.Step: the schedule gives learning rate {Fmt(lr)} at epoch {epoch} (must be finite and >= 0); nothing changed.");
        Optimizer.LearningRate = lr;
        LastEpoch = epoch;
    }

    /// <summary>The learning rate for <paramref name="epoch"/> (&gt;= 1), given the <paramref name="current"/> one.</summary>
    /// <param name="epoch">The epoch (1 after the first <see cref="Step"/>).</param>
    /// <param name="current">The learning rate now.</param>
    /// <returns>The learning rate for the epoch.</returns>
    protected abstract T LearningRateAt(int epoch, T current);

    /// <summary>Formats a value for messages.</summary>
    /// <param name="v">The value.</param>
    /// <returns>Its text (invariant culture, round-trippable).</returns>
    protected static string Fmt(T v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The schedule's position: "last_epoch" and "base_lr" (scalars). The schedule's shape (step size, gamma, the
    /// lambda) is not state: it comes from the constructor, as in PyTorch. The learning rate itself is part of the
    /// optimizer's state.
    /// </summary>
    /// <returns>The state, by key (new scalars).</returns>
    public Dictionary<string, Tensor<T>> StateDict() => new()
    {
        [LastEpochKey] = Tensor.Scalar(T.CreateChecked(LastEpoch)),
        [BaseLrKey] = Tensor.Scalar(BaseLearningRate),
    };

    /// <summary>
    /// Restores <see cref="StateDict"/>; checks everything first (exact keys, scalars, a non-negative integer epoch
    /// and a valid base rate) and throws an <see cref="ArgumentException"/> without changing anything otherwise.
    /// </summary>
    /// <param name="state">A state as made by <see cref="StateDict"/>.</param>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor<T>> state) => ValidateStateDict(state)();

    /// <summary>Checks <paramref name="state"/> and returns the action that installs it (it cannot fail).</summary>
    internal Action ValidateStateDict(IReadOnlyDictionary<string, Tensor<T>> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var errors = new List<string>();
        T Scalar(string key)
        {
            if (!state.TryGetValue(key, out var t) || t is null) { errors.Add($"missing: {key}"); return T.NaN; }
            if (t.Length != 1) { errors.Add($"{key}: shape {t.ShapeString}, expected a scalar"); return T.NaN; }
            return t.AsSpan()[0];
        }
        T epoch = Scalar(LastEpochKey), baseLr = Scalar(BaseLrKey);
        foreach (var k in state.Keys)
            if (k != LastEpochKey && k != BaseLrKey) errors.Add($"unexpected: {k}");
        if (state.ContainsKey(LastEpochKey) && !(T.IsInteger(epoch) && epoch >= T.Zero && epoch <= T.CreateChecked(int.MaxValue)))
            errors.Add($"{LastEpochKey}: {Fmt(epoch)} is not a non-negative integer");
        if (state.ContainsKey(BaseLrKey) && !(T.IsFinite(baseLr) && baseLr >= T.Zero))
            errors.Add($"{BaseLrKey}: {Fmt(baseLr)} is not a finite non-negative learning rate");
        if (errors.Count > 0)
            throw new ArgumentException($"{Name}.LoadStateDict: " + string.Join("; ", errors));
        int e = int.CreateChecked(epoch);
        return () => { LastEpoch = e; BaseLearningRate = baseLr; };
    }
}

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> epochs (PyTorch's <c>StepLR</c>, chainable
/// form: at epochs stepSize, 2·stepSize, ... the current rate is multiplied).
/// </summary>
public sealed class StepLr<T> : LrScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _gamma;

    /// <summary>Throws an <see cref="ArgumentException"/> for stepSize &lt; 1 or a negative or non-finite gamma.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="stepSize">The period in epochs (at least 1).</param>
    /// <param name="gamma">The factor applied every period.</param>
    public StepLr(Optimizer<T> optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize < 1) throw new ArgumentException($"StepLr: invalid step size {stepSize} (must be >= 1).", nameof(stepSize));
        if (!double.IsFinite(gamma) || gamma < 0) throw new ArgumentException($"StepLr: invalid gamma {gamma.ToString("R", CultureInfo.InvariantCulture)} (must be finite and >= 0).", nameof(gamma));
        StepSize = stepSize;
        _gamma = T.CreateChecked(gamma);
    }

    /// <summary>The period in epochs.</summary>
    public int StepSize { get; }

    /// <summary>The decay factor.</summary>
    public T Gamma => _gamma;

    /// <inheritdoc/>
    protected override T LearningRateAt(int epoch, T current) => epoch % StepSize == 0 ? current * _gamma : current;
}

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> every epoch: CS231n's per-epoch <c>lr *= lr_decay</c> (its
/// Solver's <c>lr_decay</c>) and PyTorch's <c>ExponentialLR</c> (chainable form).
/// </summary>
public sealed class ExponentialLr<T> : LrScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _gamma;

    /// <summary>Throws an <see cref="ArgumentException"/> for a negative or non-finite gamma.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="gamma">The factor applied every epoch.</param>
    public ExponentialLr(Optimizer<T> optimizer, double gamma) : base(optimizer)
    {
        if (!double.IsFinite(gamma) || gamma < 0) throw new ArgumentException($"ExponentialLr: invalid gamma {gamma.ToString("R", CultureInfo.InvariantCulture)} (must be finite and >= 0).", nameof(gamma));
        _gamma = T.CreateChecked(gamma);
    }

    /// <summary>The per-epoch factor.</summary>
    public T Gamma => _gamma;

    /// <inheritdoc/>
    protected override T LearningRateAt(int epoch, T current) => current * _gamma;
}

/// <summary>
/// Sets the learning rate to <c>base · factor(epoch)</c> (PyTorch's <c>LambdaLR</c>); as PyTorch, the constructor
/// already applies <c>factor(0)</c>.
/// </summary>
public sealed class LambdaLr<T> : LrScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Func<int, double> _factor;

    /// <summary>
    /// Attaches to <paramref name="optimizer"/> and sets its rate to base·factor(0). A factor giving a negative or
    /// non-finite rate throws (an <see cref="ArgumentException"/> here, an <see cref="InvalidOperationException"/>
    /// from <see cref="LrScheduler{T}.Step"/>) without changing the rate.
    /// </summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="factor">The learning rate of epoch e is base·factor(e).</param>
    public LambdaLr(Optimizer<T> optimizer, Func<int, double> factor) : base(optimizer)
    {
        _factor = factor ?? throw new ArgumentNullException(nameof(factor));
        var lr = LearningRateAt(0, optimizer.LearningRate);
        if (!T.IsFinite(lr) || lr < T.Zero)
            throw new ArgumentException($"LambdaLr: the schedule gives learning rate {Fmt(lr)} at epoch 0 (must be finite and >= 0).", nameof(factor));
        optimizer.LearningRate = lr;
    }

    /// <inheritdoc/>
    protected override T LearningRateAt(int epoch, T current) =>
        T.CreateSaturating(double.CreateChecked(BaseLearningRate) * _factor(epoch));
}
