using MiniTorch.Examples;

namespace MiniTorch.Benchmarks;

/// <summary>A subcommand of the benchmark program.</summary>
internal interface ICommand
{
    /// <summary>Adds itself (its options and action) to the program's root command.</summary>
    void AddTo(ExampleCommand root);
}

/// <summary>The command table: the benchmark program's command line (System.CommandLine, through ExampleKit).</summary>
internal static class Commands
{
    /// <summary>Every subcommand. To add one, implement <see cref="ICommand"/> and list it here.</summary>
    public static readonly ICommand[] All = [new MatMulCommand(), new TrainCommand(), new InferCommand(), new BdnCommand()];

    /// <summary>The root command with every subcommand; <c>--help</c> lists them, each takes <c>--help</c> too.</summary>
    public static ExampleCommand Build()
    {
        var root = new ExampleCommand("MiniTorch.Benchmarks",
            "MiniTorch's benchmarks: timed training steps and GEMM (the figures in the README) and BenchmarkDotNet micro-benchmarks.",
            standardOptions: false);
        foreach (var c in All) c.AddTo(root);
        return root;
    }
}
