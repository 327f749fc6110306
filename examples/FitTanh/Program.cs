// Fits y = tanh(x·W + b) to data made by a hidden "true" W and b, by plain gradient descent.
// Everything a training loop needs is here: leaves that require grad, a loss built from ops,
// Backward(), reading .Grad, an optimizer step, and ZeroGrad().
using MiniTorch;
using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;

var rng = new Rng(seed: 42);
const int n = 256, inputs = 8, outputs = 3;

var x = rng.Normal<double>([n, inputs]);
var trueW = rng.Normal<double>([inputs, outputs], std: 0.5);
var trueB = rng.Normal<double>([outputs], std: 0.1);
var target = (x.MatMul(trueW) + trueB).Tanh();

var w = rng.Normal<double>([inputs, outputs], std: 0.1).RequiresGrad("W");
var b = Tensor.Zeros<double>(outputs).RequiresGrad("b");
var xv = x.AsVariable();
var yv = target.AsVariable();

var optimizer = new Sgd<double>([w, b], lr: 0.5);
for (int step = 0; step <= 200; step++)
{
    var prediction = (xv.MatMul(w) + b).Tanh();
    var loss = (prediction - yv).Square().Mean();
    loss.Backward();
    if (step % 20 == 0) Console.WriteLine($"step {step,3}  loss {loss.Item():E3}");
    optimizer.Step();      // w -= lr * w.Grad, b -= lr * b.Grad
    optimizer.ZeroGrad();
}

double error = (w.Data - trueW).Abs().MaxAll();
Console.WriteLine($"max |W - W_true| = {error:E2}");
