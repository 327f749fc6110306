using System.Numerics;

namespace MiniTorch.Nn;

/// <summary>
/// <c>torch.nn.LayerNorm</c>: normalises the trailing axes <see cref="NormalizedShape"/> of the input to zero mean and
/// unit (biased) variance per position, then applies an elementwise affine map (see <see cref="Ops.LayerNorm{T}"/>).
/// Parameters (with <c>elementwiseAffine</c>): "weight" (normalizedShape), initialised to ones, and unless disabled
/// "bias" (normalizedShape), initialised to zeros, as in PyTorch.
/// </summary>
public sealed class LayerNorm<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A layer normalising the last axis of size <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">Size of the last axis (≥ 1).</param>
    /// <param name="eps">Added to the variance (finite, ≥ 0).</param>
    /// <param name="elementwiseAffine">Learn a weight and a bias.</param>
    /// <param name="bias">With <paramref name="elementwiseAffine"/>, learn the bias too.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1 or eps is negative or not finite.</exception>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true)
        : this([normalizedShape], eps, elementwiseAffine, bias) { }

    /// <summary>A layer normalising the trailing axes of shape <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">Sizes of the trailing axes (at least one, each ≥ 1).</param>
    /// <param name="eps">Added to the variance (finite, ≥ 0).</param>
    /// <param name="elementwiseAffine">Learn a weight and a bias.</param>
    /// <param name="bias">With <paramref name="elementwiseAffine"/>, learn the bias too.</param>
    /// <exception cref="ArgumentOutOfRangeException">normalizedShape is empty or has a size below 1, or eps is negative or not finite.</exception>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(normalizedShape), "LayerNorm: normalizedShape must have at least one axis, got ().");
        foreach (int s in normalizedShape) Init.Positive("LayerNorm", nameof(normalizedShape), s);
        if (!double.IsFinite(eps) || eps < 0)
            throw new ArgumentOutOfRangeException(nameof(eps), $"LayerNorm: eps must be finite and >= 0, got {eps}.");
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones<T>(NormalizedShape));
            if (bias) Bias = RegisterParameter("bias", Tensor.Zeros<T>(NormalizedShape));
        }
    }

    /// <summary>The shape of the normalised trailing axes.</summary>
    public int[] NormalizedShape { get; }
    /// <summary>The value added to the variance.</summary>
    public double Eps { get; }
    /// <summary>The learned scale (normalizedShape), or null without an elementwise affine map.</summary>
    public Variable<T>? Weight { get; }
    /// <summary>The learned shift (normalizedShape), or null.</summary>
    public Variable<T>? Bias { get; }

    /// <summary>Normalises <paramref name="x"/> (…, normalizedShape); returns the same shape.</summary>
    /// <param name="x">The input, ending with <see cref="NormalizedShape"/>.</param>
    /// <returns>The normalised, scaled and shifted input.</returns>
    /// <exception cref="ArgumentException">x does not end with normalizedShape.</exception>
    public Variable<T> Forward(Variable<T> x) => x.LayerNorm(NormalizedShape, Weight, Bias, Eps);
}
