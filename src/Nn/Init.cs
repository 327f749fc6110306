using System.Numerics;

namespace MiniTorch.Nn;

/// <summary>Which fan Kaiming initialisation keeps the variance for (PyTorch's <c>mode</c>).</summary>
public enum FanMode
{
    /// <summary>The number of inputs: preserves the variance of the activations in the forward pass (PyTorch's default).</summary>
    FanIn,
    /// <summary>The number of outputs: preserves the variance of the gradients in the backward pass.</summary>
    FanOut,
}

/// <summary>The nonlinearity a layer is followed by, for <see cref="Init.CalculateGain"/> (PyTorch's names).</summary>
public enum Nonlinearity
{
    /// <summary>Identity (gain 1).</summary>
    Linear,
    /// <summary>Logistic sigmoid (gain 1).</summary>
    Sigmoid,
    /// <summary>tanh (gain 5/3).</summary>
    Tanh,
    /// <summary>ReLU (gain √2).</summary>
    Relu,
    /// <summary>Leaky ReLU with negative slope a (gain √(2 / (1 + a²))).</summary>
    LeakyRelu,
    /// <summary>SELU (gain 3/4).</summary>
    Selu,
}

/// <summary>
/// Parameter initialisation (PyTorch's <c>torch.nn.init</c>), usable from a user's own module: each function fills a
/// tensor in place from an explicit <see cref="Rng"/> (no hidden global generator) and returns it, so
/// <c>RegisterParameter("w", Init.XavierUniform(new Tensor&lt;double&gt;(inF, outF), rng))</c> works.
/// <para>
/// Fans follow PyTorch's <c>_calculate_fan_in_and_fan_out</c> translated to this library's weight layout, which is
/// (in, out) (x·W), not PyTorch's (out, in): <b>axis 0 is fan_in and axis 1 is fan_out</b>, each multiplied by the
/// product of any further axes (a receptive field). So a Linear weight (in, out) has fan_in = in, and a recurrent
/// Wx (D, 4H) has fan_in = D and fan_out = 4H, exactly the fans PyTorch computes for the transposed (4H, D) weight.
/// Tensors of rank below 2 have no fans and are rejected by the fan-based functions.
/// </para>
/// </summary>
public static class Init
{
    // ---- helpers used by the built-in modules ----

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

    // ---- public initialisers ----

    /// <summary>Fills <paramref name="tensor"/> with samples of U(<paramref name="low"/>, <paramref name="high"/>) (<c>uniform_</c>).</summary>
    /// <param name="tensor">The tensor to fill, in place.</param>
    /// <param name="low">Lower bound (finite).</param>
    /// <param name="high">Upper bound (finite, ≥ low).</param>
    /// <param name="rng">The source of randomness.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite or high &lt; low.</exception>
    public static Tensor<T> Uniform<T>(Tensor<T> tensor, double low, double high, Rng rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Args(tensor, rng);
        if (!double.IsFinite(low) || !double.IsFinite(high) || high < low)
            throw new ArgumentOutOfRangeException(nameof(high), $"Init.Uniform: need finite low <= high, got low {low}, high {high}.");
        FillUniform(tensor, low, high, rng);
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with samples of N(<paramref name="mean"/>, <paramref name="std"/>²) (<c>normal_</c>).</summary>
    /// <param name="tensor">The tensor to fill, in place.</param>
    /// <param name="mean">Mean (finite).</param>
    /// <param name="std">Standard deviation (finite, ≥ 0).</param>
    /// <param name="rng">The source of randomness.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The mean is not finite or the std is negative or not finite.</exception>
    public static Tensor<T> Normal<T>(Tensor<T> tensor, double mean, double std, Rng rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Args(tensor, rng);
        if (!double.IsFinite(mean)) throw new ArgumentOutOfRangeException(nameof(mean), $"Init.Normal: mean must be finite, got {mean}.");
        CheckScale(std, "Init.Normal", "std");
        FillNormal(tensor, mean, std, rng);
        return tensor;
    }

    /// <summary>Sets every element to <paramref name="value"/> (<c>constant_</c>).</summary>
    /// <param name="tensor">The tensor to fill, in place.</param>
    /// <param name="value">The value.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor<T> Constant<T>(Tensor<T> tensor, double value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Fill(T.CreateChecked(value));
        return tensor;
    }

