namespace MiniTorch.Testing;

/// <summary>
/// Shrinkers: for a failing case, smaller or simpler candidates, most aggressive first. A shape shrinks by dropping an
/// axis (keeping its first or last slice) or cutting an axis to a smaller leading or trailing window, so a tensor's
/// remaining values are the ones it had; values shrink inside their <see cref="ValueDomain"/> (see <see cref="ValueDomain.Simpler"/>).
/// Every candidate satisfies the same constraints as the generator's output (ranges, broadcasting, duplicates).
/// </summary>
/// <example>
/// <code>
/// Arb.From(TensorGen.Tensor(values: ValueDomain.Positive()), x =&gt; TensorShrink.Tensor(x, values: ValueDomain.Positive()));
/// </code>
/// </example>
public static class TensorShrink
{
    private static IEnumerable<int> SmallerSizes(int size, int min) =>
        new[] { min, size / 2, size - 1 }.Where(s => s >= min && s < size).Distinct();

    // Keep the leading part, then the trailing part (a failure caused by a last element must survive shrinking too).
    private static IEnumerable<int> Starts(int size, int newSize) => new[] { 0, size - newSize }.Distinct();

    internal static IEnumerable<ShapeEdit> Edits(int[] shape, ShapeOptions options)
    {
        if (shape.Length > options.MinRank)
            for (int i = 0; i < shape.Length; i++)
                if (shape[i] > 0) // an empty axis has no slice to keep
                    foreach (int start in Starts(shape[i], 1)) yield return new ShapeEdit(i, -1, start);
        for (int i = 0; i < shape.Length; i++)
            foreach (int s in SmallerSizes(shape[i], options.MinSize))
                foreach (int start in Starts(shape[i], s)) yield return new ShapeEdit(i, s, start);
    }

    /// <summary>Smaller shapes within <paramref name="options"/> (default <see cref="ShapeOptions.Default"/>).</summary>
    /// <param name="shape">The shape to shrink.</param>
    /// <param name="options">The allowed ranks and sizes (null: the default).</param>
    /// <returns>The smaller shapes, most promising first.</returns>
    public static IEnumerable<int[]> Shape(int[] shape, ShapeOptions? options = null) =>
        Edits(shape, options ?? ShapeOptions.Default).Select(e => e.Apply(shape));

    /// <summary>Smaller shapes first (the values of the kept slice), then simpler values in <paramref name="values"/>.</summary>
    /// <param name="x">The tensor to shrink.</param>
    /// <param name="options">The allowed ranks and sizes (null: the default).</param>
    /// <param name="values">The value domain (null: <see cref="ValueDomain.Default"/>).</param>
    /// <returns>The simpler tensors.</returns>
    public static IEnumerable<Tensor<double>> Tensor(Tensor<double> x, ShapeOptions? options = null, ValueDomain? values = null) =>
        Edits(x.ShapeArray, options ?? ShapeOptions.Default).Select(e => e.Apply(x)).Concat(Values(x, values));

    /// <summary>
    /// Same shape, simpler values: first every value at once (each to its simplest candidate, then each rounded to an
    /// integer, then to one decimal, where that is simpler and inside the domain), then one element at a time.
    /// </summary>
    /// <param name="x">The tensor to shrink.</param>
    /// <param name="values">The value domain (null: <see cref="ValueDomain.Default"/>).</param>
    /// <returns>Tensors of x's shape with simpler values.</returns>
    public static IEnumerable<Tensor<double>> Values(Tensor<double> x, ValueDomain? values = null)
    {
        var domain = values ?? ValueDomain.Default;
        foreach (var pick in new Func<double, IEnumerable<double>, double?>[]
                 {
                     (_, simpler) => simpler.Select(c => (double?)c).FirstOrDefault(),
                     (v, simpler) => simpler.Contains(Math.Round(v)) ? Math.Round(v) : null,
                     (v, simpler) => simpler.Contains(Math.Round(v, 1)) ? Math.Round(v, 1) : null,
                 })
        {
            var all = x.Clone();
            var s = all.AsSpan();
            bool changed = false;
            for (int i = 0; i < s.Length; i++)
                if (pick(s[i], domain.Simpler(s[i])) is double c) { s[i] = c; changed = true; }
            if (changed) yield return all;
        }
        for (int i = 0; i < x.Length; i++)
            foreach (double c in domain.Simpler(x.AsSpan()[i]))
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
        // At aligned position j an operand of size 1 stays put (start 0); the others keep the same window.
        for (int j = 0; j < rank; j++)
        {
            bool hasA = j >= pa, hasB = j >= pb;
            int sa = hasA ? a[j - pa] : 1, sb = hasB ? b[j - pb] : 1, n = sa == 1 ? sb : sa; // the broadcast size
            if ((!hasA || a.Length > options.MinRank) && (!hasB || b.Length > options.MinRank) && sa > 0 && sb > 0)
                foreach (int start in Starts(n, 1))
                    yield return (hasA ? new ShapeEdit(j - pa, -1, sa == 1 ? 0 : start) : null, hasB ? new ShapeEdit(j - pb, -1, sb == 1 ? 0 : start) : null);
        }
        for (int j = 0; j < rank; j++)
        {
            int sa = j >= pa ? a[j - pa] : 1, sb = j >= pb ? b[j - pb] : 1, n = sa == 1 ? sb : sa;
            if (sa != 1 || sb != 1)
                foreach (int t in SmallerSizes(n, options.MinSize))
                    foreach (int start in Starts(n, t))
                        yield return (j >= pa && sa != 1 ? new ShapeEdit(j - pa, t, start) : null, j >= pb && sb != 1 ? new ShapeEdit(j - pb, t, start) : null);
            if (sa > 1 && sb > 1 && options.MinSize <= 1)
                foreach (int start in Starts(n, 1))
                {
                    yield return (new ShapeEdit(j - pa, 1, start), null);
                    yield return (null, new ShapeEdit(j - pb, 1, start));
                }
        }
    }

