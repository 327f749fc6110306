using System.Globalization;

namespace MiniTorch.Examples.Tests;

/// <summary>The live progress line's layout at terminal widths, and the labels of log-scale axes.</summary>
public class ProgressAndPlotTests
{
    private const string Long = "T = 100: step 123/1500 loss 0.1234 45.3 steps/s  (lstm; last 50 steps: rnn 0.170, lstm 0.100)";

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    [InlineData(200)]
    [InlineData(40)]
    [InlineData(24)]
    public void TheLineFitsAndTheDescriptionIsCutBeforeTheBar(int width)
    {
        var (description, filled, empty, right) = TrainingProgress.Layout(Long, 0.45, TimeSpan.FromSeconds(83), width);
        int bar = filled + empty;
        Assert.InRange(bar, 10, 40);
        Assert.True(description.Length + 1 + bar + 1 + right.Length <= Math.Max(width - 1, 12), $"{description}|{bar}|{right} at {width}");
        Assert.Equal((int)Math.Round(0.45 * bar), filled);
        if (description.Trim().Length < Long.Length && description.Length > 0) Assert.EndsWith("…", description.Trim());
        Assert.StartsWith(" 45%", right);
    }

    [Fact]
    public void AShortDescriptionIsKeptWholeAndTheTimeShown()
    {
        var (description, filled, empty, right) = TrainingProgress.Layout("lstm: step 1/10", 0.1, TimeSpan.FromSeconds(83), 120);
        Assert.Equal("lstm: step 1/10", description.TrimEnd());
        Assert.Equal(" 10% 1:23 left", right);
        Assert.InRange(filled + empty, 30, 40);
        // At 80 columns the bar has 20 columns or more, and only the description is cut.
        var narrow = TrainingProgress.Layout(Long, 1, null, 80);
        Assert.True(narrow.Filled + narrow.Empty >= 20);
        Assert.Equal(0, narrow.Empty);
        Assert.Equal("100%", narrow.Right);
    }

    [Fact]
    public void ABadFractionShowsAsZero()
    {
        Assert.Equal(0, TrainingProgress.Layout("x", double.NaN, null, 80).Filled);
        Assert.Equal(0, TrainingProgress.Layout("x", -1, null, 80).Filled);
    }

    private static string[] Labels(double low, double high, int max = 10) =>
        LogTicks.Major(Math.Log10(low), Math.Log10(high), max).Select(t => t.Label).ToArray();

    [Fact]
    public void LogTicksLabelSeveralValuesWhateverTheRange()
    {
        // The captioning loss plot's range, which used to show only "1e1".
        Assert.Equal(["10", "20", "30", "40"], Labels(9.5, 45));
        Assert.Equal(["9", "10", "20", "30", "40"], Labels(9, 45));
        Assert.Equal(["0.5", "1", "2", "5", "10", "20"], Labels(0.3, 30));
        Assert.Equal(["1e-10", "1e-9", "1e-8", "1e-7", "1e-6", "1e-5", "1e-4", "0.001", "0.01", "0.1", "1"], Labels(1e-10, 1, 12));
        Assert.Equal(["1e-30", "1e-25", "1e-20", "1e-15", "1e-10", "1e-5", "1"], Labels(1e-30, 1, 7));
        Assert.Equal(["10", "10.5", "11", "11.5", "12"], Labels(10, 12));
        Assert.Equal(["0.1", "1", "10", "100"], Labels(0.1, 100, 4));
    }

    [Fact]
    public void LogTicksSitAtTheLogarithmOfTheirLabel()
    {
        foreach (var (low, high) in new[] { (9.0, 45.0), (0.3, 30.0), (1e-10, 1.0), (10.0, 12.0), (0.0012, 0.05) })
        {
            var ticks = LogTicks.Major(Math.Log10(low), Math.Log10(high));
            Assert.InRange(ticks.Count, 3, 10);
            foreach (var (position, label) in ticks)
            {
                Assert.InRange(position, Math.Log10(low) - 1e-9, Math.Log10(high) + 1e-9);
                double value = double.Parse(label, CultureInfo.InvariantCulture);
                Assert.Equal(Math.Log10(value), position, 9);
            }
        }
    }

    [Fact]
    public void LogTicksRejectAnEmptyOrNonFiniteRange()
    {
        Assert.Throws<ArgumentException>(() => LogTicks.Major(1, 1));
        Assert.Throws<ArgumentException>(() => LogTicks.Major(double.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogTicks.Major(0, 1, 1));
    }

    [Fact]
    public void BarsNeedOneValuePerCategory() =>
        Assert.Throws<ArgumentException>(() => Plots.Bars(Path.Combine(Path.GetTempPath(), "never.png"), "t", "y", ["a", "b"], [new BarSeries("s", [1.0])]));
}
