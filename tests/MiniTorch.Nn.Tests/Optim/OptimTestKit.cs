using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;

namespace MiniTorch.Nn.Tests.Optim;

/// <summary>Small helpers shared by the optimizer tests.</summary>
internal static class OptimTestKit
{
    /// <summary>A leaf parameter holding <paramref name="values"/>.</summary>
    public static Variable<double> Param(params double[] values) => Tensor.FromArray(values).RequiresGrad();

    /// <summary>A float parameter holding <paramref name="values"/>.</summary>
    public static Variable<float> ParamF(params float[] values) => Tensor.FromArray(values).RequiresGrad();

    /// <summary>Sets the gradient of <paramref name="p"/> to a copy of <paramref name="g"/>.</summary>
    public static void SetGrad(Variable<double> p, params double[] g) => p.Grad = Tensor.FromArray(g, p.Data.ShapeArray);

    /// <summary>Sets the gradient of <paramref name="p"/> to a copy of <paramref name="g"/>.</summary>
    public static void SetGrad(Variable<float> p, params float[] g) => p.Grad = Tensor.FromArray(g, p.Data.ShapeArray);

    /// <summary>Asserts |actual − expected| ≤ rel·max(1, |expected|) element by element, naming the index.</summary>
    public static void Close(double[] expected, double[] actual, double rel = 1e-13)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = rel * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tol,
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R} (|diff| {Math.Abs(actual[i] - expected[i]):E3} > {tol:E3})");
        }
    }

    /// <summary>Float version of <see cref="Close(double[], double[], double)"/>, against a double reference.</summary>
    public static void Close(double[] expected, float[] actual, double rel = 2e-6) =>
        Close(expected, actual.Select(x => (double)x).ToArray(), rel);

    /// <summary>Bitwise equality of two double arrays (NaN payloads and signed zeros included).</summary>
    public static void BitEqual(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    /// <summary>Gradients for step k of parameter j, a fixed irregular sequence (different signs and sizes).</summary>
    public static double[] GradSequence(int step, int param, int length)
    {
        var g = new double[length];
        for (int i = 0; i < length; i++)
            g[i] = Math.Sin(1.7 * step + 2.3 * param + 0.9 * i + 0.3) * (1 + 0.5 * i) + 0.05 * (step - 2);
        return g;
    }

    /// <summary>Every optimizer kind with non-default settings, as factories over a parameter list.</summary>
    public static IEnumerable<object[]> Factories() =>
    [
        ["Sgd", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new Sgd<double>(ps, lr: 0.1))],
        ["SgdMomentum", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new Sgd<double>(ps, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01))],
        ["SgdNesterov", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new Sgd<double>(ps, lr: 0.1, momentum: 0.8, weightDecay: 0.02, nesterov: true))],
        ["Adam", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new Adam<double>(ps, lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.01))],
        ["AdamW", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new AdamW<double>(ps, lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.05))],
        ["AdamWAmsGrad", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new AdamW<double>(ps, lr: 0.05, weightDecay: 0.1, amsgrad: true))],
        ["Adagrad", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new Adagrad<double>(ps, lr: 0.1, weightDecay: 0.01))],
        ["RmsProp", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new RmsProp<double>(ps, lr: 0.01, alpha: 0.9))],
        ["RmsPropFull", (Func<IEnumerable<Variable<double>>, Optimizer<double>>)(ps => new RmsProp<double>(ps, lr: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0.01, momentum: 0.5, centered: true))],
    ];
}
