using MiniTorch.Autograd;

namespace MiniTorch.Nn.Tests.Modules;

/// <summary>
/// The public initialisers: distributions checked by their sample mean and standard deviation at fixed seeds, within
/// bounds of five standard errors derived from the sample size (so a wrong scale by a few percent fails); QR and
/// orthogonal initialisation exact to 1e-12 in float64; fans in this library's (in, out) layout; bad input.
/// </summary>
public class PublicInitTests
{
    private const int Rows = 300, Cols = 200;            // 60 000 samples
    private const double Z = 5;                          // standard errors allowed

    private static (double Mean, double Var) Moments(Tensor<double> t)
    {
        var v = t.ToArray();
        double mean = v.Average();
        return (mean, v.Select(x => (x - mean) * (x - mean)).Average());
    }

    /// <summary>Mean within Z·σ/√n of 0 and sample variance within Z·sd(s²) of σ², with sd(s²) = √((μ4 − σ⁴)/n).</summary>
    private static void HasMoments(Tensor<double> t, double mean, double variance, double fourthMoment, string what)
    {
        int n = t.Length;
        var (m, v) = Moments(t);
        double meanTol = Z * Math.Sqrt(variance / n), varTol = Z * Math.Sqrt((fourthMoment - variance * variance) / n);
        Assert.True(Math.Abs(m - mean) <= meanTol, $"{what}: mean {m:G5}, expected {mean} ± {meanTol:G3}");
        Assert.True(Math.Abs(v - variance) <= varTol, $"{what}: variance {v:G5}, expected {variance:G5} ± {varTol:G3}");
    }

    private static void IsUniform(Tensor<double> t, double bound, string what)
    {
        Assert.True(t.ToArray().All(x => x >= -bound && x < bound), $"{what}: a value outside [-{bound}, {bound})");
        double var = bound * bound / 3;
        HasMoments(t, 0, var, Math.Pow(bound, 4) / 5, what);
    }

    private static void IsNormal(Tensor<double> t, double mean, double std, string what) =>
        HasMoments(t, mean, std * std, 3 * Math.Pow(std, 4), what);

    private static Tensor<double> W() => new(Rows, Cols);

    [Fact]
    public void UniformAndNormal()
    {
        var u = Init.Uniform(new Tensor<double>(60000), -2, 4, new Rng(1));
        Assert.True(u.ToArray().All(x => x >= -2 && x < 4));
        HasMoments(u - 1.0, 0, 3, 81.0 / 5, "uniform(-2, 4) - 1");
        IsNormal(Init.Normal(new Tensor<double>(60000), 0.5, 2, new Rng(2)), 0.5, 2, "normal(0.5, 2)");
    }

    [Fact]
    public void XavierUsesFanInPlusFanOut()
    {
        // fan_in = 300 (axis 0), fan_out = 200: std = gain·√(2/500).
        IsUniform(Init.XavierUniform(W(), new Rng(3), gain: 2), 2 * Math.Sqrt(6.0 / 500), "xavier uniform");
        IsNormal(Init.XavierNormal(W(), new Rng(4), gain: 0.5), 0, 0.5 * Math.Sqrt(2.0 / 500), "xavier normal");
    }

    [Fact]
    public void KaimingUsesTheChosenFanAndGain()
    {
        // PyTorch's defaults: a = 0, fan_in, leaky_relu → gain √2, bound √3·√2/√fan_in = √(6/300).
        IsUniform(Init.KaimingUniform(W(), new Rng(5)), Math.Sqrt(6.0 / Rows), "kaiming uniform");
        IsUniform(Init.KaimingUniform(W(), new Rng(6), a: Math.Sqrt(5)), Math.Sqrt(3) * Math.Sqrt(2 / 6.0) / Math.Sqrt(Rows), "kaiming uniform a = √5 (nn.Linear's)");
        IsNormal(Init.KaimingNormal(W(), new Rng(7), mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu), 0, Math.Sqrt(2.0 / Cols), "kaiming normal fan_out relu");
        IsNormal(Init.KaimingNormal(W(), new Rng(8), nonlinearity: Nonlinearity.Tanh), 0, 5.0 / 3 / Math.Sqrt(Rows), "kaiming normal tanh");
    }

