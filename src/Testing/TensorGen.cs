using FsCheck;
using FsCheck.Fluent;

namespace MiniTorch.Testing;

/// <summary>
/// FsCheck generators for shapes, float64 tensors, broadcast-compatible pairs, index tensors and matmul sizes.
/// Values come from MiniTorch's seeded <see cref="Rng"/> under a seed FsCheck draws, so a replayed FsCheck seed
/// reproduces the same tensors. These generators do not shrink; <see cref="TensorArb"/> pairs them with
/// <see cref="TensorShrink"/>.
/// </summary>
/// <example>
/// A case whose parts depend on each other (indices into the axis of a generated tensor), with a shrinker built from
/// <see cref="TensorShrink"/>'s pieces:
/// <code>
/// var gen = from x in TensorGen.Tensor()
///           from idx in TensorGen.Indices(x.Dim(0), duplicates: true)
///           select (x, idx);
/// var arb = Arb.From(gen, c =&gt; TensorShrink.Indices(c.idx, duplicates: true).Select(i =&gt; (c.x, i)));
/// </code>
/// </example>
public static class TensorGen
{
    /// <summary>The default shapes of index tensors: rank 1-2, sizes 1-5.</summary>
    public static ShapeOptions IndexShapes { get; } = new(1, 2, 1, 5);

    /// <summary>A 62-bit seed for MiniTorch's <see cref="Rng"/>.</summary>
    public static Gen<ulong> Seed { get; } =
        Gen.Choose(0, int.MaxValue).Zip(Gen.Choose(0, int.MaxValue), (hi, lo) => ((ulong)hi << 31) ^ (ulong)lo);

    /// <summary>Shapes within <paramref name="options"/> (default rank 1-4, sizes 1-5), every rank and size equally likely.</summary>
    /// <param name="options">The allowed ranks and sizes (null: the default).</param>
    /// <returns>The generator.</returns>
    public static Gen<int[]> Shape(ShapeOptions? options = null)
    {
        var o = options ?? ShapeOptions.Default;
        return Gen.Choose(o.MinRank, o.MaxRank).SelectMany(rank => Gen.Choose(o.MinSize, o.MaxSize).ArrayOf(rank));
    }

    /// <summary>
    /// Pairs of shapes that broadcast together: one result shape within <paramref name="options"/>, then each operand
    /// takes a suffix of it (so ranks may differ) with some axes set to 1; at least one operand has the full rank.
    /// </summary>
    /// <param name="options">The allowed ranks and sizes (null: the default).</param>
    /// <returns>The generator.</returns>
    public static Gen<BroadcastShapes> BroadcastShapes(ShapeOptions? options = null)
    {
        var o = options ?? ShapeOptions.Default;
        return Shape(o).SelectMany(result => Seed.Select(seed => MakeBroadcast(result, new Rng(seed), o)));
    }

    private static BroadcastShapes MakeBroadcast(int[] result, Rng rng, ShapeOptions o)
    {
        int rank = result.Length, full = rng.NextInt(3); // 0: both full rank, 1: A full, 2: B full
        int[] Operand(bool fullRank)
        {
            int r = fullRank ? rank : Math.Max(o.MinRank, rank - rng.NextInt(rank - o.MinRank + 1));
            var s = result[(rank - r)..];
            for (int i = 0; i < s.Length; i++)
                if (o.MinSize <= 1 && rng.NextInt(3) == 0) s[i] = 1;
            return s;
        }
        var a = Operand(full != 2);
        var b = Operand(full != 1);
        return new BroadcastShapes(a, b);
    }

    /// <summary>Tensors of a fixed <paramref name="shape"/> with values in <paramref name="values"/> (default <see cref="ValueDomain.Default"/>).</summary>
    /// <param name="shape">The tensors' shape.</param>
    /// <param name="values">The value domain (null: <see cref="ValueDomain.Default"/>).</param>
    /// <returns>The generator.</returns>
    public static Gen<Tensor<double>> Tensor(int[] shape, ValueDomain? values = null)
    {
        var domain = values ?? ValueDomain.Default;
        var s = (int[])shape.Clone();
        Shapes.Numel(s, "TensorGen.Tensor");
        return Seed.Select(seed => domain.Fill(s, new Rng(seed)));
    }

    /// <summary>Tensors of a random shape within <paramref name="options"/>, values in <paramref name="values"/>.</summary>
    /// <param name="options">The allowed ranks and sizes (null: the default).</param>
    /// <param name="values">The value domain (null: <see cref="ValueDomain.Default"/>).</param>
    /// <returns>The generator.</returns>
    public static Gen<Tensor<double>> Tensor(ShapeOptions? options = null, ValueDomain? values = null) =>
        Shape(options).SelectMany(shape => Tensor(shape, values));

