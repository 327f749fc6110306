using MiniTorch.Autograd;

namespace MiniTorch.Nn.Tests.Modules;

/// <summary>Parameter layout, names and initialisation as documented (PyTorch's defaults, drawn from an explicit Rng).</summary>
public class InitTests
{
    private static (string, string)[] Layout(Module<double> m) => m.NamedParameters().Select(p => (p.Name, p.Parameter.Data.ShapeString)).ToArray();

    [Fact]
    public void ParametersHaveTheSeedLayoutAndNames()
    {
        var rng = new Rng(0);
        Assert.Equal([("Wx_l0", "(3, 16)"), ("Wh_l0", "(4, 16)"), ("b_l0", "(16,)")], Layout(new Lstm<double>(3, 4, rng)));
        Assert.Equal([("Wx", "(3, 16)"), ("Wh", "(4, 16)"), ("b", "(16,)")], Layout(new LstmCell<double>(3, 4, rng)));
        Assert.Equal([("Wx_l0", "(3, 4)"), ("Wh_l0", "(4, 4)"), ("b_l0", "(4,)")], Layout(new Rnn<double>(3, 4, rng)));
        Assert.Equal([("Wx", "(3, 4)"), ("Wh", "(4, 4)"), ("b", "(4,)")], Layout(new RnnCell<double>(3, 4, rng)));
        Assert.Equal([("weight", "(3, 5)"), ("bias", "(5,)")], Layout(new Linear<double>(3, 5, rng)));
        Assert.Equal([("weight", "(3, 5)"), ("bias", "(5,)")], Layout(new TemporalAffine<double>(3, 5, rng)));
        Assert.Equal([("weight", "(3, 5)")], Layout(new Linear<double>(3, 5, rng, bias: false)));
        Assert.Equal([("weight", "(7, 2)")], Layout(new Embedding<double>(7, 2, rng)));
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("rnn")]
    [InlineData("linear")]
    public void UniformInitialisationFillsPlusMinusOneOverSqrtFanIn(string kind)
    {
        var rng = new Rng(3);
        (Module<double> m, double bound) = kind switch
        {
            "lstm" => ((Module<double>)new Lstm<double>(30, 25, rng), 1 / Math.Sqrt(25)),
            "rnn" => (new Rnn<double>(30, 25, rng), 1 / Math.Sqrt(25)),
            _ => (new Linear<double>(64, 40, rng), 1 / Math.Sqrt(64)),
        };
        foreach (var (name, p) in m.NamedParameters())
        {
            var v = p.Data.ToArray();
            Assert.True(v.All(x => x >= -bound && x < bound), $"{kind}.{name}: a value outside [-{bound}, {bound})");
            Assert.True(v.Max() > 0.8 * bound && v.Min() < -0.8 * bound, $"{kind}.{name}: values do not spread over the interval");
            Assert.True(Math.Abs(v.Average()) < 0.2 * bound, $"{kind}.{name}: mean {v.Average()} is not near 0");
        }
    }

    [Fact]
    public void EmbeddingIsStandardNormal()
    {
        var v = new Embedding<double>(100, 100, new Rng(5)).Weight.Data.ToArray();
        double mean = v.Average(), std = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(std, 0.97, 1.03);
    }

    [Fact]
    public void TheSameSeedGivesTheSameParameters()
    {
        var a = new Lstm<double>(3, 4, new Rng(11)).StateDict();
        var b = new Lstm<double>(3, 4, new Rng(11)).StateDict();
        var c = new Lstm<double>(3, 4, new Rng(12)).StateDict();
        foreach (var name in a.Keys)
        {
            Assert.Equal(a[name].ToArray(), b[name].ToArray());
            Assert.NotEqual(a[name].ToArray(), c[name].ToArray());
        }
    }

    [Fact]
    public void ALstmCellLoadsALstmsStateAndComputesItsFirstStep()
    {
        var rng = new Rng(2);
        var lstm = new Lstm<double>(3, 4, rng);
        var cell = new LstmCell<double>(3, 4, rng);
        cell.LoadStateDict(lstm.StateDict().ToDictionary(p => p.Key.Replace("_l0", ""), p => p.Value)); // "Wx_l0" -> "Wx"
        var x = rng.Normal<double>([2, 5, 3]);
        using var _ = GradMode.NoGrad();
        var (output, _, _) = lstm.Forward(x.AsVariable());
        var (h1, _) = cell.Forward(x.Select(1, 0).AsVariable());
        Expect.Close("h_1", output.Data.Select(1, 0), h1.Data, Expect.Forward);
    }
}
