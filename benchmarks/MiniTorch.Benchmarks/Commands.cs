using Options = MiniTorch.Examples.CommandLine;

namespace MiniTorch.Benchmarks;

/// <summary>A subcommand of the benchmark program.</summary>
internal interface ICommand
{
    /// <summary>The word that selects it on the command line.</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Runs with the arguments after the command word; returns the process exit code.</summary>
    int Run(string[] args);
}

/// <summary>The command table and the dispatcher.</summary>
internal static class Commands
{
    /// <summary>Every subcommand. To add one (e.g. <c>train</c>), implement <see cref="ICommand"/> and list it here.</summary>
    public static readonly ICommand[] All = [new MatMulCommand(), new TrainCommand(), new InferCommand(), new BdnCommand()];

    /// <summary>Selects the command named by args[0] and runs it with the rest.</summary>
    public static int Dispatch(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            PrintCommands(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        var command = All.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"MiniTorch.Benchmarks: unknown command '{args[0]}'.");
            PrintCommands(Console.Error);
            return 2;
        }
        return command.Run(args[1..]);
    }

    /// <summary>
    /// Runs a command whose options are read with ExampleKit's <see cref="Options"/>: --help prints the options,
    /// a bad option prints one line and returns 2.
    /// </summary>
    public static int RunWithOptions(ICommand command, string[] args, Func<Options, int> main) =>
        Options.Run("MiniTorch.Benchmarks", command.Summary, args, main);

    /// <summary>
    /// Call after declaring every option: prints the usage and returns true on --help, else rejects unknown options.
    /// (The usage is ExampleKit's text, pointed at this project and command.)
    /// </summary>
    public static bool HelpOrDone(Options cl, ICommand command)
    {
        if (cl.HelpRequested)
        {
            Console.WriteLine(cl.Usage().Replace("--project examples/MiniTorch.Benchmarks --",
                $"--project benchmarks/MiniTorch.Benchmarks -- {command.Name}"));
            return true;
        }
        cl.Done();
        return false;
    }

    private static void PrintCommands(TextWriter w)
    {
        w.WriteLine("usage: dotnet run -c Release --project benchmarks/MiniTorch.Benchmarks -- <command> [options]");
        w.WriteLine();
        foreach (var c in All) w.WriteLine($"  {c.Name,-8}{c.Summary}");
        w.WriteLine();
        w.WriteLine("Each command takes --help.");
    }
}
