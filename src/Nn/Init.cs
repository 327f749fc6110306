using System.Numerics;

namespace MiniTorch.Nn;

/// <summary>Parameter initialisation and constructor-argument checks shared by the modules.</summary>
internal static class Init
{
    /// <summary>Samples from U(-bound, bound), PyTorch's default for Linear, RNN and LSTM weights (bound 1/√fan).</summary>
    internal static Tensor<T> Uniform<T>(Rng rng, double bound, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        rng.Uniform<T>(shape, -bound, bound);

    /// <summary>A type's name for messages (modules, optimizers, schedulers), without the generic arity ("Linear", not "Linear`1").</summary>
    internal static string Kind(object module)
    {
        var name = module.GetType().Name;
        int tick = name.IndexOf('`');
        return tick >= 0 ? name[..tick] : name;
    }

    /// <summary>Throws unless <paramref name="value"/> is at least 1.</summary>
    internal static void Positive(string module, string name, int value)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, $"{module}: {name} must be at least 1, got {value}.");
    }
}
