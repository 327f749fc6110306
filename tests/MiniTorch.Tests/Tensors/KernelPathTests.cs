using System.Runtime.Intrinsics;

namespace MiniTorch.Tests.Tensors;

/// <summary>
/// Which GEMM kernel runs. <c>.ci/run</c> runs the Tensors tests again with AVX-512 and with AVX switched off by the
/// runtime's switches and sets <see cref="ExpectVariable"/> to the path that must then run, so a switch the runtime
/// ignores (as .NET 10 ignores <c>DOTNET_EnableAVX512F</c>) fails the run instead of silently re-testing one path.
/// </summary>
public class KernelPathTests
{
    /// <summary>The environment variable naming the expected path (the first word of <see cref="Gemm.KernelPath"/>).</summary>
    public const string ExpectVariable = "MINITORCH_EXPECT_KERNEL";

    [Fact]
    public void KernelPathIsTheOneExpected()
    {
        string? expected = Environment.GetEnvironmentVariable(ExpectVariable);
        string path = Gemm.KernelPath;
        if (string.IsNullOrEmpty(expected))
        {
            // Without an expectation the path must follow what the hardware (and the switches) accelerate.
            expected = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256"
                : Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";
        }
        Assert.True(path.StartsWith(expected + " ", StringComparison.Ordinal), $"kernel path '{path}', expected '{expected}'");
    }

    [Fact]
    public void TileShapeMatchesThePath()
    {
        (int mr, int nr) = Gemm.KernelPath.Split(' ')[0] switch
        {
            "Vector512" => (12, 2 * Vector512<float>.Count),
            "Vector256" => (6, 2 * Vector256<float>.Count),
            "Vector128" => (6, 2 * Vector128<float>.Count),
            _ => (4, 4),
        };
        Assert.Equal((mr, nr), (GemmKernels<float>.MR, GemmKernels<float>.NR));
    }
}