    /// <summary>Smaller shape pairs that still broadcast together.</summary>
    /// <param name="shapes">The pair to shrink.</param>
    /// <param name="options">The allowed ranks and sizes (null: the default).</param>
    /// <returns>The smaller pairs.</returns>
    public static IEnumerable<BroadcastShapes> Broadcast(BroadcastShapes shapes, ShapeOptions? options = null) =>
        PairEdits(shapes.A, shapes.B, options ?? ShapeOptions.Default)
            .Select(e => new BroadcastShapes(e.a?.Apply(shapes.A) ?? shapes.A, e.b?.Apply(shapes.B) ?? shapes.B));

    /// <summary>Smaller pairs that still broadcast together, then simpler values of A, then of B.</summary>
    /// <param name="pair">The pair to shrink.</param>
    /// <param name="options">The allowed ranks and sizes (null: the default).</param>
    /// <param name="a">The domain of A's values (null: the default).</param>
    /// <param name="b">The domain of B's values (null: the default).</param>
    /// <returns>The simpler pairs.</returns>
    public static IEnumerable<TensorPair> Pair(TensorPair pair, ShapeOptions? options = null, ValueDomain? a = null, ValueDomain? b = null) =>
        PairEdits(pair.A.ShapeArray, pair.B.ShapeArray, options ?? ShapeOptions.Default)
            .Select(e => new TensorPair(e.a?.Apply(pair.A) ?? pair.A, e.b?.Apply(pair.B) ?? pair.B))
            .Concat(Values(pair.A, a).Select(x => pair with { A = x }))
            .Concat(Values(pair.B, b).Select(x => pair with { B = x }));

    /// <summary>
    /// Smaller index tensors (within <paramref name="options"/>, default rank 1-2), then smaller index values; with
    /// <paramref name="duplicates"/> only candidates that still repeat some index.
    /// </summary>
    /// <param name="indices">The index tensor to shrink.</param>
    /// <param name="options">The allowed ranks and sizes (null: <see cref="TensorGen.IndexShapes"/>).</param>
    /// <param name="duplicates">Whether a position may occur more than once.</param>
    /// <returns>The simpler index tensors.</returns>
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

    /// <summary>True when some index occurs more than once in <paramref name="t"/>.</summary>
    /// <param name="t">The index tensor.</param>
    /// <returns>Whether an index repeats.</returns>
    public static bool HasDuplicate(Tensor<int> t) => t.AsSpan().ToArray().Distinct().Count() < t.Length;

    /// <summary>Smaller sizes (towards <paramref name="min"/>), one dimension at a time.</summary>
    /// <param name="sizes">The sizes to shrink.</param>
    /// <param name="min">The smallest size allowed.</param>
    /// <returns>The smaller sizes.</returns>
    public static IEnumerable<MatMulSizes> MatMul(MatMulSizes sizes, int min = 1) =>
        SmallerSizes(sizes.M, min).Select(m => sizes with { M = m })
            .Concat(SmallerSizes(sizes.K, min).Select(k => sizes with { K = k }))
            .Concat(SmallerSizes(sizes.N, min).Select(n => sizes with { N = n }));
}
