using System.Globalization;
using System.Text;

namespace MiniTorch.Examples;

/// <summary>Thrown for a bad command line; the example prints the message and the usage and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A tiny "--name value" command-line reader. Each option is declared with its default and help text when it is read,
/// so the usage printed by --help always lists exactly the options the program uses.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> _given = new();
    private readonly List<(string Name, string Default, string Help)> _declared = new();
    private readonly string _program, _summary;

    /// <summary>Parses <paramref name="args"/> (pairs "--name value" and bare flags "--name").</summary>
    public CommandLine(string program, string summary, string[] args)
    {
        _program = program;
        _summary = summary;
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || args[i].Length == 2)
                throw new UsageException($"unexpected argument '{args[i]}' (options look like --name value)");
            string name = args[i][2..];
            string? value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            if (!_given.TryAdd(name, value)) throw new UsageException($"option --{name} given twice");
        }
        HelpRequested = _given.ContainsKey("help");
    }

    /// <summary>True when --help was given.</summary>
    public bool HelpRequested { get; }

    /// <summary>A string option.</summary>
    public string String(string name, string defaultValue, string help)
    {
        _declared.Add((name, defaultValue, help));
        // With --help every option is only declared (for the usage text), never validated.
        if (HelpRequested || !_given.TryGetValue(name, out var v)) return defaultValue;
        return v ?? throw new UsageException($"option --{name} needs a value");
    }

    /// <summary>An integer option with an inclusive valid range.</summary>
    public int Int(string name, int defaultValue, string help, int min = int.MinValue, int max = int.MaxValue)
    {
        string s = String(name, defaultValue.ToString(CultureInfo.InvariantCulture), help);
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new UsageException($"option --{name} must be an integer in [{min}, {max}], got '{s}'");
        return v;
    }

    /// <summary>A floating-point option with an inclusive valid range.</summary>
    public double Double(string name, double defaultValue, string help, double min = double.MinValue, double max = double.MaxValue)
    {
        string s = String(name, defaultValue.ToString(CultureInfo.InvariantCulture), help);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= min && v <= max))
            throw new UsageException($"option --{name} must be a number in [{min}, {max}], got '{s}'");
        return v;
    }

    /// <summary>One of a fixed set of words.</summary>
    public string Choice(string name, string defaultValue, string help, params string[] choices)
    {
        string s = String(name, defaultValue, $"{help} ({string.Join("|", choices)})");
        if (!choices.Contains(s)) throw new UsageException($"option --{name} must be one of {string.Join(", ", choices)}, got '{s}'");
        return s;
    }

    /// <summary>
    /// The "--out DIR" option: where the example writes its PNGs and files. The default is
    /// examples/<paramref name="example"/>/out in the MiniTorch repository (see <see cref="ExamplePaths.DefaultOutput"/>).
    /// Returns the full path (the folder is created later, when something is written).
    /// </summary>
    public string OutputDirectory(string example)
    {
        string given = String("out", $"examples/{example}/out in the repository", "folder for the PNG plots and other files");
        return HelpRequested || !_given.ContainsKey("out") ? ExamplePaths.DefaultOutput(example) : Path.GetFullPath(given);
    }

    /// <summary>The "--seed N" option (a non-negative integer) that makes a run reproducible.</summary>
    public ulong Seed(int defaultValue = 1) =>
        (ulong)Int("seed", defaultValue, "random seed: the same seed and options give the same run", 0);

    /// <summary>A comma-separated list of integers.</summary>
    public int[] IntList(string name, string defaultValue, string help, int min = 1)
    {
        string s = String(name, defaultValue, help);
        var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out result[i]) || result[i] < min)
                throw new UsageException($"option --{name} must be a comma-separated list of integers >= {min}, got '{s}'");
        if (result.Length == 0) throw new UsageException($"option --{name} needs at least one value");
        return result;
    }

    /// <summary>A flag: true when present.</summary>
    public bool Flag(string name, string help)
    {
        _declared.Add((name, "", help));
        if (HelpRequested || !_given.TryGetValue(name, out var v)) return false;
        if (v is not null) throw new UsageException($"option --{name} takes no value, got '{v}'");
        return true;
    }

    /// <summary>Call after declaring every option: rejects unknown options.</summary>
    public void Done()
    {
        foreach (var name in _given.Keys)
            if (name != "help" && _declared.All(d => d.Name != name))
                throw new UsageException($"unknown option --{name}");
    }

    /// <summary>The usage text listing every declared option with its default.</summary>
    public string Usage()
    {
        var sb = new StringBuilder();
        sb.AppendLine(_summary).AppendLine().AppendLine($"usage: dotnet run -c Release --project examples/{_program} -- [options]").AppendLine();
        int width = _declared.Max(d => d.Name.Length) + 4;
        foreach (var (name, def, help) in _declared)
            sb.AppendLine($"  --{name.PadRight(width)}{help}{(def.Length > 0 ? $" (default: {def})" : "")}");
        sb.AppendLine($"  --{"help".PadRight(width)}show this text");
        return sb.ToString();
    }

    /// <summary>
    /// Runs <paramref name="main"/> with a parsed command line: prints usage on --help, and a one-line error plus
    /// exit code 2 on a bad option, or exit code 1 on an unreadable file.
    /// </summary>
    public static int Run(string program, string summary, string[] args, Func<CommandLine, int> main)
    {
        try
        {
            return main(new CommandLine(program, summary, args));
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"{program}: {e.Message}. Try --help.");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Console.Error.WriteLine($"{program}: {e.Message}");
            return 1;
        }
    }

    /// <summary>Prints the usage and returns true when --help was given (call after declaring options).</summary>
    public bool ShowHelpIfAsked()
    {
        if (!HelpRequested) return false;
        Console.WriteLine(Usage());
        return true;
    }
}
