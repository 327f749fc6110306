using BenchmarkDotNet.Running;

namespace MiniTorch.Benchmarks;

/// <summary>
/// <c>bdn</c>: BenchmarkDotNet micro-benchmarks (see the Micro folder); every argument after <c>bdn</c> goes to
/// <see cref="BenchmarkSwitcher"/>, e.g. <c>bdn --filter *Gemm*</c> or <c>bdn --list flat</c>.
/// </summary>
internal sealed class BdnCommand : ICommand
{
    public string Name => "bdn";

    public string Summary => "BenchmarkDotNet micro-benchmarks (remaining arguments go to BenchmarkSwitcher, e.g. --filter *Gemm*)";

    public int Run(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BdnCommand).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
