using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace MiniTorch.Examples;

/// <summary>Receives progress from a training loop.</summary>
public interface IProgressSink
{
    /// <summary>Reports that <paramref name="step"/> steps are done, with the current loss and an optional note.</summary>
    /// <param name="step">Steps done so far.</param>
    /// <param name="loss">The current (or smoothed) loss.</param>
    /// <param name="note">A few words more (shown after the loss, truncated on narrow terminals).</param>
    void Report(int step, double loss, string? note = null);

    /// <summary>Prints a line (or several) above the progress display without disturbing it.</summary>
    /// <param name="line">The text.</param>
    void Log(string line);
}

/// <summary>
/// Shows training progress: on an interactive ANSI terminal (as Spectre.Console detects it) one live line (description,
/// bar, percentage, time left) that always fits the terminal's width, the description being cut before the bar
/// shrinks, with log lines printed above it; plain periodic lines when the output is redirected or
/// <see cref="ProgressStyle.Plain"/> is asked for.
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
        // The live line needs a terminal that understands ANSI escape codes (Spectre.Console's detection).
        var capabilities = AnsiConsole.Profile.Capabilities;
        if (style == ProgressStyle.Plain || Console.IsOutputRedirected || !capabilities.Interactive || !capabilities.Ansi)
        {
            body(new PlainSink(title, totalSteps));
            return;
        }
        var sink = new LiveSink(title, totalSteps, Console.Out);
        try
        {
            body(sink);
        }
        finally
        {
            sink.Finish();
        }
    }

    /// <summary>
    /// The live line for a terminal <paramref name="width"/> columns wide: "description bar percentage time", at most
    /// width - 1 characters. The bar keeps between 10 and 40 columns; the description is cut (ending in "…") first.
    /// </summary>
    /// <param name="description">What is being trained and the latest figures.</param>
    /// <param name="fraction">Done, in [0, 1].</param>
    /// <param name="remaining">Estimated time left (null: unknown).</param>
    /// <param name="width">The terminal's width in columns.</param>
    /// <returns>The description (cut to fit), the bar's filled and empty lengths and the right-hand text.</returns>
    public static (string Description, int Filled, int Empty, string Right) Layout(string description, double fraction, TimeSpan? remaining, int width)
    {
        fraction = double.IsFinite(fraction) ? Math.Clamp(fraction, 0, 1) : 0;
        string right = string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Floor(fraction * 100),3}%");
        if (remaining is { } r) right += " " + (r.TotalHours >= 1 ? r.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : r.ToString(@"m\:ss", CultureInfo.InvariantCulture)) + " left";
        int usable = Math.Max(width - 1, 12);
        int bar = Math.Clamp((usable - right.Length - 2) / 3, 10, 40);
        int descriptionWidth = usable - bar - right.Length - 2;
        if (descriptionWidth < 8 && remaining is not null) return Layout(description, fraction, null, width); // drop the time first
        descriptionWidth = Math.Max(descriptionWidth, 0);
        if (description.Length > descriptionWidth)
            description = descriptionWidth == 0 ? "" : description[..(descriptionWidth - 1)] + "…";
        int filled = (int)Math.Round(fraction * bar);
        return (description.PadRight(descriptionWidth), filled, bar - filled, right);
    }

    private static string Speed(Stopwatch watch, int step) =>
        (step / Math.Max(watch.Elapsed.TotalSeconds, 1e-9)).ToString("F1", CultureInfo.InvariantCulture) + " steps/s";

    private static string Describe(string title, int step, int total, double loss, string? note, Stopwatch watch) =>
        string.Create(CultureInfo.InvariantCulture, $"{title}: step {step}/{total} loss {loss:F4} {Speed(watch, step)}{(note is null ? "" : "  " + note)}");

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
            Console.WriteLine(Describe(title, step, total, loss, note, _watch));
        }

        public void Log(string line) => Console.WriteLine(line);
    }

    /// <summary>
    /// One live line at the bottom of the terminal, redrawn in place ("\r", then the line, then erase-to-end): it is
    /// always narrower than the terminal, so it never wraps and the cursor stays on its row. A log line first erases
    /// the live line, is printed in its place (wrapping as it likes), and the live line is drawn again below it.
    /// Everything happens on the training thread: printing and redrawing never interleave.
    /// </summary>
    private sealed class LiveSink(string title, int total, TextWriter output) : IProgressSink
    {
        private const string EraseLine = "\u001b[2K", EraseToEnd = "\u001b[K", Green = "\u001b[32m", Grey = "\u001b[90m", Reset = "\u001b[0m";
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private TimeSpan _lastDraw = TimeSpan.FromSeconds(-1);
        private string _description = $"{title}: starting";
        private int _step;

        public void Report(int step, double loss, string? note = null)
        {
            _step = step;
            _description = Describe(title, step, total, loss, note, _watch);
            if (step >= total || _watch.Elapsed - _lastDraw >= TimeSpan.FromMilliseconds(100)) Draw();
        }

        public void Log(string line)
        {
            output.Write("\r" + EraseLine);
            output.WriteLine(line);
            Draw();
        }

        public void Finish()
        {
            Draw();
            output.WriteLine();
        }

        private void Draw()
        {
            _lastDraw = _watch.Elapsed;
            double fraction = total > 0 ? (double)_step / total : 1;
            TimeSpan? remaining = _step > 0 && _step < total ? _watch.Elapsed * ((total - _step) / (double)_step) : null;
            var (description, filled, empty, right) = Layout(_description, fraction, remaining, Width());
            output.Write($"\r{description} {Green}{new string('━', filled)}{Grey}{new string('━', empty)}{Reset} {right}{EraseToEnd}");
            output.Flush();
        }

        private static int Width()
        {
            try { return Console.WindowWidth > 0 ? Console.WindowWidth : AnsiConsole.Profile.Width; }
            catch (IOException) { return AnsiConsole.Profile.Width; }
        }
    }
}
