using FsCheck;
using FsCheck.Fluent;

namespace MiniTorch.Testing;

/// <summary>
/// FsCheck arbitraries (generator + shrinker) for MiniTorch tests: <see cref="TensorGen"/>'s generators with
/// <see cref="TensorShrink"/>'s shrinkers. Use them with <c>Prop.ForAll</c>; for <c>[Property]</c> parameters see
/// <see cref="MiniTorchArbitraries"/>.
/// </summary>
/// <example>
/// <code>
/// // Log wants positive inputs; a divisor wants values away from zero; shapes can be narrowed.
/// Prop.ForAll(TensorArb.Tensor(values: ValueDomain.Positive()), x =&gt; GradientProperty.Check(v =&gt; v[0].Log(), x));
/// Prop.ForAll(TensorArb.BroadcastPair(b: ValueDomain.AwayFromZero()), p =&gt; GradientProperty.Check(v =&gt; v[0] / v[1], p.A, p.B));
/// Prop.ForAll(TensorArb.Tensor(new ShapeOptions(minRank: 2, maxRank: 3)), x =&gt; ...);
/// </code>
/// </example>
public static class TensorArb
{
    /// <summary>Shapes within <paramref name="options"/> (default rank 1-4, sizes 1-5).</summary>
    /// <param name="options">Ranks and sizes allowed (null for the default).</param>
    /// <returns>The arbitrary (generator and shrinker).</returns>
    public static Arbitrary<int[]> Shape(ShapeOptions? options = null) =>
        Arb.From(TensorGen.Shape(options), s => TensorShrink.Shape(s, options));

    /// <summary>Shape pairs that broadcast together (numpy rules, ranks may differ, size-1 axes).</summary>
    /// <param name="options">Ranks and sizes allowed (null for the default).</param>
    /// <returns>The arbitrary (generator and shrinker).</returns>
    public static Arbitrary<BroadcastShapes> BroadcastShapes(ShapeOptions? options = null) =>
        Arb.From(TensorGen.BroadcastShapes(options), s => TensorShrink.Broadcast(s, options));

    /// <summary>float64 tensors of random shapes within <paramref name="options"/>, values in <paramref name="values"/>.</summary>
    /// <param name="options">Ranks and sizes allowed (null for the default).</param>
    /// <param name="values">Where the values lie (null for <see cref="ValueDomain.Default"/>).</param>
    /// <returns>The arbitrary (generator and shrinker).</returns>
    public static Arbitrary<Tensor<double>> Tensor(ShapeOptions? options = null, ValueDomain? values = null) =>
        Arb.From(TensorGen.Tensor(options, values), x => TensorShrink.Tensor(x, options, values));

    /// <summary>float64 tensors of one fixed <paramref name="shape"/> (shrinking only simplifies values).</summary>
    /// <param name="shape">The shape of every tensor.</param>
    /// <param name="values">Where the values lie (null for <see cref="ValueDomain.Default"/>).</param>
    /// <returns>The arbitrary (generator and shrinker).</returns>
    public static Arbitrary<Tensor<double>> Tensor(int[] shape, ValueDomain? values = null) =>
        Arb.From(TensorGen.Tensor(shape, values), x => TensorShrink.Values(x, values));

    /// <summary>Broadcast-compatible float64 tensor pairs, values of A in <paramref name="a"/> and of B in <paramref name="b"/>.</summary>
    /// <param name="options">Ranks and sizes allowed (null for the default).</param>
    /// <param name="a">Where the values of A lie (null for the default).</param>
    /// <param name="b">Where the values of B lie (null for the default).</param>
    /// <returns>The arbitrary (generator and shrinker).</returns>
    public static Arbitrary<TensorPair> BroadcastPair(ShapeOptions? options = null, ValueDomain? a = null, ValueDomain? b = null) =>
        Arb.From(TensorGen.BroadcastPair(options, a, b), p => TensorShrink.Pair(p, options, a, b));

    /// <summary>Index tensors with values in [0, <paramref name="n"/>), shapes within <paramref name="options"/> (default rank 1-2, sizes 1-5).</summary>
    /// <param name="n">The exclusive upper bound of the values.</param>
    /// <param name="options">Ranks and sizes allowed (null for the default).</param>
    /// <param name="duplicates">Whether every tensor must repeat some index (to test accumulation).</param>
    /// <returns>The arbitrary (generator and shrinker).</returns>
    public static Arbitrary<Tensor<int>> Indices(int n, ShapeOptions? options = null, bool duplicates = false) =>
        Arb.From(TensorGen.Indices(n, options, duplicates), t => TensorShrink.Indices(t, options, duplicates));

    /// <summary>Matrix-product sizes, each in [<paramref name="min"/>, <paramref name="max"/>] (default 1-17).</summary>
    /// <param name="min">The smallest size.</param>
    /// <param name="max">The largest size.</param>
    /// <returns>The arbitrary (generator and shrinker).</returns>
    public static Arbitrary<MatMulSizes> MatMul(int min = 1, int max = 17) =>
        Arb.From(TensorGen.MatMul(min, max), s => TensorShrink.MatMul(s, min));
}

/// <summary>
/// Default arbitraries for FsCheck.Xunit's <c>[Property]</c> parameters, registered with
/// <c>[Property(Arbitrary = [typeof(MiniTorchArbitraries)])]</c>: a <see cref="Tensor{T}"/> of double parameter is a
/// normal-valued tensor of rank 1-4 with sizes 1-5, a <see cref="TensorPair"/> a broadcast-compatible pair, and so on.
/// </summary>
/// <example>
/// <code>
/// [Property(Arbitrary = [typeof(MiniTorchArbitraries)], MaxTest = 50)]
/// public Property MulGradient(TensorPair p) =&gt; GradientProperty.Check(v =&gt; v[0] * v[1], p.A, p.B);
/// </code>
/// </example>
public static class MiniTorchArbitraries
{
    /// <summary>float64 tensors, rank 1-4, sizes 1-5, N(0,1) values clipped to ±4.</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<Tensor<double>> Tensors() => TensorArb.Tensor();

    /// <summary>Broadcast-compatible float64 tensor pairs.</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<TensorPair> TensorPairs() => TensorArb.BroadcastPair();

    /// <summary>Broadcast-compatible shape pairs.</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<BroadcastShapes> BroadcastShapes() => TensorArb.BroadcastShapes();

    /// <summary>Matrix-product sizes 1-17.</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<MatMulSizes> MatMulSizes() => TensorArb.MatMul();
}
