using System.Numerics;
using MiniTorch.Nn.Optim;

namespace MiniTorch.Nn.Checkpoint;

/// <summary>
/// Saving and loading modules and optimizers as safetensors files. Loading reads and validates the whole file,
/// then hands the tensors to the target's own <c>LoadStateDict</c>, which checks names and shapes before changing
/// anything: on any error (a <see cref="CheckpointException"/> naming the file) the target is exactly as it was.
/// <para>
/// Files carry metadata "minitorch.kind" ("module", "optimizer" or "training") and, for optimizer state,
/// "minitorch.optimizer" (e.g. "Adam"), which loading checks. Keys starting with "minitorch." are reserved.
/// </para>
/// </summary>
public static class CheckpointExtensions
{
    /// <summary>Metadata key naming what the file holds.</summary>
    public const string KindKey = "minitorch.kind";

    /// <summary>Metadata key naming the optimizer class whose state the file holds.</summary>
    public const string OptimizerKey = "minitorch.optimizer";

    /// <summary>Saves the module's parameters (<see cref="Module{T}.StateDict"/>) to <paramref name="path"/>, atomically.</summary>
    /// <param name="module">The module whose parameters are saved.</param>
    /// <param name="path">The safetensors file to write.</param>
    /// <param name="metadata">Extra string metadata stored in the file's header, or null.</param>
    public static void Save<T>(this Module<T> module, string path, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(module);
        Safetensors.Save(path, module.StateDict(), Metadata(metadata, ("kind", "module")));
    }

    /// <summary>
    /// Loads parameters saved by <see cref="Save{T}(Module{T}, string, IReadOnlyDictionary{string, string}?)"/> (or any
    /// safetensors file of the module's dtype with its parameter names). <paramref name="strict"/> as
    /// <see cref="Module{T}.LoadStateDict"/>: every parameter present and no unknown names.
    /// </summary>
    /// <param name="module">The module whose parameters are overwritten.</param>
    /// <param name="path">The safetensors file to read.</param>
    /// <param name="strict">Whether every parameter must be present and no unknown name may be.</param>
    public static void Load<T>(this Module<T> module, string path, bool strict = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(module);
        Dictionary<string, Tensor<T>> state;
        using (var file = SafetensorsFile.Open(path))
        {
            CheckKind(path, file.Metadata, "module");
            state = file.ReadAll<T>();
        }
        try { module.LoadStateDict(state, strict); }
        catch (ArgumentException e) { throw new CheckpointException(path, null, e.Message, e); }
    }

    /// <summary>Saves the optimizer's state (<see cref="Optimizer{T}.StateDict"/>) to <paramref name="path"/>, atomically.</summary>
    /// <param name="optimizer">The optimizer whose state is saved.</param>
    /// <param name="path">The safetensors file to write.</param>
    /// <param name="metadata">Extra string metadata stored in the file's header, or null.</param>
    public static void Save<T>(this Optimizer<T> optimizer, string path, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Safetensors.Save(path, optimizer.StateDict(), Metadata(metadata, ("kind", "optimizer"), ("optimizer", optimizer.Name)));
    }

    /// <summary>
    /// Loads optimizer state saved by <see cref="Save{T}(Optimizer{T}, string, IReadOnlyDictionary{string, string}?)"/>
    /// from an optimizer of the same class over parameters of the same shapes, in the same order.
    /// </summary>
    /// <param name="optimizer">The optimizer whose state is overwritten.</param>
    /// <param name="path">The safetensors file to read.</param>
    public static void Load<T>(this Optimizer<T> optimizer, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Dictionary<string, Tensor<T>> state;
        using (var file = SafetensorsFile.Open(path))
        {
            CheckKind(path, file.Metadata, "optimizer");
            CheckOptimizerName(path, file.Metadata, optimizer);
            state = file.ReadAll<T>();
        }
        try { optimizer.ValidateStateDict(state).Apply(); }
        catch (ArgumentException e) { throw new CheckpointException(path, null, e.Message, e); }
    }

    /// <summary>Throws when the file says it holds something other than <paramref name="expected"/> (files without the key pass).</summary>
    internal static void CheckKind(string path, IReadOnlyDictionary<string, string> metadata, string expected)
    {
        if (metadata.TryGetValue(KindKey, out var kind) && kind != expected)
            throw new CheckpointException(path, null, kind switch
            {
                "training" => "the file is a training checkpoint; load it with TrainingCheckpoint.Load.",
                "optimizer" => "the file holds optimizer state; load it with optimizer.Load.",
                "module" => "the file holds module parameters; load it with module.Load.",
                TorchStateDict.Kind => "the file holds a PyTorch state_dict; load it with module.LoadTorch.",
                _ => $"the file holds '{kind}', not {expected} state.",
            });
    }

    internal static void CheckOptimizerName<T>(string path, IReadOnlyDictionary<string, string> metadata, Optimizer<T> optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (metadata.TryGetValue(OptimizerKey, out var name) && name != optimizer.Name)
            throw new CheckpointException(path, null, $"the file holds {name} state, which cannot be loaded into {optimizer.Name}.");
    }

    /// <summary>The user's metadata plus the reserved "minitorch.*" entries (user keys may not use that prefix).</summary>
    internal static Dictionary<string, string> Metadata(IReadOnlyDictionary<string, string>? user, params (string Key, string Value)[] own)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (user is not null)
            foreach (var (k, v) in user)
            {
                if (k is not null && k.StartsWith("minitorch.", StringComparison.Ordinal))
                    throw new ArgumentException($"Checkpoint: metadata key '{k}' clashes with the reserved 'minitorch.' prefix.", nameof(user));
                d[k!] = v;
            }
        foreach (var (k, v) in own) d["minitorch." + k] = v;
        return d;
    }
}
