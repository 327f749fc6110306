using System.Globalization;

namespace MiniTorch.Examples;

/// <summary>
/// Tick marks for a logarithmic axis drawn as log10(value) on a linear one: as many as fit, from the sparsest set that
/// still labels at least three values (powers of ten; 1, 2, 5 per decade; 1 to 9 per decade; plain steps within a
/// factor of two), labelled with the values themselves ("0.2", "5", "1e-6"), never only one "1e1".
/// </summary>
public static class LogTicks
{
    /// <summary>The major ticks for log10 values from <paramref name="low"/> to <paramref name="high"/>.</summary>
    /// <param name="low">The axis start, log10 of the smallest value shown.</param>
    /// <param name="high">The axis end, log10 of the largest value shown.</param>
    /// <param name="maxCount">At most this many ticks (at least 2).</param>
    /// <returns>(log10 position, label) pairs in increasing order.</returns>
    /// <exception cref="ArgumentException">The range is empty, not finite, or <paramref name="maxCount"/> is below 2.</exception>
    public static IReadOnlyList<(double Position, string Label)> Major(double low, double high, int maxCount = 10)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high) || !(high > low))
            throw new ArgumentException($"LogTicks.Major: the range [{low}, {high}] must be finite and non-empty.");
        if (maxCount < 2) throw new ArgumentOutOfRangeException(nameof(maxCount), maxCount, "LogTicks.Major: at least 2 ticks.");
        List<(double, string)>? best = null;
        foreach (var mantissas in new[] { new[] { 1.0 }, [1.0, 2, 5], [1.0, 2, 3, 4, 5, 6, 7, 8, 9] })
        {
            var ticks = PerDecade(low, high, mantissas);
            if (ticks.Count > maxCount) break;
            best = ticks;
            if (ticks.Count >= 3) return ticks;
        }
        if (best is null)
        {
            // Many decades: every k-th power of ten.
            int step = (int)Math.Ceiling((Math.Floor(high) - Math.Ceiling(low) + 1) / maxCount);
            best = [];
            for (double e = Math.Ceiling(low / step) * step; e <= high; e += step) best.Add((e, Label(1, (int)e)));
            return best;
        }
        // Less than a factor of ~2.5 between the ends: evenly spaced values, placed at their logarithms.
        double a = Math.Pow(10, low), b = Math.Pow(10, high);
        double raw = (b - a) / 4, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double nice = new[] { 1.0, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw * (1 - 1e-9));
        var linear = new List<(double, string)>();
        for (double v = Math.Ceiling(a / nice) * nice; v <= b * (1 + 1e-12); v += nice)
            linear.Add((Math.Log10(v), v.ToString("G4", CultureInfo.InvariantCulture)));
        return linear.Count > best.Count && linear.Count <= maxCount ? linear : best;
    }

    /// <summary>Minor tick positions (log10) between powers of ten: 2 to 9 of each decade in the range.</summary>
    /// <param name="low">The axis start (log10).</param>
    /// <param name="high">The axis end (log10).</param>
    /// <returns>The positions.</returns>
    public static IReadOnlyList<double> Minor(double low, double high)
    {
        var result = new List<double>();
        if (!double.IsFinite(low) || !double.IsFinite(high) || high - low > 12) return result;
        for (double e = Math.Floor(low); e <= high; e++)
            for (int m = 2; m <= 9; m++)
            {
                double p = e + Math.Log10(m);
                if (p >= low && p <= high) result.Add(p);
            }
        return result;
    }

    private static List<(double, string)> PerDecade(double low, double high, double[] mantissas)
    {
        var ticks = new List<(double, string)>();
        for (int e = (int)Math.Floor(low); e <= (int)Math.Ceiling(high); e++)
            foreach (double m in mantissas)
            {
                double p = e + Math.Log10(m);
                if (p >= low - 1e-9 && p <= high + 1e-9) ticks.Add((p, Label(m, e)));
            }
        return ticks;
    }

    /// <summary>m·10^e as a plain number between 0.001 and 99999, else as "me-6".</summary>
    private static string Label(double m, int e) =>
        e is >= -3 and <= 4
            ? (m * Math.Pow(10, e)).ToString("0.###", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{m:0}e{e}");
}

/// <summary>ScottPlot's tick generator for a log10 axis, through <see cref="LogTicks"/>.</summary>
internal sealed class LogTickGenerator : ScottPlot.ITickGenerator
{
    public ScottPlot.Tick[] Ticks { get; set; } = [];

    public int MaxTickCount { get; set; } = 10_000;

    public void Regenerate(ScottPlot.CoordinateRange range, ScottPlot.Edge edge, ScottPlot.PixelLength size, ScottPlot.Paint paint, ScottPlot.LabelStyle labelStyle)
    {
        double low = Math.Min(range.Min, range.Max), high = Math.Max(range.Min, range.Max);
        if (!(high > low) || !double.IsFinite(low) || !double.IsFinite(high)) { Ticks = []; return; }
        int fit = Math.Clamp((int)(size.Length / 28), 2, 12); // about 28 pixels per label on a vertical axis
        var major = LogTicks.Major(low, high, fit);
        Ticks = [.. major.Select(t => ScottPlot.Tick.Major(t.Position, t.Label)), .. LogTicks.Minor(low, high).Select(ScottPlot.Tick.Minor)];
    }
}
