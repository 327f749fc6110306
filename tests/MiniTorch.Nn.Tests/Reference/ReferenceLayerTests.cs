using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Reference;

/// <summary>The reference account is independent of the tape: its assembly references the Tensor layer only.</summary>
public class ReferenceLayerTests
{
    [Fact]
    public void ReferenceAssemblyReferencesOnlyTheTensorLayer()
    {
        var miniTorch = typeof(Cs231n).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("MiniTorch", StringComparison.Ordinal))
            .ToArray();
        Assert.Equal(["MiniTorch.Tensor"], miniTorch);
    }
}
