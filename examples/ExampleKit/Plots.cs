namespace MiniTorch.Examples;

/// <summary>One line of a plot.</summary>
public sealed record Series(string Label, double[] X, double[] Y);

/// <summary>One heatmap of a figure: values[row, column] with a label for every row and every column.</summary>
/// <param name="Title">The panel's title.</param>
/// <param name="Values">The cells, (rows, columns); row 0 is drawn at the top.</param>
/// <param name="ColumnLabels">One label per column, written under the panel.</param>
/// <param name="RowLabels">One label per row, written left of the panel.</param>
public sealed record HeatmapPanel(string Title, double[,] Values, string[] ColumnLabels, string[] RowLabels);

/// <summary>Writes line plots and heatmaps as PNG files (ScottPlot, headless).</summary>
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

    /// <summary>
    /// Saves <paramref name="panels"/> one above the other as heatmaps on a common colour scale [0, 1] (for example
    /// attention weights: one row per output word, one column per input word) to <paramref name="path"/>, 900 pixels
    /// wide and 300 high per panel.
    /// </summary>
    /// <param name="path">The PNG file to write (its folder is created).</param>
    /// <param name="panels">The heatmaps, at least one.</param>
    /// <param name="xLabel">The label of every panel's horizontal axis.</param>
    /// <param name="yLabel">The label of every panel's vertical axis.</param>
    /// <exception cref="ArgumentException">No panel, or a panel's labels do not match its values' shape.</exception>
    public static void Heatmaps(string path, IReadOnlyList<HeatmapPanel> panels, string xLabel, string yLabel)
    {
        if (panels.Count == 0) throw new ArgumentException("Plots.Heatmaps: no panels.", nameof(panels));
        foreach (var p in panels)
            if (p.Values.GetLength(0) != p.RowLabels.Length || p.Values.GetLength(1) != p.ColumnLabels.Length)
                throw new ArgumentException($"Plots.Heatmaps: panel \"{p.Title}\" has values ({p.Values.GetLength(0)}, {p.Values.GetLength(1)}) but {p.RowLabels.Length} row and {p.ColumnLabels.Length} column labels.", nameof(panels));
        ScottPlot.Multiplot? figure = null;
        foreach (var p in panels)
        {
            var plot = new ScottPlot.Plot();
            if (figure is null) figure = new ScottPlot.Multiplot(plot) { Layout = new ScottPlot.MultiplotLayouts.Rows() };
            else ScottPlot.IMultiplotExtensions.AddPlot(figure, plot);
            int rows = p.Values.GetLength(0), columns = p.Values.GetLength(1);
            var heatmap = plot.Add.Heatmap(p.Values);
            heatmap.ManualRange = new ScottPlot.Range(0, 1);
            // Cell (r, c) covers [c - 0.5, c + 0.5] horizontally and is centred at y = rows - 1 - r, so row 0 is on top.
            heatmap.Extent = new ScottPlot.CoordinateRect(-0.5, columns - 0.5, -0.5, rows - 0.5);
            plot.Add.ColorBar(heatmap);
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(c => (double)c).ToArray(), p.ColumnLabels);
            plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r)).ToArray(), p.RowLabels);
            plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
            plot.Title(p.Title);
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        ScottPlot.IMultiplotExtensions.SavePng(figure!, path, 900, 300 * panels.Count);
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
