namespace MiniTorch.Testing;

/// <summary>
/// Shrinkers: for a failing case, smaller or simpler candidates, most aggressive first. A shape shrinks by dropping an
/// axis (keeping its index-0 slice) or cutting an axis to a smaller leading slice, so a tensor's remaining values are
/// the ones it had; values shrink inside their <see cref="ValueDomain"/> (see <see cref="ValueDomain.Simpler"/>).
/// Every candidate satisfies the same constraints as the generator's output (ranges, broadcasting, duplicates).
/// </summary>
public static class TensorShrink
{
    private static IEnumerable<int> SmallerSizes(int size, int min) =>
        new[] { min, size / 2, size - 1 }.Where(s => s >= min && s < size).Distinct();

    internal static IEnumerable<ShapeEdit> Edits(int[] shape, ShapeOptions options)
    {
        if (shape.Length > options.MinRank)
            for (int i = 0; i < shape.Length; i++) yield return new ShapeEdit(i, -1);
        for (int i = 0; i < shape.Length; i++)
            foreach (int s in SmallerSizes(shape[i], options.MinSize)) yield return new ShapeEdit(i, s);
    }

    /// <summary>Smaller shapes within <paramref name="options"/> (default <see cref="ShapeOptions.Default"/>).</summary>
    public static IEnumerable<int[]> Shape(int[] shape, ShapeOptions? options = null) =>
        Edits(shape, options ?? ShapeOptions.Default).Select(e => e.Apply(shape));

    /// <summary>Smaller shapes first (the values of the kept slice), then simpler values in <paramref name="values"/>.</summary>
    public static IEnumerable<Tensor<double>> Tensor(Tensor<double> x, ShapeOptions? options = null, ValueDomain? values = null) =>
        Edits(x.ShapeArray, options ?? ShapeOptions.Default).Select(e => e.Apply(x)).Concat(Values(x, values));

    /// <summary>Same shape, simpler values: first every value simplified at once, then one element at a time.</summary>
    public static IEnumerable<Tensor<double>> Values(Tensor<double> x, ValueDomain? values = null)
    {
        var domain = values ?? ValueDomain.Default;
        var all = x.Clone();
        var s = all.AsSpan();
        bool changed = false;
        for (int i = 0; i < s.Length; i++)
            foreach (double c in domain.Simpler(s[i])) { s[i] = c; changed = true; break; }
        if (changed) yield return all;
        for (int i = 0; i < x.Length; i++)
            foreach (double c in domain.Simpler(x.AsSpan()[i]).Take(2))
            {
                var one = x.Clone();
                one.AsSpan()[i] = c;
                yield return one;
            }
    }

    // Edits for a broadcast-compatible pair that keep it compatible: work on aligned (right-justified) positions.
    internal static IEnumerable<(ShapeEdit? a, ShapeEdit? b)> PairEdits(int[] a, int[] b, ShapeOptions options)
    {
        int rank = Math.Max(a.Length, b.Length), pa = rank - a.Length, pb = rank - b.Length;
        for (int j = 0; j < rank; j++)
        {
            bool hasA = j >= pa, hasB = j >= pb;
            if ((!hasA || a.Length > options.MinRank) && (!hasB || b.Length > options.MinRank))
                yield return (hasA ? new ShapeEdit(j - pa, -1) : null, hasB ? new ShapeEdit(j - pb, -1) : null);
        }
        for (int j = 0; j < rank; j++)
        {
            int sa = j >= pa ? a[j - pa] : 1, sb = j >= pb ? b[j - pb] : 1;
            foreach (int t in SmallerSizes(Math.Max(sa, sb), options.MinSize))
                if (sa != 1 || sb != 1)
                    yield return (j >= pa && sa != 1 ? new ShapeEdit(j - pa, t) : null, j >= pb && sb != 1 ? new ShapeEdit(j - pb, t) : null);
            if (sa > 1 && sb > 1 && options.MinSize <= 1)
            {
                yield return (new ShapeEdit(j - pa, 1), null);
                yield return (null, new ShapeEdit(j - pb, 1));
            }
        }
    }

    /// <summary>Smaller shape pairs that still broadcast together.</summary>
    public static IEnumerable<BroadcastShapes> Broadcast(BroadcastShapes shapes, ShapeOptions? options = null) =>
        PairEdits(shapes.A, shapes.B, options ?? ShapeOptions.Default)
            .Select(e => new BroadcastShapes(e.a?.Apply(shapes.A) ?? shapes.A, e.b?.Apply(shapes.B) ?? shapes.B));

    /// <summary>Smaller pairs that still broadcast together, then simpler values of A, then of B.</summary>
    public static IEnumerable<TensorPair> Pair(TensorPair pair, ShapeOptions? options = null, ValueDomain? a = null, ValueDomain? b = null) =>
        PairEdits(pair.A.ShapeArray, pair.B.ShapeArray, options ?? ShapeOptions.Default)
            .Select(e => new TensorPair(e.a?.Apply(pair.A) ?? pair.A, e.b?.Apply(pair.B) ?? pair.B))
            .Concat(Values(pair.A, a).Select(x => pair with { A = x }))
            .Concat(Values(pair.B, b).Select(x => pair with { B = x }));

    /// <summary>
    /// Smaller index tensors (within <paramref name="options"/>, default rank 1-2), then smaller index values; with
    /// <paramref name="duplicates"/> only candidates that still repeat some index.
    /// </summary>
    public static IEnumerable<Tensor<int>> Indices(Tensor<int> indices, ShapeOptions? options = null, bool duplicates = false)
    {
        var smaller = Edits(indices.ShapeArray, options ?? TensorGen.IndexShapes).Select(e => e.Apply(indices));
        var simpler = new List<Tensor<int>>();
        if (indices.AsSpan().ContainsAnyExcept(0)) simpler.Add(new Tensor<int>(indices.ShapeArray));
        for (int i = 0; i < indices.Length; i++)
        {
            int v = indices.AsSpan()[i];
            foreach (int c in new[] { 0, v / 2, v - 1 }.Where(c => c >= 0 && c < v).Distinct())
            {
                var t = indices.Clone();
                t.AsSpan()[i] = c;
                simpler.Add(t);
            }
        }
        return smaller.Concat(simpler).Where(t => !duplicates || HasDuplicate(t));
    }

    internal static bool HasDuplicate(Tensor<int> t) => t.AsSpan().ToArray().Distinct().Count() < t.Length;

    /// <summary>Smaller sizes (towards <paramref name="min"/>), one dimension at a time.</summary>
    public static IEnumerable<MatMulSizes> MatMul(MatMulSizes sizes, int min = 1) =>
        SmallerSizes(sizes.M, min).Select(m => sizes with { M = m })
            .Concat(SmallerSizes(sizes.K, min).Select(k => sizes with { K = k }))
            .Concat(SmallerSizes(sizes.N, min).Select(n => sizes with { N = n }));
}
