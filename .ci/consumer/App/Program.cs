// A consumer of the MiniTorch packages: both namespaces that define a Tensor are imported, and aliases say which one
// is meant (without them, `Tensor` is error CS0104, an ambiguous reference). Trains y = tanh(xW + b) with a Linear
// module and Adam, and checks the LOH setting arrived through the package's buildTransitive targets.
#region usings
using System.Numerics.Tensors;
using MiniTorch;
using MiniTorch.Autograd;
using MiniTorch.Nn;
using MiniTorch.Nn.Optim;
using Tensor = MiniTorch.Tensor;
using TensorD = MiniTorch.Tensor<double>;
#endregion

#region train
var rng = new Rng(seed: 7);
TensorD x = rng.Normal<double>([64, 4]);
TensorD trueW = rng.Normal<double>([4, 2], std: 0.5);
TensorD target = (x.MatMul(trueW) + Tensor.Full<double>(0.1, 2)).Tanh();

var model = new Linear<double>(4, 2, rng);
var optimizer = new Adam<double>(model.Parameters(), lr: 0.05);
double first = double.NaN, last = double.NaN;
for (int step = 0; step < 200; step++)
{
    var loss = (model.Forward(x.AsVariable()).Tanh() - target.AsVariable()).Square().Mean();
    loss.Backward();
    optimizer.Step();
    optimizer.ZeroGrad();
    if (step == 0) first = loss.Item();
    last = loss.Item();
}
#endregion
// System.Numerics.Tensors is still usable by its full names and its other types.
double norm = TensorPrimitives.Norm<double>(model.Weight.Data.AsSpan());
Console.WriteLine($"consumer: loss {first:E3} -> {last:E3}, |W| = {norm:F3}");

// The GC's own view of its settings (what runtimeconfig.json gave it).
object? loh = GC.GetConfigurationVariables().GetValueOrDefault("LOHThreshold");
Console.WriteLine($"consumer: GC LOHThreshold = {loh ?? "(not set)"}");
int failures = 0;
if (!(last < first / 10)) { Console.Error.WriteLine("consumer: the loss did not fall tenfold"); failures++; }
// The package asks for 32 MB; the GC caps the threshold to what its regions allow (about 4 MB on x64), and without
// the setting it is the default 85,000 bytes.
if (!(Convert.ToInt64(loh ?? 0L) > 1L << 20)) { Console.Error.WriteLine("consumer: the package's LOH setting did not reach the GC"); failures++; }
return failures == 0 ? 0 : 1;
