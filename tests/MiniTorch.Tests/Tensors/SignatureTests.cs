using static MiniTorch.Signature;

namespace MiniTorch.Tests.Tensors;

/// <summary>The public shape checker that modules, reference functions and users' own code validate inputs with.</summary>
public class SignatureTests
{
    private static Tensor<double> Z(params int[] shape) => new(shape);

    [Fact]
    public void BindsSymbolsAtFirstUseIncludingMultipliers()
    {
        var sizes = Check("Cell", [A("x", Z(5, 3), "N,D"), A("W", Z(3, 8), "D,4H"), A("h", Z(5, 2), "N,H")]);
        Assert.Equal(5, sizes["N"]);
        Assert.Equal(3, sizes["D"]);
        Assert.Equal(2, sizes["H"]);
    }

    [Fact]
    public void MismatchNamesTheFunctionTheSignatureEveryShapeAndTheDisagreement()
    {
        var e = Assert.Throws<ArgumentException>(() => Check("Cell", [A("x", Z(5, 3), "N,D"), A("W", Z(4, 8), "D,4H")]));
        Assert.Equal("Cell: W axis 0 is 4 but D = 3 (D = 3 from x). Expected x (N, D), W (D, 4H); got x (5, 3), W (4, 8).", e.Message);
    }

    [Fact]
    public void RankSizeAndMultipleAreChecked()
    {
        Assert.Contains("x must have rank 2 (N, D), got rank 1",
            Assert.Throws<ArgumentException>(() => Check("F", [A("x", Z(5), "N,D")])).Message);
        Assert.Contains("W axis 1 is 6, not a multiple of 4 (4H)",
            Assert.Throws<ArgumentException>(() => Check("F", [A("W", Z(3, 6), "D,4H")])).Message);
        Assert.Contains("x axis 0 (N) has size 0; every size must be at least 1",
            Assert.Throws<ArgumentException>(() => Check("F", [A("x", Z(0, 2), "N,D")])).Message);
    }

    [Fact]
    public void KnownSizesBindFirstAndOmittedArgumentsAreSkipped()
    {
        var e = Assert.Throws<ArgumentException>(() => Check("Lin", [A("x", Z(2, 7), "N,D")], new Known("D", 6, "inputSize")));
        Assert.Contains("x axis 1 is 7 but D = 6 (D = 6 from inputSize)", e.Message);
        var sizes = Check("Lin", [A("x", Z(2, 6), "N,D"), A<double>("b", null, "H")], new Known("D", 6, "inputSize"));
        Assert.False(sizes.ContainsKey("H"));
        Assert.Equal(2, sizes["N"]);
    }

    [Theory]
    [InlineData("N,,D")]
    [InlineData("4")]
    [InlineData("0H")]
    [InlineData("N,2")]
    public void MalformedSpecsAreRejected(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => Check("F", [A("x", Z(2, 2, 2), spec)]));
        Assert.Contains($"malformed token", e.Message);
        Assert.Contains(spec, e.Message);
    }
}
