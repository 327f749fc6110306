using System.CommandLine;
using BenchmarkDotNet.Running;
using MiniTorch.Examples;

namespace MiniTorch.Benchmarks;

/// <summary>
/// <c>bdn</c>: BenchmarkDotNet micro-benchmarks (see the Micro folder); every argument after <c>bdn</c> goes to
/// <see cref="BenchmarkSwitcher"/>, e.g. <c>bdn --filter *Gemm*</c> or <c>bdn --list flat</c> (<c>bdn -- --help</c>
/// for BenchmarkDotNet's own options).
/// </summary>
internal sealed class BdnCommand : ICommand
{
    public void AddTo(ExampleCommand root)
    {
        var command = root.Subcommand("bdn", "BenchmarkDotNet micro-benchmarks (the remaining arguments go to BenchmarkSwitcher, e.g. --filter *Gemm*)");
        var rest = new Argument<string[]>("benchmarkdotnet-arguments")
        {
            Description = "arguments for BenchmarkDotNet, e.g. --filter *Gemm* or --list flat (bdn -- --help lists them)",
            Arity = ArgumentArity.ZeroOrMore,
            CaptureRemainingTokens = true,
        };
        command.Command.Arguments.Add(rest);
        command.SetAction(run =>
        {
            var summaries = BenchmarkSwitcher.FromAssembly(typeof(BdnCommand).Assembly).Run(run.Get(rest));
            return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
        });
    }
}