    /// <summary>Broadcast-compatible tensor pairs (see <see cref="BroadcastShapes(ShapeOptions?)"/>), values of A in <paramref name="a"/>, of B in <paramref name="b"/>.</summary>
    /// <param name="options">The allowed ranks and sizes (null: the default).</param>
    /// <param name="a">The domain of A's values (null: the default).</param>
    /// <param name="b">The domain of B's values (null: the default).</param>
    /// <returns>The generator.</returns>
    public static Gen<TensorPair> BroadcastPair(ShapeOptions? options = null, ValueDomain? a = null, ValueDomain? b = null) =>
        BroadcastShapes(options).SelectMany(p => Seed.Select(seed =>
        {
            var rng = new Rng(seed);
            return new TensorPair((a ?? ValueDomain.Default).Fill(p.A, rng), (b ?? ValueDomain.Default).Fill(p.B, rng));
        }));

    /// <summary>
    /// Index tensors of a fixed <paramref name="shape"/> with values in [0, <paramref name="n"/>). With
    /// <paramref name="duplicates"/> some index always occurs at least twice (the shape must hold 2 or more elements).
    /// </summary>
    /// <param name="n">The number of positions indexed (values in [0, n)).</param>
    /// <param name="shape">The index tensors' shape.</param>
    /// <param name="duplicates">Whether a position may occur more than once.</param>
    /// <returns>The generator.</returns>
    public static Gen<Tensor<int>> Indices(int n, int[] shape, bool duplicates = false)
    {
        var s = (int[])shape.Clone();
        int count = Shapes.Numel(s, "TensorGen.Indices");
        if (n < 1 && count > 0) throw new ArgumentOutOfRangeException(nameof(n), $"TensorGen.Indices: no index lies in [0, {n}).");
        if (duplicates && count < 2)
            throw new ArgumentException($"TensorGen.Indices: shape {Shapes.Str(s)} has {count} element(s); a duplicate needs at least 2.");
        return Seed.Select(seed => MakeIndices(n, s, duplicates, new Rng(seed)));
    }

    /// <summary>Index tensors with values in [0, <paramref name="n"/>) of a random shape within <paramref name="options"/> (default <see cref="IndexShapes"/>).</summary>
    /// <param name="n">The number of positions indexed (values in [0, n)).</param>
    /// <param name="options">The allowed ranks and sizes (null: <see cref="IndexShapes"/>).</param>
    /// <param name="duplicates">Whether a position may occur more than once.</param>
    /// <returns>The generator.</returns>
    public static Gen<Tensor<int>> Indices(int n, ShapeOptions? options = null, bool duplicates = false)
    {
        var o = options ?? IndexShapes;
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"TensorGen.Indices: no index lies in [0, {n}).");
        if (duplicates && (o.MaxRank < 1 || o.MaxSize < 2))
            throw new ArgumentException($"TensorGen.Indices: shapes with {o} cannot hold the 2 elements a duplicate needs.");
        return Shape(o).Select(shape =>
        {
            // Make room for a duplicate: grow the last axis to 2 when the shape holds fewer than 2 elements.
            if (duplicates && (shape.Length == 0 || Shapes.Numel(shape, "TensorGen.Indices") < 2))
                shape = shape.Length == 0 ? [2] : [.. shape[..^1].Select(_ => 1), 2];
            return shape;
        }).SelectMany(shape => Seed.Select(seed => MakeIndices(n, shape, duplicates, new Rng(seed))));
    }

    private static Tensor<int> MakeIndices(int n, int[] shape, bool duplicates, Rng rng)
    {
        var t = rng.Integers(shape, n);
        if (duplicates)
        {
            var s = t.AsSpan();
            int p = rng.NextInt(s.Length), q = rng.NextInt(s.Length - 1);
            if (q >= p) q++;
            s[q] = s[p];
        }
        return t;
    }

    /// <summary>Matrix-product sizes with M, K and N each uniform in [<paramref name="min"/>, <paramref name="max"/>] (default 1-17).</summary>
    /// <param name="min">The smallest size.</param>
    /// <param name="max">The largest size.</param>
    /// <returns>The generator.</returns>
    public static Gen<MatMulSizes> MatMul(int min = 1, int max = 17)
    {
        if (min < 1 || max < min) throw new ArgumentOutOfRangeException(nameof(max), $"TensorGen.MatMul: size range [{min}, {max}] must satisfy 1 <= min <= max.");
        var d = Gen.Choose(min, max);
        return d.SelectMany(m => d.SelectMany(k => d.Select(n => new MatMulSizes(m, k, n))));
    }
}
