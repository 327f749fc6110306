using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Nn;

/// <summary>
/// An affine map y = x·W + b applied to the last axis of x (…, in) → (…, out), all leading axes in one matrix multiply.
/// <para>
/// Layout: the weight is stored (in, out), as in CS231n and the seed, so the forward is x·W with no transpose.
/// PyTorch's <c>nn.Linear</c> stores it (out, in) and computes x·Wᵀ; transpose a PyTorch weight to load it here.
/// </para>
/// <para>
/// Initialisation (PyTorch's default for <c>nn.Linear</c>): weight and bias ~ U(-1/√in, 1/√in), drawn from the
/// <see cref="Rng"/> passed to the constructor (weight first, then bias).
/// </para>
/// Parameters: "weight" (in, out) and, unless disabled, "bias" (out,).
/// </summary>
public class Linear<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="inFeatures">Size of the input's last axis (≥ 1).</param>
    /// <param name="outFeatures">Size of the output's last axis (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    /// <param name="bias">Whether to add a learned bias.</param>
    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true)
    {
        Init.Positive(Init.Kind(this), nameof(inFeatures), inFeatures);
        Init.Positive(Init.Kind(this), nameof(outFeatures), outFeatures);
        ArgumentNullException.ThrowIfNull(rng);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        double bound = 1 / Math.Sqrt(inFeatures);
        Weight = RegisterParameter("weight", Init.Uniform<T>(rng, bound, inFeatures, outFeatures));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform<T>(rng, bound, outFeatures));
    }

    /// <summary>Size of the input's last axis.</summary>
    public int InFeatures { get; }
    /// <summary>Size of the output's last axis.</summary>
    public int OutFeatures { get; }
    /// <summary>The weight W, (in, out).</summary>
    public Variable<T> Weight { get; }
    /// <summary>The bias b, (out,), or null when the layer has none.</summary>
    public Variable<T>? Bias { get; }

    /// <summary>y = x·W + b for x of shape (…, in); returns (…, out).</summary>
    /// <exception cref="ArgumentException">x is not (…, in).</exception>
    /// <param name="x">The input (…, in).</param>
    /// <returns>The output (…, out).</returns>
    public virtual Variable<T> Forward(Variable<T> x)
    {
        if (x.Rank < 1 || x.Dim(-1) != InFeatures)
            throw new ArgumentException($"{Init.Kind(this)}.Forward: x must be (…, {InFeatures}) (in_features = {InFeatures}), got {x.Data.ShapeString}.");
        var y = x.Rank == 1 ? x.Reshape(1, InFeatures).MatMul(Weight).Reshape(OutFeatures) : x.MatMul(Weight);
        return Bias is null ? y : y + Bias;
    }
}

/// <summary>
/// CS231n's temporal affine layer: a <see cref="Linear{T}"/> applied at every time step of x (N, T, D), giving
/// (N, T, M) with one (N·T, D)·(D, M) product. Same parameters ("weight" (D, M), "bias" (M,)) and initialisation
/// (U(-1/√D, 1/√D)) as <see cref="Linear{T}"/>; the hand-derived counterpart is
/// <c>MiniTorch.Reference.Cs231n.TemporalAffineForward</c>.
/// </summary>
public sealed class TemporalAffine<T> : Linear<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer (D = <paramref name="inputSize"/>, M = <paramref name="outputSize"/>).</summary>
    /// <param name="inputSize">D (≥ 1).</param>
    /// <param name="outputSize">M (≥ 1).</param>
    /// <param name="rng">Source of the initial values.</param>
    public TemporalAffine(int inputSize, int outputSize, Rng rng) : base(inputSize, outputSize, rng) { }

    /// <summary>out = x·w + b for x (N, T, D); returns (N, T, M).</summary>
    /// <exception cref="ArgumentException">x is not (N, T, D).</exception>
    /// <param name="x">The input (N, T, D).</param>
    /// <returns>The output (N, T, M).</returns>
    public override Variable<T> Forward(Variable<T> x)
    {
        Check("TemporalAffine.Forward", [A("x", x.Data, "N,T,D")], new Known("D", InFeatures, "input_size"));
        return base.Forward(x);
    }
}
