namespace MiniTorch.Examples;

/// <summary>One line of a plot.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values (as many as <paramref name="X"/>).</param>
public sealed record Series(string Label, double[] X, double[] Y);

/// <summary>One group member of a bar chart: a value per category.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="Values">One value per category (NaN: no bar).</param>
public sealed record BarSeries(string Label, double[] Values);

/// <summary>Writes line plots as PNG files (ScottPlot, headless).</summary>
public static class Plots
{
    /// <summary>
    /// Saves a line plot of <paramref name="series"/> to <paramref name="path"/> (800 x 500 pixels). With
    /// <paramref name="logY"/> the y axis is logarithmic, labelled densely enough to read values (see
    /// <see cref="LogTicks"/>). The legend goes in the corner <paramref name="legend"/>.
    /// </summary>
    /// <param name="path">The PNG file (its folder is created).</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="xLabel">The x axis label.</param>
    /// <param name="yLabel">The y axis label.</param>
    /// <param name="series">The lines.</param>
    /// <param name="logY">Whether the y axis is logarithmic.</param>
    /// <param name="legend">Where the legend goes.</param>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logY = false,
        ScottPlot.Alignment legend = ScottPlot.Alignment.UpperRight)
    {
        var plot = new ScottPlot.Plot();
        foreach (var s in series)
        {
            var ys = logY ? s.Y.Select(v => Math.Log10(Math.Max(v, 1e-300))).ToArray() : s.Y;
            var line = plot.Add.ScatterLine(s.X, ys);
            line.LegendText = s.Label;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (logY)
        {
            // ScottPlot draws linear axes: plot log10(y) and label the ticks with the values they stand for.
            plot.Axes.Left.TickGenerator = new LogTickGenerator();
        }
        plot.ShowLegend(legend);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 800, 500);
    }

    /// <summary>
    /// Saves a grouped bar chart to <paramref name="path"/> (800 x 500 pixels): one group per category, one bar per
    /// series, each labelled with its value as a percentage (for accuracies in [0, 1]).
    /// </summary>
    /// <param name="path">The PNG file (its folder is created).</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="yLabel">The y axis label.</param>
    /// <param name="categories">The group names along the x axis.</param>
    /// <param name="series">The bars of each group, each with one value per category.</param>
    /// <exception cref="ArgumentException">A series does not have one value per category.</exception>
    public static void Bars(string path, string title, string yLabel, string[] categories, IReadOnlyList<BarSeries> series)
    {
        foreach (var s in series)
            if (s.Values.Length != categories.Length)
                throw new ArgumentException($"Plots.Bars: series '{s.Label}' has {s.Values.Length} values for {categories.Length} categories.", nameof(series));
        var plot = new ScottPlot.Plot();
        double width = 0.8 / series.Count;
        for (int k = 0; k < series.Count; k++)
        {
            var color = plot.Add.Palette.GetColor(k);
            var bars = new List<ScottPlot.Bar>();
            for (int c = 0; c < categories.Length; c++)
            {
                double v = series[k].Values[c];
                if (double.IsNaN(v)) continue;
                bars.Add(new ScottPlot.Bar
                {
                    Position = c + (k - (series.Count - 1) / 2.0) * width,
                    Value = v,
                    Size = width * 0.9,
                    FillColor = color,
                    Label = v.ToString("P0", System.Globalization.CultureInfo.InvariantCulture),
                });
            }
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = series[k].Label;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, categories.Length).Select(i => (double)i).ToArray(), categories);
        double top = series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsY(0, Math.Max(top, 1e-9) * 1.25); // room above the bars for the legend
        plot.Title(title);
        plot.YLabel(yLabel);
        var legend = plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        legend.Orientation = ScottPlot.Orientation.Horizontal;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, Math.Max(800, 110 * categories.Length), 500);
    }

    /// <summary>Moving average of <paramref name="values"/> (window <paramref name="window"/>), for noisy loss curves.</summary>
    /// <param name="values">The values.</param>
    /// <param name="window">How many values each average spans (the first ones average fewer).</param>
    /// <returns>The averages, one per value.</returns>
    public static double[] Smooth(IReadOnlyList<double> values, int window)
    {
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
