using System.Numerics;
using MiniTorch.Autograd.Functions;

namespace MiniTorch.Autograd;

/// <summary>
/// The differentiable op set as methods on <see cref="Variable{T}"/> (PyTorch's tensor methods and
/// <c>torch.nn.functional</c>). Each method creates one op object from Ops/ and applies it.
/// </summary>
public static class Ops
{
    /// <summary>Matrix product (see <see cref="MatMul{T}"/> for the supported shapes).</summary>
    /// <param name="a">The left operand, (…, M, K).</param>
    /// <param name="b">The right operand, (K, N) or (…, K, N).</param>
    /// <returns>The product (…, M, N), recorded for backward.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be multiplied.</exception>
    public static Variable<T> MatMul<T>(this Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => new MatMul<T>().Apply(a, b);
    /// <summary>c + a·b in one op (torch.addmm; c broadcasts to the product's shape; see <see cref="AddMatMul{T}"/>).</summary>
    /// <param name="c">The addend; broadcasts to the product's shape (a bias row, or a matrix).</param>
    /// <param name="a">The left factor, (…, M, K).</param>
    /// <param name="b">The right factor, (K, N) or (…, K, N).</param>
    /// <returns>c + a·b, (…, M, N), recorded for backward.</returns>
    /// <exception cref="ArgumentException">The shapes cannot be multiplied, or c does not broadcast to the product.</exception>
    public static Variable<T> AddMatMul<T>(Variable<T> c, Variable<T> a, Variable<T> b)
        where T : unmanaged, IFloatingPointIeee754<T> => new AddMatMul<T>().Apply(c, a, b);
    /// <summary>e^x.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Exp<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Exp<T>().Apply(x);
    /// <summary>Natural logarithm.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Log<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Log<T>().Apply(x);
    /// <summary>Hyperbolic tangent.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Tanh<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Tanh<T>().Apply(x);
    /// <summary>Logistic sigmoid.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Sigmoid<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Sigmoid<T>().Apply(x);
    /// <summary>max(x, 0).</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Relu<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Relu<T>().Apply(x);
    /// <summary>x².</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Square<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Square<T>().Apply(x);
    /// <summary>x^p for a constant p.</summary>
    /// <param name="x">The input.</param>
    /// <param name="p">The exponent.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Pow<T>(this Variable<T> x, T p) where T : unmanaged, IFloatingPointIeee754<T> => new Pow<T>(p).Apply(x);
    /// <summary>√x.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Sqrt<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Sqrt<T>().Apply(x);
    /// <summary>-x.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Neg<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => -x;

    /// <summary><c>torch.abs</c>: |x|; the gradient at 0 is 0 (sign(0), PyTorch's subgradient).</summary>
    /// <param name="x">The input.</param>
    /// <returns>|x|.</returns>
    public static Variable<T> Abs<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Abs<T>().Apply(x);
    /// <summary><c>torch.sin</c>.</summary>
    /// <param name="x">The input (radians).</param>
    /// <returns>sin x.</returns>
    public static Variable<T> Sin<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Sin<T>().Apply(x);
    /// <summary><c>torch.cos</c>.</summary>
    /// <param name="x">The input (radians).</param>
    /// <returns>cos x.</returns>
    public static Variable<T> Cos<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Cos<T>().Apply(x);
    /// <summary><c>F.leaky_relu</c>: x where x &gt; 0, else negativeSlope·x; the slope at 0 is negativeSlope (PyTorch's rule).</summary>
    /// <param name="x">The input.</param>
    /// <param name="negativeSlope">The slope for x ≤ 0 (finite; PyTorch's default 0.01).</param>
    /// <returns>The activation.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The slope is not finite.</exception>
    public static Variable<T> LeakyRelu<T>(this Variable<T> x, double negativeSlope = 0.01) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!double.IsFinite(negativeSlope))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), $"LeakyRelu: negativeSlope must be finite, got {negativeSlope}.");
        return new LeakyRelu<T>(T.CreateChecked(negativeSlope)).Apply(x);
    }
    /// <summary>
    /// <c>F.gelu(x, approximate)</c>: x·Φ(x) with the normal CDF Φ (exact, PyTorch's default) or its tanh approximation
    /// (see <see cref="GeluRule{T}"/>).
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="approximate">None (exact, erf) or Tanh.</param>
    /// <returns>The activation.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The approximation is not one of the enum's values.</exception>
    public static Variable<T> Gelu<T>(this Variable<T> x, GeluApproximation approximate = GeluApproximation.None) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (approximate is not (GeluApproximation.None or GeluApproximation.Tanh))
            throw new ArgumentOutOfRangeException(nameof(approximate), $"Gelu: unknown approximation {(int)approximate} (None or Tanh).");
        return new Gelu<T>(approximate).Apply(x);
    }
    /// <summary>
    /// <c>torch.clamp(x, min, max)</c>: min(max(x, min), max) with either bound optional. The gradient passes where
    /// min ≤ x ≤ max, bounds included (PyTorch's rule), and is 0 outside.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="min">The lower bound, or null.</param>
    /// <param name="max">The upper bound, or null.</param>
    /// <returns>The clamped input.</returns>
    /// <exception cref="ArgumentException">Both bounds are null, a bound is NaN, or min &gt; max (PyTorch would return max everywhere; here it is taken as a mistake).</exception>
    public static Variable<T> Clamp<T>(this Variable<T> x, double? min = null, double? max = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (min is null && max is null) throw new ArgumentException("Clamp: at least one of min and max must be given.");
        if (min is { } lo && double.IsNaN(lo)) throw new ArgumentOutOfRangeException(nameof(min), "Clamp: min NaN is not a bound.");
        if (max is { } hi && double.IsNaN(hi)) throw new ArgumentOutOfRangeException(nameof(max), "Clamp: max NaN is not a bound.");
        if (min > max) throw new ArgumentException($"Clamp: min {min.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is greater than max {max!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        return new Clamp<T>(min is null ? null : T.CreateChecked(min.Value), max is null ? null : T.CreateChecked(max.Value)).Apply(x);
    }

    /// <summary>Sum of all elements (rank-0 result).</summary>
    /// <param name="x">The input.</param>
    /// <returns>A rank-0 variable.</returns>
    public static Variable<T> Sum<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Sum<T>().Apply(x);
    /// <summary>Sum over one axis.</summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis (negative counts from the end).</param>
    /// <param name="keepDim">Whether the reduced axis stays, with size 1.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Sum<T>(this Variable<T> x, int axis, bool keepDim = false) where T : unmanaged, IFloatingPointIeee754<T> => new Sum<T>(axis, keepDim).Apply(x);
    /// <summary>Mean of all elements (rank-0 result).</summary>
    /// <param name="x">The input.</param>
    /// <returns>A rank-0 variable.</returns>
    public static Variable<T> Mean<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Mean<T>().Apply(x);
    /// <summary>Mean over one axis.</summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis (negative counts from the end).</param>
    /// <param name="keepDim">Whether the reduced axis stays, with size 1.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Mean<T>(this Variable<T> x, int axis, bool keepDim = false) where T : unmanaged, IFloatingPointIeee754<T> => new Mean<T>(axis, keepDim).Apply(x);

    /// <summary>A view with a new shape (one size may be -1).</summary>
    /// <param name="x">The input.</param>
    /// <param name="shape">The new sizes (one may be -1).</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Reshape<T>(this Variable<T> x, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> => new Reshape<T>(shape).Apply(x);
    /// <summary>Reorders axes.</summary>
    /// <param name="x">The input.</param>
    /// <param name="axes">A permutation of the axes.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Permute<T>(this Variable<T> x, params int[] axes) where T : unmanaged, IFloatingPointIeee754<T> => new Permute<T>(axes).Apply(x);
    /// <summary>Swaps two axes (default: the last two).</summary>
    /// <param name="x">The input.</param>
    /// <param name="axis0">The first axis.</param>
    /// <param name="axis1">The second axis.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Transpose<T>(this Variable<T> x, int axis0 = -2, int axis1 = -1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank < 2) throw new ArgumentException($"Transpose: needs rank >= 2, got shape {x.Data.ShapeString}.");
        var axes = Enumerable.Range(0, x.Rank).ToArray();
        int a = Shapes.Axis(axis0, x.Rank, "Transpose"), b = Shapes.Axis(axis1, x.Rank, "Transpose");
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return x.Permute(axes);
    }
    /// <summary>Elements start..start+length-1 along an axis.</summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis (negative counts from the end).</param>
    /// <param name="start">The first index kept.</param>
    /// <param name="length">How many indices are kept.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Narrow<T>(this Variable<T> x, int axis, int start, int length) where T : unmanaged, IFloatingPointIeee754<T> => new Narrow<T>(axis, start, length).Apply(x);
    /// <summary>The slice at <paramref name="index"/> along <paramref name="axis"/>, that axis removed.</summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis (negative counts from the end).</param>
    /// <param name="index">The position along the axis.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Select<T>(this Variable<T> x, int axis, int index) where T : unmanaged, IFloatingPointIeee754<T> => new Select<T>(axis, index).Apply(x);
    /// <summary>All slices along an axis (torch.unbind), one op whose backward writes their gradients into one buffer.</summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis (negative counts from the end).</param>
    /// <returns>One variable per index along the axis, each with that axis removed.</returns>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    public static Variable<T>[] Unbind<T>(this Variable<T> x, int axis = 0) where T : unmanaged, IFloatingPointIeee754<T> =>
        x.Shape[Shapes.Axis(axis, x.Rank, "Unbind")] == 0 ? [] : new Unbind<T>(axis).Apply(x);
    /// <summary>Joins along an existing axis.</summary>
    /// <param name="xs">The inputs, in order.</param>
    /// <param name="axis">The axis (negative counts from the end).</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Concat<T>(IReadOnlyList<Variable<T>> xs, int axis) where T : unmanaged, IFloatingPointIeee754<T> => new Concat<T>(axis).Apply(xs.ToArray());
    /// <summary>Joins along a new axis.</summary>
    /// <param name="xs">The inputs, in order, all of one shape.</param>
    /// <param name="axis">Where the new axis goes.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Stack<T>(IReadOnlyList<Variable<T>> xs, int axis) where T : unmanaged, IFloatingPointIeee754<T> => new Functions.Stack<T>(axis).Apply(xs.ToArray());
    /// <summary>Gathers slices along <paramref name="axis"/> by integer indices (embedding lookup is IndexSelect(0, ids)).</summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis (negative counts from the end).</param>
    /// <param name="indices">Positions along the axis, any shape.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> IndexSelect<T>(this Variable<T> x, int axis, Tensor<int> indices) where T : unmanaged, IFloatingPointIeee754<T> => new IndexSelect<T>(axis, indices).Apply(x);

    /// <summary>
    /// Inverted dropout (<c>torch.nn.functional.dropout</c>): in training mode each element is zeroed with probability
    /// <paramref name="p"/> and the kept ones are scaled by 1/(1 - p), so the expected value is unchanged; the mask is
    /// drawn from <paramref name="rng"/> (one uniform per element, in row-major order). Composed as x ⊙ mask, so the
    /// gradient is the upstream gradient ⊙ the same mask. Not training, or p = 0: x itself.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="p">The drop probability, in [0, 1).</param>
    /// <param name="rng">Source of the mask.</param>
    /// <param name="training">Whether to drop (false: return <paramref name="x"/>).</param>
    /// <returns>x with elements dropped and the rest scaled, or x.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> or <paramref name="rng"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1).</exception>
    public static Variable<T> Dropout<T>(Variable<T> x, double p, Rng rng, bool training = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rng);
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: p must be in [0, 1), got {p}.");
        if (!training || p == 0) return x;
        var mask = new Tensor<T>(x.Data.ShapeArray);
        T scale = T.CreateChecked(1 / (1 - p));
        var span = mask.AsSpan();
        for (int i = 0; i < span.Length; i++) span[i] = rng.NextDouble() >= p ? scale : T.Zero;
        return x * mask.AsVariable();
    }

    /// <summary>
    /// <c>torch.gather</c>: values picked along <paramref name="axis"/> by <paramref name="index"/> (the input's rank,
    /// sizes at most the input's on the other axes); the result has the index's shape. Backward scatter-adds, so a
    /// position picked twice gets both gradients.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis the index points along (negative counts from the end).</param>
    /// <param name="index">Positions in [0, x.Dim(axis)).</param>
    /// <returns>The gathered values.</returns>
    /// <exception cref="ArgumentException">The index's rank or sizes do not fit x, or the axis is out of range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index value is out of range.</exception>
    public static Variable<T> Gather<T>(this Variable<T> x, int axis, Tensor<int> index) where T : unmanaged, IFloatingPointIeee754<T> =>
        new Gather<T>(axis, index).Apply(x);
    /// <summary><c>torch.flip</c>: the elements in reverse order along each of <paramref name="axes"/>.</summary>
    /// <param name="x">The input.</param>
    /// <param name="axes">The axes to reverse, each at most once (negative counts from the end).</param>
    /// <returns>The flipped copy.</returns>
    /// <exception cref="ArgumentException">An axis is out of range or repeated.</exception>
    public static Variable<T> Flip<T>(this Variable<T> x, params int[] axes) where T : unmanaged, IFloatingPointIeee754<T> => new Flip<T>(axes).Apply(x);
    /// <summary>
    /// <c>torch.where(condition, a, b)</c>: a where the 0/1 mask is 1, else b; the three shapes broadcast together.
    /// The mask is a constant (e.g. <c>Tensor.Greater(x, y)</c>); values other than 0 and 1 are rejected.
    /// </summary>
    /// <param name="condition">The 0/1 mask.</param>
    /// <param name="a">Taken where the mask is 1.</param>
    /// <param name="b">Taken where the mask is 0.</param>
    /// <returns>The selected values, of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or the mask holds something other than 0 and 1.</exception>
    public static Variable<T> Where<T>(Tensor<T> condition, Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        new Where<T>(condition).Apply(a, b);
    /// <summary><c>torch.maximum</c>: elementwise max(a, b) with broadcasting; on ties each gets half the gradient.</summary>
    /// <param name="a">First operand.</param>
    /// <param name="b">Second operand.</param>
    /// <returns>The elementwise maximum.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Variable<T> Maximum<T>(this Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => new Maximum<T>().Apply(a, b);
    /// <summary><c>torch.minimum</c>: elementwise min(a, b) with broadcasting; on ties each gets half the gradient.</summary>
    /// <param name="a">First operand.</param>
    /// <param name="b">Second operand.</param>
    /// <returns>The elementwise minimum.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Variable<T> Minimum<T>(this Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => new Minimum<T>().Apply(a, b);
    /// <summary><c>torch.max(x)</c>: the largest element (rank 0); the gradient is shared evenly by tied elements.</summary>
    /// <param name="x">A non-empty input.</param>
    /// <returns>The maximum.</returns>
    /// <exception cref="ArgumentException">x is empty.</exception>
    public static Variable<T> Max<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new ExtremumAll<T>(max: true).Apply(x);
    /// <summary><c>torch.min(x)</c>: the smallest element (rank 0); the gradient is shared evenly by tied elements.</summary>
    /// <param name="x">A non-empty input.</param>
    /// <returns>The minimum.</returns>
    /// <exception cref="ArgumentException">x is empty.</exception>
    public static Variable<T> Min<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new ExtremumAll<T>(max: false).Apply(x);
    /// <summary>
    /// <c>torch.max(x, dim, keepdim)</c>: the maximum along <paramref name="axis"/> and its position (the first one on
    /// ties, which then gets the whole gradient; a NaN wins and propagates).
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis reduced (negative counts from the end).</param>
    /// <param name="keepDim">Keep the axis with size 1.</param>
    /// <returns>The values (differentiable) and the int32 indices, both of the reduced shape.</returns>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    /// <exception cref="InvalidOperationException">The axis is empty.</exception>
    public static (Variable<T> Values, Tensor<int> Indices) Max<T>(this Variable<T> x, int axis, bool keepDim = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var op = new ExtremumAlong<T>(axis, keepDim, max: true);
        var values = op.Apply(x);
        return (values, op.Indices);
    }
    /// <summary><c>torch.min(x, dim, keepdim)</c>: the minimum along <paramref name="axis"/> and its position (see <see cref="Max{T}(Variable{T}, int, bool)"/>).</summary>
    /// <param name="x">The input.</param>
    /// <param name="axis">The axis reduced (negative counts from the end).</param>
    /// <param name="keepDim">Keep the axis with size 1.</param>
    /// <returns>The values (differentiable) and the int32 indices, both of the reduced shape.</returns>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    /// <exception cref="InvalidOperationException">The axis is empty.</exception>
    public static (Variable<T> Values, Tensor<int> Indices) Min<T>(this Variable<T> x, int axis, bool keepDim = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var op = new ExtremumAlong<T>(axis, keepDim, max: false);
        var values = op.Apply(x);
        return (values, op.Indices);
    }

    /// <summary>
    /// <c>torch.nn.functional.layer_norm</c>: normalises the trailing axes <paramref name="normalizedShape"/> of x to
    /// zero mean and unit biased variance, then scales by <paramref name="weight"/> and shifts by <paramref name="bias"/>
    /// (each optional, of shape normalizedShape). See <see cref="LayerNorm{T}"/> for the equations.
    /// </summary>
    /// <param name="x">The input (…, normalizedShape).</param>
    /// <param name="normalizedShape">The trailing axes normalised together (at least one, sizes ≥ 1).</param>
    /// <param name="weight">Elementwise scale, or null.</param>
    /// <param name="bias">Elementwise shift, or null.</param>
    /// <param name="eps">Added to the variance (finite, ≥ 0; PyTorch's default 1e-5).</param>
    /// <returns>The normalised input, of x's shape.</returns>
    /// <exception cref="ArgumentException">x does not end with normalizedShape, or weight/bias has another shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">eps is negative or not finite.</exception>
    public static Variable<T> LayerNorm<T>(this Variable<T> x, int[] normalizedShape, Variable<T>? weight = null, Variable<T>? bias = null, double eps = 1e-5)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        var op = new LayerNorm<T>((int[])normalizedShape.Clone(), weight is not null, bias is not null, T.CreateChecked(eps));
        Variable<T>[] inputs = [x, .. weight is null ? Array.Empty<Variable<T>>() : [weight], .. bias is null ? Array.Empty<Variable<T>>() : [bias]];
        return op.Apply(inputs);
    }

    /// <summary>Softmax over the last axis.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> Softmax<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Softmax<T>().Apply(x);
    /// <summary>log softmax over the last axis.</summary>
    /// <param name="x">The input.</param>
    /// <returns>A new variable, recorded for backward when the input requires grad.</returns>
    public static Variable<T> LogSoftmax<T>(this Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new LogSoftmax<T>().Apply(x);
    /// <summary>Cross-entropy of logits (…,V) against targets (…), optionally masked (see <see cref="CrossEntropy{T}"/>).</summary>
    /// <param name="logits">Unnormalised scores (…, V).</param>
    /// <param name="targets">Class indices (…), each in [0, V).</param>
    /// <param name="mask">Per-position weights (…), or null for all ones.</param>
    /// <param name="reduction">How the per-position losses are combined.</param>
    /// <returns>A rank-0 loss.</returns>
    public static Variable<T> CrossEntropy<T>(this Variable<T> logits, Tensor<int> targets, Tensor<T>? mask = null, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T> => new CrossEntropy<T>(targets, mask, reduction).Apply(logits);
}

/// <summary>How <see cref="Ops.CrossEntropy{T}"/> reduces the per-position losses.</summary>
public enum Reduction
{
    /// <summary>Σ w·loss / Σ w: the mean over unmasked positions (PyTorch's default).</summary>
    Mean,
    /// <summary>Σ w·loss.</summary>
    Sum,
    /// <summary>Σ w·loss / N with N the size of the first axis (CS231n's temporal softmax loss).</summary>
    BatchMean,
    /// <summary>No reduction: the per-element losses (PyTorch's 'none'; not accepted by <see cref="Ops.CrossEntropy{T}"/>).</summary>
    None,
}
