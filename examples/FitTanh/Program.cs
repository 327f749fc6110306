// Fits y = tanh(x·W + b) to data made by a hidden "true" W and b, by plain gradient descent.
// Everything a training loop needs is in Fit below: leaves that require grad, a loss built from ops,
// Backward(), reading .Grad, an optimizer step, and ZeroGrad(). The rest is the command line and a plot.
using System.Globalization;
using MiniTorch;
using MiniTorch.Autograd;
using MiniTorch.Examples;
using MiniTorch.Nn.Optim;

var cli = new ExampleCommand("FitTanh", "Fits y = tanh(x·W + b) to data from a hidden W and b by gradient descent (the smallest training loop).", defaultSeed: 42);
var stepsOption = cli.Int("steps", 200, "gradient-descent steps", 0, 1_000_000);
var lrOption = cli.Double("lr", 0.5, "SGD learning rate", 0, 100);
return cli.Run(args, run =>
{
    var losses = Fit(run.Seed, run.Get(stepsOption), run.Get(lrOption), run.Output);
    string png = Path.Combine(run.OutputDirectory, "fit-tanh-loss.png");
    Plots.Lines(png, "FitTanh: mean squared error", "step", "loss",
        [new Series("training loss", Enumerable.Range(0, losses.Count).Select(i => (double)i).ToArray(), losses.ToArray())], logY: true);
    run.Output.WriteLine($"wrote {png}");
    return 0;
});

static List<double> Fit(ulong seed, int steps, double lr, TextWriter output)
{
    var rng = new Rng(seed);
    const int n = 256, inputs = 8, outputs = 3;

    var x = rng.Normal<double>([n, inputs]);
    var trueW = rng.Normal<double>([inputs, outputs], std: 0.5);
    var trueB = rng.Normal<double>([outputs], std: 0.1);
    var target = (x.MatMul(trueW) + trueB).Tanh();

    var w = rng.Normal<double>([inputs, outputs], std: 0.1).RequiresGrad("W");
    var b = Tensor.Zeros<double>(outputs).RequiresGrad("b");
    var xv = x.AsVariable();
    var yv = target.AsVariable();

    var optimizer = new Sgd<double>([w, b], lr);
    var losses = new List<double>();
    for (int step = 0; step <= steps; step++)
    {
        var prediction = (xv.MatMul(w) + b).Tanh();
        var loss = (prediction - yv).Square().Mean();
        loss.Backward();
        losses.Add(loss.Item());
        if (step % Math.Max(1, steps / 10) == 0 || step == steps)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step,3}  loss {loss.Item():E3}"));
        optimizer.Step();      // w -= lr * w.Grad, b -= lr * b.Grad
        optimizer.ZeroGrad();
    }

    double error = (w.Data - trueW).Abs().MaxAll();
    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |W - W_true| = {error:E2}"));
    return losses;
}
