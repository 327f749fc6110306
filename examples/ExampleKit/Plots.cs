namespace MiniTorch.Examples;

/// <summary>One line of a plot.</summary>
public sealed record Series(string Label, double[] X, double[] Y);

/// <summary>Writes line plots as PNG files (ScottPlot, headless).</summary>
public static class Plots
{
    /// <summary>
    /// Saves a line plot of <paramref name="series"/> to <paramref name="path"/> (800 x 500 pixels). With
    /// <paramref name="logY"/> the y axis is logarithmic (ticks at powers of ten). The legend goes in the corner
    /// <paramref name="legend"/>.
    /// </summary>
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
            // ScottPlot draws linear axes: plot log10(y) and label the ticks as powers of ten.
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => $"1e{y:0}",
            };
        }
        plot.ShowLegend(legend);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 800, 500);
    }

    /// <summary>Moving average of <paramref name="values"/> (window <paramref name="window"/>), for noisy loss curves.</summary>
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
