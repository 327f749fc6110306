using System.Numerics;
using MiniTorch.Nn.Optim;

namespace MiniTorch.Nn.Checkpoint;

/// <summary>
/// One safetensors file holding a whole training state: the model's parameters under "model.NAME", the optimizer's
/// state under "optim.KEY" and the learning-rate scheduler's under "sched.KEY" (see the <c>StateDict</c> methods
/// for the keys), plus metadata "minitorch.kind" = "training" and "minitorch.optimizer".
/// <para>
/// <see cref="Load{T}"/> is all-or-nothing across the three: the file is read and validated, the optimizer's and
/// scheduler's states are validated, then the model is loaded (which validates before changing anything), and only
/// then are the already-validated optimizer and scheduler states installed.
/// </para>
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The key prefix of the model's parameters.</summary>
    public const string ModelPrefix = "model.";

    /// <summary>The key prefix of the optimizer's state.</summary>
    public const string OptimizerPrefix = "optim.";

    /// <summary>The key prefix of the scheduler's state.</summary>
    public const string SchedulerPrefix = "sched.";

    /// <summary>Saves <paramref name="model"/> (and the optimizer and scheduler, when given) to <paramref name="path"/>, atomically.</summary>
    /// <param name="path">The safetensors file to write.</param>
    /// <param name="model">The model whose parameters are saved (under <see cref="ModelPrefix"/>).</param>
    /// <param name="optimizer">The optimizer whose state is saved too (under <see cref="OptimizerPrefix"/>), or null.</param>
    /// <param name="scheduler">The learning-rate scheduler whose state is saved too (under <see cref="SchedulerPrefix"/>), or null.</param>
    /// <param name="metadata">Extra string metadata stored in the file's header, or null.</param>
    public static void Save<T>(string path, Module<T> model, Optimizer<T>? optimizer = null, LrScheduler<T>? scheduler = null,
        IReadOnlyDictionary<string, string>? metadata = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var all = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        foreach (var (k, v) in model.StateDict()) all[ModelPrefix + k] = v;
        if (optimizer is not null) foreach (var (k, v) in optimizer.StateDict()) all[OptimizerPrefix + k] = v;
        if (scheduler is not null) foreach (var (k, v) in scheduler.StateDict()) all[SchedulerPrefix + k] = v;
        var own = new List<(string, string)> { ("kind", "training") };
        if (optimizer is not null) own.Add(("optimizer", optimizer.Name));
        Safetensors.Save(path, all, CheckpointExtensions.Metadata(metadata, own.ToArray()));
    }

    /// <summary>
    /// Restores what <see cref="Save{T}"/> wrote into <paramref name="model"/> and, when given, the optimizer and
    /// scheduler (the file must then hold their state). Parts present in the file but not asked for are ignored.
    /// With <paramref name="strict"/> (as <see cref="Module{T}.LoadStateDict"/>) keys with none of the three prefixes
    /// are an error; otherwise they are ignored. On any error a <see cref="CheckpointException"/> is thrown and
    /// nothing has changed.
    /// </summary>
    /// <param name="path">The safetensors file to read.</param>
    /// <param name="model">The model whose parameters are restored.</param>
    /// <param name="optimizer">The optimizer to restore too, or null.</param>
    /// <param name="scheduler">The learning-rate scheduler to restore too, or null.</param>
    /// <param name="strict">Whether keys with none of the three prefixes are an error.</param>
    public static void Load<T>(string path, Module<T> model, Optimizer<T>? optimizer = null, LrScheduler<T>? scheduler = null,
        bool strict = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        Dictionary<string, Tensor<T>> all;
        using (var file = SafetensorsFile.Open(path))
        {
            CheckpointExtensions.CheckKind(path, file.Metadata, "training");
            if (optimizer is not null) CheckpointExtensions.CheckOptimizerName(path, file.Metadata, optimizer);
            all = file.ReadAll<T>();
        }
        var modelState = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        var optim = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        var sched = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        foreach (var (k, v) in all)
        {
            if (k.StartsWith(ModelPrefix, StringComparison.Ordinal)) modelState[k[ModelPrefix.Length..]] = v;
            else if (k.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optim[k[OptimizerPrefix.Length..]] = v;
            else if (k.StartsWith(SchedulerPrefix, StringComparison.Ordinal)) sched[k[SchedulerPrefix.Length..]] = v;
            else if (strict) throw new CheckpointException(path, k, $"the name has none of the prefixes {ModelPrefix}, {OptimizerPrefix}, {SchedulerPrefix}.");
        }
        if (modelState.Count == 0) throw new CheckpointException(path, null, $"the file holds no model parameters (no '{ModelPrefix}' keys).");
        try
        {
            Optimizer<T>.PreparedState? optimState = null;
            Action? schedState = null;
            if (optimizer is not null)
            {
                if (optim.Count == 0) throw new CheckpointException(path, null, "the file holds no optimizer state (no 'optim.' keys).");
                optimState = optimizer.ValidateStateDict(optim);
            }
            if (scheduler is not null)
            {
                if (sched.Count == 0) throw new CheckpointException(path, null, "the file holds no scheduler state (no 'sched.' keys).");
                schedState = scheduler.ValidateStateDict(sched);
            }
            model.LoadStateDict(modelState, strict);
            optimState?.Apply();
            schedState?.Invoke();
        }
        catch (ArgumentException e) { throw new CheckpointException(path, null, e.Message, e); }
    }
}
