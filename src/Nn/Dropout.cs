using System.Numerics;

namespace MiniTorch.Nn;

/// <summary>
/// Inverted dropout as a module (PyTorch's <c>nn.Dropout</c>): in training mode each element is zeroed with
/// probability <see cref="P"/> and the kept ones are scaled by 1/(1 - p) (see <see cref="Ops.Dropout{T}"/>); in
/// evaluation mode (<see cref="Module{T}.Eval"/>) the input passes through unchanged. The masks are drawn from the
/// generator given to the constructor, so a seeded run is reproducible. No parameters.
/// </summary>
public sealed class Dropout<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Rng _rng;

    /// <summary>Creates the module.</summary>
    /// <param name="p">The drop probability, in [0, 1).</param>
    /// <param name="rng">Source of the masks (kept and drawn from at every training-mode forward).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="rng"/> is null.</exception>
    public Dropout(double p, Rng rng)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: p must be in [0, 1), got {p}.");
        ArgumentNullException.ThrowIfNull(rng);
        P = p;
        _rng = rng;
    }

    /// <summary>The drop probability.</summary>
    public double P { get; }

    /// <summary>Applies dropout in training mode; returns <paramref name="x"/> itself in evaluation mode.</summary>
    /// <param name="x">The input, any shape.</param>
    /// <returns>x with elements dropped and the rest scaled by 1/(1 - p), or x.</returns>
    public Variable<T> Forward(Variable<T> x) => Ops.Dropout(x, P, _rng, Training);
}
