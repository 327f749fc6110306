namespace MiniTorch.Testing;

/// <summary>
/// Maps arbitrary integers (which FsCheck generates and shrinks towards 0 on its own) onto valid op parameters, so a
/// property can take plain <c>int</c>s for an axis, an index or a window and stay valid for every generated shape.
/// </summary>
/// <example>
/// <code>
/// Prop.ForAll(TensorArb.Tensor(), ArbMap.Default.ArbFor&lt;int&gt;(), (x, a) =&gt;
///     GradientProperty.Check(v =&gt; v[0].Sum(Fit.Axis(a, x.Rank)), x));
/// </code>
/// </example>
public static class Fit
{
    /// <summary>
    /// A valid axis of a rank-<paramref name="rank"/> tensor: raw ≥ 0 gives raw mod rank, raw &lt; 0 gives a negative
    /// axis in [-rank, -1] (so negative-axis handling is exercised too).
    /// </summary>
    /// <param name="raw">Any integer (a generated value).</param>
    /// <param name="rank">The tensor's rank (at least 1).</param>
    /// <returns>An axis in [0, rank).</returns>
    public static int Axis(int raw, int rank)
    {
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), $"Fit.Axis: a tensor of rank {rank} has no axis.");
        return raw >= 0 ? raw % rank : -1 - (int)((-(long)raw - 1) % rank);
    }

    /// <summary>An index in [0, <paramref name="n"/>): |raw| mod n.</summary>
    /// <param name="raw">Any integer (a generated value).</param>
    /// <param name="n">The number of positions (at least 1).</param>
    /// <returns>The index.</returns>
    public static int Index(int raw, int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"Fit.Index: no index lies in [0, {n}).");
        return (int)(Math.Abs((long)raw) % n);
    }

    /// <summary>A non-empty window [start, start + length) inside [0, <paramref name="n"/>).</summary>
    /// <param name="rawStart">Any integer, fitted to the start.</param>
    /// <param name="rawLength">Any integer, fitted to the length.</param>
    /// <param name="n">The axis length (at least 1).</param>
    /// <returns>The window's start and length (at least 1).</returns>
    public static (int Start, int Length) Window(int rawStart, int rawLength, int n)
    {
        int start = Index(rawStart, n);
        return (start, 1 + Index(rawLength, n - start));
    }
}
