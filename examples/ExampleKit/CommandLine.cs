using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace MiniTorch.Examples;

/// <summary>
/// Thrown for a bad command line that only the program itself can detect (a value that does not fit the data, a
/// character outside the vocabulary); <see cref="ExampleCommand.Run"/> prints the message on one line and exits with 2.
/// </summary>
/// <param name="message">What is wrong, naming the option and the value.</param>
public sealed class UsageException(string message) : Exception(message);

/// <summary>How a run shows its training progress (the standard <c>--progress</c> option).</summary>
public enum ProgressStyle
{
    /// <summary>A live bar on an interactive terminal, plain lines when the output is redirected.</summary>
    Auto,
    /// <summary>Plain periodic lines, even on a terminal.</summary>
    Plain,
    /// <summary>No progress output at all (results and log lines only).</summary>
    None,
}

/// <summary>
/// A program's (or a subcommand's) command line, parsed by System.CommandLine: each example declares only its own
/// options; the standard ones (<c>--seed</c>, <c>--out</c>, <c>--progress</c>, <c>-h/--help</c>) come with it. Values are
/// written <c>--name value</c> or <c>--name=value</c>; a bad or unknown option prints one line and exits with code 2.
/// </summary>
public sealed class ExampleCommand
{
    private readonly Option<ulong>? _seed;
    private readonly Option<string>? _out;
    private readonly Option<string>? _progress;
    private Func<ExampleRun, int>? _main;

    /// <summary>A program's root command (<paramref name="standardOptions"/>: with --seed, --out and --progress).</summary>
    /// <param name="name">The program's name (the example's folder under examples/, e.g. "CharRnn"), used in messages and for the default --out.</param>
    /// <param name="summary">One or two sentences for --help.</param>
    /// <param name="standardOptions">Whether to add --seed, --out and --progress.</param>
    /// <param name="defaultSeed">The default of --seed.</param>
    public ExampleCommand(string name, string summary, bool standardOptions = true, ulong defaultSeed = 1)
        : this(new RootCommand(summary), name, standardOptions, defaultSeed) { }

    private ExampleCommand(Command command, string name, bool standardOptions, ulong defaultSeed)
    {
        Command = command;
        Name = name;
        if (command is RootCommand root) root.HelpName = name;
        if (!standardOptions) return;
        _seed = Number("seed", defaultSeed, "random seed: the same seed and options give the same run", 0UL, ulong.MaxValue);
        _out = String("out", ExamplePaths.DefaultOutput(name), "folder for the PNG plots and other files written (checked before training starts)");
        _progress = Choice("progress", "auto", "auto: a live bar on a terminal, plain lines otherwise; plain: always lines; none: no progress output",
            "auto", "plain", "none");
    }

    /// <summary>The System.CommandLine command (add options or subcommands to it directly when the helpers do not fit).</summary>
    public Command Command { get; }

    /// <summary>The program's name as used in messages.</summary>
    public string Name { get; }

    /// <summary>
    /// Adds a subcommand (e.g. the benchmark program's <c>train</c>) and returns it; declare its options on the result
    /// and give it its action with <see cref="SetAction"/>.
    /// </summary>
    /// <param name="name">The word that selects the subcommand.</param>
    /// <param name="summary">One line for --help.</param>
    /// <param name="standardOptions">Whether the subcommand takes --seed, --out and --progress.</param>
    /// <returns>The subcommand.</returns>
    public ExampleCommand Subcommand(string name, string summary, bool standardOptions = false)
    {
        var sub = new ExampleCommand(new Command(name, summary), $"{Name} {name}", standardOptions, 1);
        Command.Subcommands.Add(sub.Command);
        _subcommands.Add(sub);
        return sub;
    }

    /// <summary>Adds an option built by hand.</summary>
    /// <typeparam name="T">The option's value type.</typeparam>
    /// <param name="option">The option.</param>
    /// <returns><paramref name="option"/>.</returns>
    public Option<T> Add<T>(Option<T> option)
    {
        Command.Options.Add(option);
        return option;
    }

    /// <summary>A string option <c>--name</c>.</summary>
    /// <param name="name">The option's name without the dashes.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="help">One line for --help.</param>
    /// <returns>The option, to read with <see cref="ExampleRun.Get{T}"/>.</returns>
    public Option<string> String(string name, string defaultValue, string help) =>
        Add(new Option<string>("--" + name) { Description = help, DefaultValueFactory = _ => defaultValue, HelpName = "text" });

