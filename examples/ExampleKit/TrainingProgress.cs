using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace MiniTorch.Examples;

/// <summary>Receives progress from a training loop.</summary>
public interface IProgressSink
{
    /// <summary>Reports that <paramref name="step"/> steps are done, with the current loss and an optional note.</summary>
    void Report(int step, double loss, string? note = null);
    /// <summary>Prints a line without disturbing the progress display.</summary>
    void Log(string line);
}

/// <summary>
/// Shows training progress: a live bar with step, loss and speed on a terminal, plain periodic lines when output is
/// redirected (CI logs, files).
/// </summary>
public static class TrainingProgress
{
    /// <summary>Runs <paramref name="body"/> while showing its progress towards <paramref name="totalSteps"/>.</summary>
    /// <param name="title">What is being trained (the start of the progress line).</param>
    /// <param name="totalSteps">The number of steps <paramref name="body"/> will report.</param>
    /// <param name="style">Live bar, plain lines or nothing (see <see cref="ProgressStyle"/>).</param>
    /// <param name="body">The loop; it reports each step and prints through the sink it is given.</param>
    public static void Run(string title, int totalSteps, ProgressStyle style, Action<IProgressSink> body)
    {
        if (style == ProgressStyle.None)
        {
            body(new SilentSink());
            return;
        }
        if (style == ProgressStyle.Plain || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            body(new PlainSink(title, totalSteps));
            return;
        }
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: totalSteps);
                body(new LiveSink(task, title));
            });
    }

    private static string Speed(Stopwatch watch, int step) =>
        (step / Math.Max(watch.Elapsed.TotalSeconds, 1e-9)).ToString("F1", CultureInfo.InvariantCulture) + " steps/s";

    private sealed class SilentSink : IProgressSink
    {
        public void Report(int step, double loss, string? note = null) { }

        public void Log(string line) => Console.WriteLine(line);
    }

    private sealed class PlainSink(string title, int total) : IProgressSink
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private TimeSpan _last = TimeSpan.FromSeconds(-10);

        public void Report(int step, double loss, string? note = null)
        {
            if (step < total && _watch.Elapsed - _last < TimeSpan.FromSeconds(2)) return;
            _last = _watch.Elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{title}: step {step}/{total}  loss {loss:F4}  {Speed(_watch, step)}{(note is null ? "" : "  " + note)}"));
        }

        public void Log(string line) => Console.WriteLine(line);
    }

    private sealed class LiveSink(ProgressTask task, string title) : IProgressSink
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();

        public void Report(int step, double loss, string? note = null)
        {
            task.Value = step;
            task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{title} step {step} loss {loss:F4} {Speed(_watch, step)}{(note is null ? "" : " " + note)}"));
        }

        public void Log(string line) => AnsiConsole.MarkupLine(Markup.Escape(line));
    }
}
