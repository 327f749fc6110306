using System.CommandLine;

namespace MiniTorch.Examples;

/// <summary>
/// A parsed command line handed to an example's main function: the values of its options, the standard ones
/// (<see cref="Seed"/>, <see cref="OutputDirectory"/>, <see cref="Progress"/>) and the progress display.
/// </summary>
public sealed class ExampleRun
{
    private readonly ParseResult _result;
    private readonly ExampleCommand _command;
    private string? _outputDirectory;

    internal ExampleRun(ParseResult result, ExampleCommand command, TextWriter output)
    {
        _result = result;
        _command = command;
        Output = output;
        Progress = command.ProgressOption is { } p ? Enum.Parse<ProgressStyle>(result.GetValue(p)!, ignoreCase: true) : ProgressStyle.Auto;
        // --out is checked before the example does any work, so a bad folder costs nothing.
        if (command.OutOption is not null) _outputDirectory = CheckWritableDirectory(result.GetValue(command.OutOption)!, "--out");
    }

    /// <summary>The value of one of the command's options (its default when absent).</summary>
    /// <typeparam name="T">The option's value type.</typeparam>
    /// <param name="option">An option declared on the command.</param>
    /// <returns>The parsed value.</returns>
    public T Get<T>(Option<T> option) => _result.GetValue(option)!;

    /// <summary>The value of one of the command's arguments.</summary>
    /// <typeparam name="T">The argument's value type.</typeparam>
    /// <param name="argument">An argument declared on the command.</param>
    /// <returns>The parsed value.</returns>
    public T Get<T>(Argument<T> argument) => _result.GetValue(argument)!;

    /// <summary>Whether the option was written on the command line (rather than left at its default).</summary>
    /// <param name="option">An option declared on the command.</param>
    /// <returns>True when given.</returns>
    public bool IsGiven(Option option) => _result.GetResult(option) is { Implicit: false };

    /// <summary>The --seed value.</summary>
    /// <exception cref="InvalidOperationException">The command has no standard options.</exception>
    public ulong Seed => _command.SeedOption is { } s ? _result.GetValue(s)
        : throw new InvalidOperationException($"{_command.Name} has no --seed option.");

    /// <summary>The --out folder as a full path; it exists and is writable (checked before the example starts).</summary>
    /// <exception cref="InvalidOperationException">The command has no standard options.</exception>
    public string OutputDirectory => _outputDirectory ?? throw new InvalidOperationException($"{_command.Name} has no --out option.");

    /// <summary>The --progress style.</summary>
    public ProgressStyle Progress { get; }

    /// <summary>Where the example's results go (the console unless a test captures them).</summary>
    public TextWriter Output { get; }

    /// <summary>Runs a training loop while showing its progress in the --progress style (see <see cref="TrainingProgress"/>).</summary>
    /// <param name="title">What is being trained (the start of the progress line).</param>
    /// <param name="totalSteps">The number of steps <paramref name="body"/> will report.</param>
    /// <param name="body">The loop; it reports each step and prints through the sink it is given.</param>
    public void Train(string title, int totalSteps, Action<IProgressSink> body) => TrainingProgress.Run(title, totalSteps, Progress, body);

    /// <summary>
    /// Checks that a file can be written at <paramref name="path"/> (creating its folder), so that training does not
    /// end in an unwritable place. Throws a <see cref="UsageException"/> naming <paramref name="option"/> otherwise.
    /// </summary>
    /// <param name="path">The file that will be written.</param>
    /// <param name="option">The option that named it, for the message.</param>
    /// <returns>The full path.</returns>
    /// <exception cref="UsageException">The folder cannot be created or written to.</exception>
    public static string CheckWritableFile(string path, string option)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"{option} {path} is a folder, not a file");
        CheckWritableDirectory(Path.GetDirectoryName(full)!, option);
        return full;
    }

    /// <summary>
    /// Creates <paramref name="path"/> when missing and checks that a file can be written in it (by writing and deleting
    /// a small probe file). Throws a <see cref="UsageException"/> naming <paramref name="option"/> otherwise.
    /// </summary>
    /// <param name="path">The folder.</param>
    /// <param name="option">The option that named it, for the message.</param>
    /// <returns>The full path.</returns>
    /// <exception cref="UsageException">The folder cannot be created or written to.</exception>
    public static string CheckWritableDirectory(string path, string option)
    {
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UsageException($"{option} '{path}' is not a valid path: {e.Message}");
        }
        try
        {
            if (File.Exists(full)) throw new IOException("it is a file, not a folder");
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write to {option} {full}: {e.Message.TrimEnd('.')}");
        }
        return full;
    }
}
