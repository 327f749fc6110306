using System.Globalization;

namespace MiniTorch.Testing;

/// <summary>
/// Which finite float64 values a generated tensor holds: never NaN or infinite, optionally kept away from zero or
/// positive, as the ops under test require (Log, Sqrt and Pow want positive inputs, a divisor and Relu's input want
/// values away from 0 so a central difference does not straddle a pole or a kink).
/// Shrinking stays inside the domain and moves towards simple values (0, ±1, few decimals).
/// </summary>
/// <example>
/// <code>
/// TensorArb.Tensor(values: ValueDomain.Positive(0.5, 3));        // Log, Sqrt, Pow
/// TensorArb.BroadcastPair(b: ValueDomain.AwayFromZero(0.5, 3));  // a / b
/// TensorArb.Tensor(values: ValueDomain.Normal(std: 3, clip: 12)); // wider logits
/// </code>
/// </example>
public sealed class ValueDomain
{
    private readonly double _std;   // > 0: normal samples with this standard deviation, clipped to [Low, High]
    private readonly string _name;

    private ValueDomain(string name, double low, double high, double minAbs, double std)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high) || !(low < high))
            throw new ArgumentOutOfRangeException(nameof(high), $"ValueDomain: need finite low < high, got [{low}, {high}].");
        if (!(minAbs >= 0) || minAbs >= Math.Max(Math.Abs(low), Math.Abs(high)))
            throw new ArgumentOutOfRangeException(nameof(minAbs), $"ValueDomain: no value of [{low}, {high}] has |x| >= {minAbs}.");
        _name = name; Low = low; High = high; MinAbs = minAbs; _std = std;
    }

    /// <summary>Normal values N(0, <paramref name="std"/>²), clipped (by resampling) to ±<paramref name="clip"/>.</summary>
    /// <param name="std">The standard deviation.</param>
    /// <param name="clip">The largest |x| kept.</param>
    /// <returns>The domain.</returns>
    public static ValueDomain Normal(double std = 1, double clip = 4)
    {
        if (!(std > 0) || !double.IsFinite(std)) throw new ArgumentOutOfRangeException(nameof(std), $"ValueDomain.Normal: std must be positive and finite, got {std}.");
        return new($"Normal(std={Fmt(std)}, |x|<={Fmt(clip)})", -clip, clip, 0, std);
    }

    /// <summary>Uniform values with <paramref name="minAbs"/> ≤ |x| ≤ <paramref name="maxAbs"/>, either sign (divisors, Relu inputs).</summary>
    /// <param name="minAbs">The smallest |x|.</param>
    /// <param name="maxAbs">The largest |x|.</param>
    /// <returns>The domain.</returns>
    public static ValueDomain AwayFromZero(double minAbs = 0.5, double maxAbs = 3) =>
        new($"AwayFromZero({Fmt(minAbs)} <= |x| <= {Fmt(maxAbs)})", -maxAbs, maxAbs, minAbs, 0);

    /// <summary>Uniform values in [<paramref name="min"/>, <paramref name="max"/>] with min &gt; 0 (Log, Sqrt, Pow inputs).</summary>
    /// <param name="min">The smallest value (positive).</param>
    /// <param name="max">The largest value.</param>
    /// <returns>The domain.</returns>
    public static ValueDomain Positive(double min = 0.5, double max = 3)
    {
        if (!(min > 0)) throw new ArgumentOutOfRangeException(nameof(min), $"ValueDomain.Positive: min must be > 0, got {min}.");
        return new($"Positive({Fmt(min)} <= x <= {Fmt(max)})", min, max, 0, 0);
    }

    /// <summary>Uniform values in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value.</param>
    /// <returns>The domain.</returns>
    public static ValueDomain Uniform(double low, double high) => new($"Uniform({Fmt(low)} <= x <= {Fmt(high)})", low, high, 0, 0);

    /// <summary>The default: <see cref="Normal"/> with std 1, clipped to ±4.</summary>
    public static ValueDomain Default { get; } = Normal();

    /// <summary>Smallest value.</summary>
    public double Low { get; }
    /// <summary>Largest value.</summary>
    public double High { get; }
    /// <summary>Smallest magnitude (0 when values may be 0).</summary>
    public double MinAbs { get; }

    /// <summary>True when <paramref name="x"/> is finite and belongs to this domain.</summary>
    /// <param name="x">The value.</param>
    /// <returns>Whether the domain holds it.</returns>
    public bool Contains(double x) => double.IsFinite(x) && x >= Low && x <= High && Math.Abs(x) >= MinAbs;

    /// <summary>One value drawn from <paramref name="rng"/>.</summary>
    /// <param name="rng">The random source.</param>
    /// <returns>The value.</returns>
    public double Sample(Rng rng)
    {
        while (true)
        {
            double x = _std > 0 ? _std * rng.NextNormal() : Low + (High - Low) * rng.NextDouble();
            if (Contains(x)) return x;
        }
    }

    /// <summary>A tensor of <paramref name="shape"/> filled with values drawn from <paramref name="rng"/>.</summary>
    /// <param name="shape">The tensor's shape.</param>
    /// <param name="rng">The random source.</param>
    /// <returns>The new tensor.</returns>
    public Tensor<double> Fill(int[] shape, Rng rng)
    {
        var t = new Tensor<double>(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = Sample(rng);
        return t;
    }

    /// <summary>
    /// Simpler values than <paramref name="x"/> inside the domain, simplest first: 0, ±MinAbs, ±1, x rounded to an
    /// integer and to one decimal, half of x and x one step closer to 0 (integers). "Simpler" means fewer decimals, then a smaller magnitude, so shrinking terminates.
    /// </summary>
    /// <param name="x">The value to shrink.</param>
    /// <returns>Simpler values inside the domain, simplest first.</returns>
    public IEnumerable<double> Simpler(double x)
    {
        double sign = x < 0 ? -1 : 1;
        var seen = new HashSet<double>();
        foreach (double raw in new[] { 0, sign * MinAbs, sign, -sign * MinAbs, Math.Round(x), Math.Round(x, 1), Math.Truncate(x / 2), Math.Round(x) - sign, Low, High })
        {
            double c = raw + 0.0; // -0 becomes 0
            if (Contains(c) && IsSimpler(c, x) && seen.Add(c)) yield return c;
        }
    }

    private static int Decimals(double x) => x == Math.Round(x) ? 0 : x == Math.Round(x, 1) ? 1 : 2;

    private static bool IsSimpler(double c, double x)
    {
        int dc = Decimals(c), dx = Decimals(x);
        return dc < dx || (dc == dx && Math.Abs(c) < Math.Abs(x)) || (dc == dx && Math.Abs(c) == Math.Abs(x) && c > x);
    }

    private static string Fmt(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>The domain's description, e.g. <c>Positive(0.5 &lt;= x &lt;= 3)</c>.</summary>
    /// <returns>The domain's name, e.g. <c>Normal(std 1, |x| &lt;= 4)</c>.</returns>
    public override string ToString() => _name;
}
