namespace MiniTorch.Examples;

/// <summary>One line of a plot.</summary>
public sealed record Series(string Label, double[] X, double[] Y);

/// <summary>Writes line plots as PNG files (ScottPlot, headless).</summary>
public static class Plots
{
    /// <summary>Saves a line plot of <paramref name="series"/> to <paramref name="path"/>; <paramref name="logY"/> plots log10(y).</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logY = false)
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
        plot.YLabel(logY ? $"log10 {yLabel}" : yLabel);
        plot.ShowLegend();
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
