using MiniTorch.Autograd;
using MiniTorch.Nn;

namespace MiniTorch.Nn.Tests;

public class ModuleTests
{
    private sealed class Inner : Module<double>
    {
        public Inner() { RegisterParameter("weight", Tensor.Ones<double>(2, 2)); }
    }

    private sealed class Outer : Module<double>
    {
        public Outer()
        {
            RegisterParameter("bias", Tensor.Zeros<double>(2));
            RegisterModule("first", new Inner());
            RegisterModule("second", new Inner());
        }
    }

    [Fact]
    public void NamedParametersAreDottedAndInRegistrationOrder()
    {
        Assert.Equal(["bias", "first.weight", "second.weight"], new Outer().NamedParameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void LoadStateDictWithAWrongShapeChangesNothing()
    {
        var m = new Outer();
        var state = new Dictionary<string, Tensor<double>>
        {
            ["bias"] = Tensor.Full(5.0, 2),
            ["first.weight"] = Tensor.Full(7.0, 2, 2),
            ["second.weight"] = Tensor.Full(7.0, 3, 2),
        };
        var ex = Assert.Throws<ArgumentException>(() => m.LoadStateDict(state));
        Assert.Contains("second.weight", ex.Message);
        Assert.Equal([0.0, 0.0], m.StateDict()["bias"].ToArray());
    }
}

public class ModuleMessageTests
{
    [Fact]
    public void MessagesNameGenericModulesWithoutTheirArity()
    {
        var linear = new Linear<double>(2, 3, new Rng(1));
        var ex = Assert.Throws<ArgumentException>(() => linear.LoadStateDict(new Dictionary<string, Tensor<double>> { ["weight"] = Tensor.Zeros<double>(3, 2) }, strict: false));
        Assert.Contains("LoadStateDict (Linear)", ex.Message);
        Assert.DoesNotContain("`", ex.Message);
    }
}