    [Fact]
    public void FansFollowTheInOutLayout()
    {
        Assert.Equal((3, 5), Init.CalculateFanInAndFanOut([3, 5]));
        Assert.Equal((3 * 4 * 2, 5 * 4 * 2), Init.CalculateFanInAndFanOut([3, 5, 4, 2]));
        Assert.Equal(1.0, Init.CalculateGain(Nonlinearity.Sigmoid));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.01 * 0.01)), Init.CalculateGain(Nonlinearity.LeakyRelu));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.04)), Init.CalculateGain(Nonlinearity.LeakyRelu, 0.2));
        Assert.Equal(0.75, Init.CalculateGain(Nonlinearity.Selu));
    }

    private static void Identity(Tensor<double> product, string what)
    {
        int n = product.Shape[0];
        double worst = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) worst = Math.Max(worst, Math.Abs(product[i, j] - (i == j ? 1 : 0)));
        Assert.True(worst <= 1e-12, $"{what}: max |entry - I| = {worst:G3}");
    }

    [Theory]
    [InlineData(40, 40)]
    [InlineData(50, 20)]
    [InlineData(20, 50)]
    public void OrthogonalIsOrthogonalToTwelveDigits(int rows, int cols)
    {
        var q = Init.Orthogonal(new Tensor<double>(rows, cols), new Rng(9), gain: 1);
        if (rows >= cols) Identity(q.Transpose().MatMul(q), "QᵀQ");
        else Identity(q.MatMul(q.Transpose()), "QQᵀ");
        var scaled = Init.Orthogonal(new Tensor<double>(rows, cols), new Rng(9), gain: 3);
        Assert.True((q * 3.0 - scaled).Abs().MaxAll() <= 1e-15, "gain 3 does not scale the same matrix by 3");
    }

    [Fact]
    public void QrReconstructsTheMatrixWithAPositiveDiagonal()
    {
        foreach (var (m, n) in new[] { (6, 4), (4, 6), (5, 5) })
        {
            var a = new Rng(10).Normal<double>([m, n]);
            var (q, r) = a.Qr();
            Assert.Equal([m, Math.Min(m, n)], q.ShapeArray);
            Assert.Equal([Math.Min(m, n), n], r.ShapeArray);
            Identity(q.Transpose().MatMul(q), $"QᵀQ for ({m}, {n})");
            Assert.True((q.MatMul(r) - a).Abs().MaxAll() <= 1e-13, $"QR != A for ({m}, {n})");
            for (int i = 0; i < r.Shape[0]; i++)
            {
                Assert.True(r[i, i] > 0, $"R[{i},{i}] = {r[i, i]}");
                for (int j = 0; j < i; j++) Assert.Equal(0.0, r[i, j]);
            }
        }
    }

    [Fact]
    public void ConstantsAndTheForgetGateBias()
    {
        Assert.Equal(new double[6], Init.Zeros(Tensor.Ones<double>(2, 3)).ToArray());
        Assert.Equal(Enumerable.Repeat(1.0, 6), Init.Ones(new Tensor<double>(2, 3)).ToArray());
        Assert.Equal(Enumerable.Repeat(-0.5f, 4), Init.Constant(new Tensor<float>(4), -0.5).ToArray());
        var b = Tensor.Arange<double>(8);                              // H = 2, gates i, f, o, g
        Init.LstmForgetGateBias(b);
        Assert.Equal([0.0, 1, 1, 1, 4, 5, 6, 7], b.ToArray());
        Assert.Equal([0.0, 0, 2.5, 2.5, 0, 0, 0, 0], Init.LstmForgetGateBias(new Tensor<double>(8), 2.5).ToArray());
    }

    [Fact]
    public void AUsersModuleBuildsItsParametersWithInit()
    {
        var m = new TwoLayer(new Rng(11));
        Assert.Equal(["w1", "b1", "w2"], m.NamedParameters().Select(p => p.Name));
        Assert.Equal(new double[4], m.NamedParameters().Single(p => p.Name == "b1").Parameter.Data.ToArray());
        var w2 = m.NamedParameters().Single(p => p.Name == "w2").Parameter.Data;
        Identity(w2.Transpose().MatMul(w2), "orthogonal w2");
    }

    private sealed class TwoLayer : Module<double>
    {
        public TwoLayer(Rng rng)
        {
            RegisterParameter("w1", Init.KaimingUniform(new Tensor<double>(3, 4), rng, nonlinearity: Nonlinearity.Relu));
            RegisterParameter("b1", Init.Zeros(new Tensor<double>(4)));
            RegisterParameter("w2", Init.Orthogonal(new Tensor<double>(4, 4), rng));
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameValues()
    {
        Assert.Equal(Init.XavierNormal(W(), new Rng(12)).ToArray(), Init.XavierNormal(W(), new Rng(12)).ToArray());
        Assert.NotEqual(Init.XavierNormal(W(), new Rng(12)).ToArray(), Init.XavierNormal(W(), new Rng(13)).ToArray());
    }

    public static TheoryData<string> BadCases => new(Bad.Keys);

    private static readonly Dictionary<string, (Action Act, string[] Mentions)> Bad = new()
    {
        ["xavier rank 1"] = (() => Init.XavierUniform(new Tensor<double>(5), new Rng(0)), ["Init.XavierUniform", "rank >= 2", "(5,)"]),
        ["kaiming rank 0"] = (() => Init.KaimingNormal(Tensor.Scalar(1.0), new Rng(0)), ["Init.KaimingNormal", "rank >= 2", "()"]),
        ["orthogonal rank 1"] = (() => Init.Orthogonal(new Tensor<double>(3), new Rng(0)), ["Init.Orthogonal", "rank >= 2", "(3,)"]),
        ["xavier gain"] = (() => Init.XavierNormal(new Tensor<double>(2, 2), new Rng(0), gain: -1), ["Init.XavierNormal", "gain", "-1"]),
        ["orthogonal gain"] = (() => Init.Orthogonal(new Tensor<double>(2, 2), new Rng(0), gain: double.NaN), ["Init.Orthogonal", "gain", "NaN"]),
        ["kaiming a"] = (() => Init.KaimingUniform(new Tensor<double>(2, 2), new Rng(0), a: double.PositiveInfinity), ["Init.KaimingUniform", "negative slope a must be finite"]),
        ["kaiming mode"] = (() => Init.KaimingUniform(new Tensor<double>(2, 2), new Rng(0), mode: (FanMode)7), ["Init.KaimingUniform", "mode 7"]),
        ["gain nonlinearity"] = (() => Init.CalculateGain((Nonlinearity)9), ["Init.CalculateGain", "9"]),
        ["normal std"] = (() => Init.Normal(new Tensor<double>(2), 0, -0.1, new Rng(0)), ["Init.Normal", "std", "-0.1"]),
        ["uniform bounds"] = (() => Init.Uniform(new Tensor<double>(2), 1, 0, new Rng(0)), ["Init.Uniform", "low 1", "high 0"]),
        ["fans rank 1"] = (() => Init.CalculateFanInAndFanOut([4]), ["Init.CalculateFanInAndFanOut", "(4,)"]),
        ["forget bias shape"] = (() => Init.LstmForgetGateBias(new Tensor<double>(6)), ["Init.LstmForgetGateBias", "(4H,)", "(6,)"]),
        ["forget bias rank"] = (() => Init.LstmForgetGateBias(new Tensor<double>(2, 4)), ["Init.LstmForgetGateBias", "(2, 4)"]),
        ["qr rank"] = (() => new Tensor<double>(2, 2, 2).Qr(), ["Qr", "(2, 2, 2)"]),
    };

    [Theory, MemberData(nameof(BadCases))]
    public void BadInputIsRejectedNamingTheFunctionAndLeavesTheTensorAlone(string name)
    {
        var (act, mentions) = Bad[name];
        var ex = Assert.ThrowsAny<ArgumentException>(act);
        foreach (var m in mentions) Assert.Contains(m, ex.Message);
        var t = Tensor.Ones<double>(2, 2);
        Assert.ThrowsAny<ArgumentException>(() => Init.XavierNormal(t, new Rng(0), gain: -1));
        Assert.Equal(Enumerable.Repeat(1.0, 4), t.ToArray());
    }
}