    /// <summary>Sets every element to 0 (<c>zeros_</c>).</summary>
    /// <param name="tensor">The tensor to fill, in place.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor<T> Zeros<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T> => Constant(tensor, 0);

    /// <summary>Sets every element to 1 (<c>ones_</c>).</summary>
    /// <param name="tensor">The tensor to fill, in place.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor<T> Ones<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T> => Constant(tensor, 1);

    /// <summary>
    /// The fans of a weight of <paramref name="shape"/> in this library's (in, out, receptive…) layout: fan_in =
    /// shape[0]·r, fan_out = shape[1]·r with r the product of the sizes after the first two (see the class remarks).
    /// </summary>
    /// <param name="shape">A shape of rank ≥ 2.</param>
    /// <returns>(fan_in, fan_out).</returns>
    /// <exception cref="ArgumentException">The rank is below 2.</exception>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(ReadOnlySpan<int> shape) => Fans(shape, "Init.CalculateFanInAndFanOut");

    private static (int FanIn, int FanOut) Fans(ReadOnlySpan<int> shape, string op)
    {
        if (shape.Length < 2)
            throw new ArgumentException($"{op}: fan in and fan out need a tensor of rank >= 2 (in, out, ...), got shape {Shapes.Str(shape.ToArray())}.");
        int receptive = 1;
        foreach (int size in shape[2..]) receptive *= size;
        return (shape[0] * receptive, shape[1] * receptive);
    }