    /// <summary>A number option with an inclusive valid range (integers or floating point).</summary>
    /// <typeparam name="T">int, long, ulong, double...</typeparam>
    /// <param name="name">The option's name without the dashes.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="help">One line for --help.</param>
    /// <param name="min">The smallest accepted value.</param>
    /// <param name="max">The largest accepted value.</param>
    /// <returns>The option, to read with <see cref="ExampleRun.Get{T}"/>.</returns>
    public Option<T> Number<T>(string name, T defaultValue, string help, T min, T max) where T : INumber<T>, IMinMaxValue<T>
    {
        bool integer = T.IsZero(T.One / (T.One + T.One)); // 1/2 is 0 only for integer types
        string range = ((min == T.MinValue && !T.IsZero(min)) || (!integer && min == -T.MaxValue), max == T.MaxValue) switch
        {
            (true, true) => "",
            (false, true) => string.Create(CultureInfo.InvariantCulture, $" >= {min}"),
            (true, false) => string.Create(CultureInfo.InvariantCulture, $" <= {max}"),
            _ => string.Create(CultureInfo.InvariantCulture, $" in [{min}, {max}]"),
        };
        string kind = integer ? "an integer" : "a number";
        return Add(new Option<T>("--" + name)
        {
            Description = help,
            DefaultValueFactory = _ => defaultValue,
            HelpName = integer ? "int" : "number",
            CustomParser = r =>
            {
                string s = r.Tokens[0].Value;
                var style = integer ? NumberStyles.Integer : NumberStyles.Float;
                if (T.TryParse(s, style, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
                r.AddError($"option --{name} must be {kind}{range}, got '{s}'");
                return defaultValue;
            },
        });
    }

    /// <summary>An integer option (see <see cref="Number{T}"/>).</summary>
    /// <param name="name">The option's name without the dashes.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="help">One line for --help.</param>
    /// <param name="min">The smallest accepted value.</param>
    /// <param name="max">The largest accepted value.</param>
    /// <returns>The option.</returns>
    public Option<int> Int(string name, int defaultValue, string help, int min = int.MinValue, int max = int.MaxValue) =>
        Number(name, defaultValue, help, min, max);

    /// <summary>A floating-point option (see <see cref="Number{T}"/>); NaN is never accepted.</summary>
    /// <param name="name">The option's name without the dashes.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="help">One line for --help.</param>
    /// <param name="min">The smallest accepted value.</param>
    /// <param name="max">The largest accepted value.</param>
    /// <returns>The option.</returns>
    public Option<double> Double(string name, double defaultValue, string help, double min = -double.MaxValue, double max = double.MaxValue) =>
        Number(name, defaultValue, help, min, max);

    /// <summary>One of a fixed set of words.</summary>
    /// <param name="name">The option's name without the dashes.</param>
    /// <param name="defaultValue">The value when the option is absent (one of <paramref name="choices"/>).</param>
    /// <param name="help">One line for --help.</param>
    /// <param name="choices">The accepted words.</param>
    /// <returns>The option.</returns>
    /// <exception cref="ArgumentException">The default is not one of the choices.</exception>
    public Option<string> Choice(string name, string defaultValue, string help, params string[] choices)
    {
        if (!choices.Contains(defaultValue))
            throw new ArgumentException($"ExampleCommand.Choice: the default '{defaultValue}' of --{name} is not one of {string.Join(", ", choices)}.", nameof(defaultValue));
        return Add(new Option<string>("--" + name)
        {
            Description = help,
            DefaultValueFactory = _ => defaultValue,
            HelpName = string.Join("|", choices),
            CustomParser = r =>
            {
                string s = r.Tokens[0].Value;
                if (choices.Contains(s)) return s;
                r.AddError($"option --{name} must be one of {string.Join(", ", choices)}, got '{s}'");
                return defaultValue;
            },
        });
    }

    /// <summary>A comma-separated list of integers (<c>--lengths 10,50,100</c>).</summary>
    /// <param name="name">The option's name without the dashes.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="help">One line for --help.</param>
    /// <param name="min">The smallest accepted element.</param>
    /// <returns>The option.</returns>
    public Option<int[]> IntList(string name, int[] defaultValue, string help, int min = 1) =>
        Add(new Option<int[]>("--" + name)
        {
            Description = help + $" (default: {string.Join(",", defaultValue)})",
            DefaultValueFactory = _ => defaultValue,
            HelpName = "n,n,...",
            Arity = ArgumentArity.ExactlyOne,
            AllowMultipleArgumentsPerToken = false,
            CustomParser = r =>
            {
                string s = r.Tokens[0].Value;
                var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var values = new int[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                    if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < min)
                    {
                        r.AddError($"option --{name} must be a comma-separated list of integers >= {min}, got '{s}'");
                        return defaultValue;
                    }
                if (values.Length == 0) r.AddError($"option --{name} needs at least one value, got '{s}'");
                return values;
            },
        });

    /// <summary>A flag: false when absent, true when given (<c>--name</c>, or <c>--name=true|false</c>).</summary>
    /// <param name="name">The option's name without the dashes.</param>
    /// <param name="help">One line for --help.</param>
    /// <returns>The option.</returns>
    public Option<bool> Flag(string name, string help) =>
        Add(new Option<bool>("--" + name) { Description = help });

    /// <summary>Sets what the command does once its command line has parsed without error.</summary>
    /// <param name="main">The program; returns the exit code.</param>
    public void SetAction(Func<ExampleRun, int> main) => _main = main;

    /// <summary>
    /// Parses <paramref name="args"/> and runs the selected command: --help (or -h) prints the usage and returns 0; a
    /// parse error, an unknown option, an unwritable --out or a <see cref="UsageException"/> prints one line per error
    /// on <paramref name="error"/> and returns 2; an unreadable or invalid file returns 1 with one line. Otherwise
    /// returns what the command's action returns.
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <param name="main">The root command's action (null: the action set with <see cref="SetAction"/>, or only subcommands).</param>
    /// <param name="output">Where --help goes (default: the console).</param>
    /// <param name="error">Where errors go (default: the console's error stream).</param>
    /// <returns>The exit code.</returns>
    public int Run(string[] args, Func<ExampleRun, int>? main = null, TextWriter? output = null, TextWriter? error = null)
    {
        if (main is not null) _main = main;
        output ??= Console.Out;
        error ??= Console.Error;
        MoveStandardOptionsLast();
        var result = Command.Parse(args);
        if (result.Action is HelpAction)
            return result.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        if (result.Errors.Count > 0)
        {
            // One error only, a bad value before a stray word: after an unknown option its value is reported as a second
            // error, and after "--steps --seed 3" the 3 is a stray word because --seed became the value of --steps.
            var first = result.Errors.OrderBy(e => e.SymbolResult is OptionResult or ArgumentResult ? 0 : 1).First();
            error.WriteLine($"{Name}: {Explain(first, result)} (see --help)");
            return 2;
        }
        var selected = Find(result.CommandResult.Command);
        if (selected?._main is null)
        {
            error.WriteLine($"{Name}: {(Command.Subcommands.Count > 0 ? $"choose a command: {string.Join(", ", Command.Subcommands.Select(c => c.Name))}" : "nothing to run")} (see --help)");
            return 2;
        }
        try
        {
            return selected._main(new ExampleRun(result, selected, output));
        }
        catch (UsageException e)
        {
            error.WriteLine($"{Name}: {e.Message} (see --help)");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine($"{Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>--help lists the command's own options first, then the standard ones (of every subcommand too).</summary>
    private void MoveStandardOptionsLast()
    {
        foreach (var option in new Option?[] { _seed, _out, _progress })
            if (option is not null && Command.Options.Remove(option)) Command.Options.Add(option);
        foreach (var sub in _subcommands) sub.MoveStandardOptionsLast();
    }

    internal Option<ulong>? SeedOption => _seed;
    internal Option<string>? OutOption => _out;
    internal Option<string>? ProgressOption => _progress;

    private readonly List<ExampleCommand> _subcommands = [];

    private ExampleCommand? Find(Command command)
    {
        if (ReferenceEquals(command, Command)) return this;
        foreach (var sub in _subcommands)
            if (sub.Find(command) is { } found) return found;
        return null;
    }

    /// <summary>The parse error's message in the examples' words, with a suggestion for a misspelt option.</summary>
    private static string Explain(ParseError e, ParseResult result)
    {
        string message = e.Message.TrimEnd('.');
        if (e.SymbolResult is OptionResult { Tokens.Count: 0 } missing) return $"option {missing.Option.Name} needs a value";
        var command = result.CommandResult.Command;
        var unmatched = result.UnmatchedTokens;
        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            string commands = string.Join(", ", command.Subcommands.Select(c => c.Name));
            var word = unmatched.FirstOrDefault(t => !t.StartsWith('-'));
            if (word is not null) return $"unknown command '{word}'; the commands are {commands}";
            if (unmatched.Count == 0) return $"choose a command: {commands}";
        }
        var token = unmatched.FirstOrDefault(t => message.Contains($"'{t}'", StringComparison.Ordinal));
        if (token is null) return message;
        if (!token.StartsWith('-')) return $"unexpected argument '{token}' (options are written --name value or --name=value)";
        string name = token.Split('=', 2)[0];
        var known = command.Options.Concat(result.RootCommandResult.Command.Options.Where(o => o.Recursive))
            .SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct();
        var best = known.Select(n => (Name: n, Distance: EditDistance(name, n))).OrderBy(p => p.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= 2 ? $"unknown option {name}; did you mean {best.Name}?" : $"unknown option {name}";
    }

    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
