// The code of docs/articles/custom-module-and-op.md: the article includes the regions of this file, so every
// snippet it shows is compiled and run against the packages by .ci/consumer-test.
using System.Numerics;
using FsCheck;
using FsCheck.Xunit;
using MiniTorch;
using MiniTorch.Autograd;
using MiniTorch.Nn;
using MiniTorch.Testing;
using Xunit;
using Tensor = MiniTorch.Tensor;

namespace Consumer.Tests;

#region op
/// <summary>softplus(x) = log(1 + eˣ), computed as max(x, 0) + log(1 + e^-|x|) so it never overflows; its derivative is σ(x).</summary>
public sealed class Softplus<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _x = null!;

    protected override Tensor<T> Forward(Tensor<T>[] inputs)
    {
        _x = inputs[0];                      // kept for backward (inputs are not modified by ops)
        var y = new Tensor<T>(_x.ShapeArray);
        ReadOnlySpan<T> x = _x.AsSpan();
        Span<T> ys = y.AsSpan();
        for (int i = 0; i < x.Length; i++)
            ys[i] = T.Max(x[i], T.Zero) + T.LogP1(T.Exp(-T.Abs(x[i])));
        return y;
    }

    protected override void Backward(Tensor<T> gradOutput, Gradients<T> grads)
    {
        if (!grads.Needs(0)) return;         // the input does not require grad: nothing to compute
        grads.Accumulate(0, gradOutput * _x.Sigmoid());
    }
}
#endregion

#region module
/// <summary>A two-layer perceptron with a learned output gain: y = g ⊙ (softplus(x·W1 + b1)·W2).</summary>
public sealed class Mlp<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Mlp(int inputs, int hidden, int outputs, Rng rng)
    {
        // Submodules and parameters are registered by name, in order: they give the dotted names of
        // NamedParameters() ("gain", then "hidden.weight", ...) that optimizers and checkpoints use.
        Hidden = RegisterModule("hidden", new Linear<T>(inputs, hidden, rng));
        Output = RegisterModule("output", new Linear<T>(hidden, outputs, rng, bias: false));
        // Initialisation is explicit: Linear draws U(-1/√fan_in, 1/√fan_in) from rng; Init's functions (PyTorch's
        // nn.init) re-initialise a parameter in place, here the output weight as Xavier-uniform; the gain starts at ones.
        Init.XavierUniform(Output.Weight.Data, rng);
        Gain = RegisterParameter("gain", Tensor.Ones<T>(outputs));
    }

    public Linear<T> Hidden { get; }
    public Linear<T> Output { get; }
    public Variable<T> Gain { get; }

    public Variable<T> Forward(Variable<T> x) => Output.Forward(new Softplus<T>().Apply(Hidden.Forward(x))) * Gain;
}
#endregion

public class ModuleTests
{
    #region gradcheck
    [Fact]
    public void MlpGradientsMatchCentralDifferences()
    {
        var rng = new Rng(11);
        var model = new Mlp<double>(inputs: 3, hidden: 5, outputs: 2, rng);
        var x = rng.Normal<double>([4, 3]).AsVariable();
        // Every parameter is perturbed in place (and restored); the report has one line per parameter.
        GradCheckReport report = GradCheck.Run(() => model.Forward(x), model.Parameters().ToList());
        // A module's own parameters come first, then each submodule's, in registration order.
        Assert.Equal(["gain", "hidden.weight", "hidden.bias", "output.weight"], model.NamedParameters().Select(p => p.Name));
        Assert.True(report.MaxScaledError < 1e-7, report.ToString());
    }
    #endregion

    #region property
    // For every generated float64 tensor (rank 1-4, sizes 1-5, finite values), the tape gradient of softplus equals
    // central differences; a failure prints the shrunk tensor and the seed to replay it.
    [Property(Arbitrary = [typeof(MiniTorchArbitraries)], MaxTest = 50)]
    public Property SoftplusGradient(Tensor<double> x) =>
        GradientProperty.Check(v => new Softplus<double>().Apply(v[0]), x);
    #endregion
}