    /// <summary>
    /// The recommended gain for a nonlinearity (<c>calculate_gain</c>): 1 for linear and sigmoid, 5/3 for tanh, √2 for
    /// ReLU, √(2 / (1 + a²)) for leaky ReLU with negative slope a (default 0.01), 3/4 for SELU.
    /// </summary>
    /// <param name="nonlinearity">The nonlinearity.</param>
    /// <param name="negativeSlope">Leaky ReLU's slope a (only for <see cref="Nonlinearity.LeakyRelu"/>; null means 0.01).</param>
    /// <returns>The gain.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The nonlinearity is unknown, or the slope is not finite.</exception>
    public static double CalculateGain(Nonlinearity nonlinearity, double? negativeSlope = null)
    {
        if (negativeSlope is { } s && !double.IsFinite(s))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), $"Init.CalculateGain: the negative slope must be finite, got {s}.");
        return nonlinearity switch
        {
            Nonlinearity.Linear or Nonlinearity.Sigmoid => 1,
            Nonlinearity.Tanh => 5.0 / 3,
            Nonlinearity.Relu => Math.Sqrt(2),
            Nonlinearity.LeakyRelu => Math.Sqrt(2 / (1 + Math.Pow(negativeSlope ?? 0.01, 2))),
            Nonlinearity.Selu => 0.75,
            _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), $"Init.CalculateGain: unknown nonlinearity {nonlinearity}."),
        };
    }

    /// <summary>
    /// Glorot/Xavier uniform (<c>xavier_uniform_</c>): U(−b, b) with b = gain·√(6 / (fan_in + fan_out)), so the variance
    /// is gain²·2/(fan_in + fan_out).
    /// </summary>
    /// <param name="tensor">A weight of rank ≥ 2 in (in, out, …) layout, filled in place.</param>
    /// <param name="rng">The source of randomness.</param>
    /// <param name="gain">Scale (finite, ≥ 0).</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentException">The rank is below 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The gain is negative or not finite.</exception>
    public static Tensor<T> XavierUniform<T>(Tensor<T> tensor, Rng rng, double gain = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double std = XavierStd(tensor, rng, gain, "Init.XavierUniform");
        double bound = Math.Sqrt(3) * std;
        FillUniform(tensor, -bound, bound, rng);
        return tensor;
    }

    /// <summary>Glorot/Xavier normal (<c>xavier_normal_</c>): N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).</summary>
    /// <param name="tensor">A weight of rank ≥ 2 in (in, out, …) layout, filled in place.</param>
    /// <param name="rng">The source of randomness.</param>
    /// <param name="gain">Scale (finite, ≥ 0).</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentException">The rank is below 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The gain is negative or not finite.</exception>
    public static Tensor<T> XavierNormal<T>(Tensor<T> tensor, Rng rng, double gain = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        FillNormal(tensor, 0, XavierStd(tensor, rng, gain, "Init.XavierNormal"), rng);
        return tensor;
    }

    private static double XavierStd<T>(Tensor<T> tensor, Rng rng, double gain, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Args(tensor, rng);
        CheckScale(gain, op, "gain");
        var (fanIn, fanOut) = Fans(tensor.Shape, op);
        return tensor.Length == 0 ? 0 : gain * Math.Sqrt(2.0 / (fanIn + fanOut));
    }

    /// <summary>
    /// He/Kaiming uniform (<c>kaiming_uniform_</c>): U(−b, b) with b = √3·gain/√fan, gain from
    /// <see cref="CalculateGain"/>(<paramref name="nonlinearity"/>, <paramref name="a"/>) and fan chosen by
    /// <paramref name="mode"/>. PyTorch's defaults: a = 0, fan_in, leaky ReLU (so gain √2).
    /// </summary>
    /// <param name="tensor">A weight of rank ≥ 2 in (in, out, …) layout, filled in place.</param>
    /// <param name="rng">The source of randomness.</param>
    /// <param name="a">The negative slope of the leaky ReLU that follows (used only with <see cref="Nonlinearity.LeakyRelu"/>).</param>
    /// <param name="mode">Which fan to use.</param>
    /// <param name="nonlinearity">The nonlinearity that follows.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentException">The rank is below 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">a is not finite, or the mode or nonlinearity is unknown.</exception>
    public static Tensor<T> KaimingUniform<T>(Tensor<T> tensor, Rng rng, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bound = Math.Sqrt(3) * KaimingStd(tensor, rng, a, mode, nonlinearity, "Init.KaimingUniform");
        FillUniform(tensor, -bound, bound, rng);
        return tensor;
    }

    /// <summary>He/Kaiming normal (<c>kaiming_normal_</c>): N(0, std²) with std = gain/√fan (see <see cref="KaimingUniform{T}"/>).</summary>
    /// <param name="tensor">A weight of rank ≥ 2 in (in, out, …) layout, filled in place.</param>
    /// <param name="rng">The source of randomness.</param>
    /// <param name="a">The negative slope of the leaky ReLU that follows (used only with <see cref="Nonlinearity.LeakyRelu"/>).</param>
    /// <param name="mode">Which fan to use.</param>
    /// <param name="nonlinearity">The nonlinearity that follows.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentException">The rank is below 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">a is not finite, or the mode or nonlinearity is unknown.</exception>
    public static Tensor<T> KaimingNormal<T>(Tensor<T> tensor, Rng rng, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        FillNormal(tensor, 0, KaimingStd(tensor, rng, a, mode, nonlinearity, "Init.KaimingNormal"), rng);
        return tensor;
    }

    private static double KaimingStd<T>(Tensor<T> tensor, Rng rng, double a, FanMode mode, Nonlinearity nonlinearity, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Args(tensor, rng);
        if (!double.IsFinite(a)) throw new ArgumentOutOfRangeException(nameof(a), $"{op}: the negative slope a must be finite, got {a}.");
        var (fanIn, fanOut) = Fans(tensor.Shape, op);
        int fan = mode switch
        {
            FanMode.FanIn => fanIn,
            FanMode.FanOut => fanOut,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), $"{op}: unknown mode {mode} (FanIn or FanOut)."),
        };
        double gain = CalculateGain(nonlinearity, a);
        return tensor.Length == 0 ? 0 : gain / Math.Sqrt(fan);
    }

    /// <summary>
    /// A (semi-)orthogonal matrix (<c>orthogonal_</c>, Saxe et al.): the tensor, viewed as (rows = shape[0], cols = the
    /// rest), becomes gain·Q with Q from the QR decomposition (in float64, <see cref="Tensor.Qr"/>) of a standard
    /// normal matrix, signs fixed so R's diagonal is positive. Rows are orthonormal when rows ≤ cols (Q·Qᵀ = I), columns
    /// when rows ≥ cols (Qᵀ·Q = I).
    /// </summary>
    /// <param name="tensor">A tensor of rank ≥ 2, filled in place.</param>
    /// <param name="rng">The source of randomness.</param>
    /// <param name="gain">Scale (finite, ≥ 0).</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentException">The rank is below 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The gain is negative or not finite.</exception>
    public static Tensor<T> Orthogonal<T>(Tensor<T> tensor, Rng rng, double gain = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Args(tensor, rng);
        CheckScale(gain, "Init.Orthogonal", "gain");
        if (tensor.Rank < 2)
            throw new ArgumentException($"Init.Orthogonal: needs a tensor of rank >= 2, got shape {tensor.ShapeString}.");
        if (tensor.Length == 0) return tensor;
        int rows = tensor.Shape[0], cols = tensor.Length / rows;
        var a = rng.Normal<double>([rows, cols]);
        if (rows < cols) a = a.Transpose();
        var q = a.Qr().Q;                                   // (max, min) with orthonormal columns
        if (rows < cols) q = q.Transpose();
        var dst = tensor.AsSpan();
        ReadOnlySpan<double> src = q.AsSpan();
        for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateChecked(gain * src[i]);
        return tensor;
    }

    /// <summary>
    /// Sets the forget-gate block of an LSTM bias in this library's gate layout (i, f, o, g; b of shape (4H,)) to
    /// <paramref name="value"/>, i.e. b[H..2H) (Jozefowicz et al. suggest 1, so the cell remembers by default). The
    /// other blocks are unchanged. For a PyTorch layout (i, f, g, o) the f block is the same slice.
    /// </summary>
    /// <param name="bias">The bias (4H,), changed in place.</param>
    /// <param name="value">The forget-gate bias (finite).</param>
    /// <returns><paramref name="bias"/>.</returns>
    /// <exception cref="ArgumentException">The bias is not of shape (4H,) with H ≥ 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite.</exception>
    public static Tensor<T> LstmForgetGateBias<T>(Tensor<T> bias, double value = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(bias);
        if (bias.Rank != 1 || bias.Length == 0 || bias.Length % 4 != 0)
            throw new ArgumentException($"Init.LstmForgetGateBias: the bias must be (4H,) with H >= 1 (gates i, f, o, g), got shape {bias.ShapeString}.");
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), $"Init.LstmForgetGateBias: value must be finite, got {value}.");
        int h = bias.Length / 4;
        bias.AsSpan().Slice(h, h).Fill(T.CreateChecked(value));
        return bias;
    }

    private static void Args<T>(Tensor<T> tensor, Rng rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(rng);
    }

    private static void CheckScale(double value, string op, string name)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, $"{op}: {name} must be finite and >= 0, got {value}.");
    }

    private static void FillUniform<T>(Tensor<T> tensor, double low, double high, Rng rng) where T : unmanaged, IFloatingPointIeee754<T> =>
        tensor.CopyFrom(rng.Uniform<T>(tensor.ShapeArray, low, high));

    private static void FillNormal<T>(Tensor<T> tensor, double mean, double std, Rng rng) where T : unmanaged, IFloatingPointIeee754<T> =>
        tensor.CopyFrom(rng.Normal<T>(tensor.ShapeArray, mean, std));
}
