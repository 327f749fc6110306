using System.Numerics;
using MiniTorch.Autograd;
using MiniTorch.Nn.Checkpoint;
using MiniTorch.Nn.Tests.Checkpoint;

namespace MiniTorch.Nn.Tests.Interop;

/// <summary>
/// Every PyTorch fixture, one theory row each: the MiniTorch module is built from the sizes in the file's
/// "__metadata__", loads PyTorch's state_dict with <see cref="TorchStateDict.LoadTorch{T}"/>, runs the case's inputs,
/// and must reproduce PyTorch's outputs and every gradient of L = Σ out·dout + Σ hn·dhn (+ Σ cn·dcn): the inputs'
/// (grad.x, grad.h0, grad.c0) and each parameter's, PyTorch's grad.KEY brought into our layout by the same key map that
/// loads the weights. Tolerance per tensor: max|a − b| ≤ tol · max|expected|, tol = 1e-12 (float64), 1e-5 (float32).
/// </summary>
public class InteropFixtureTests
{
    public static TheoryData<string> Fixtures() => InteropData.Rows();

    [Fact]
    public void TheInteropFolderHoldsFixtures()
    {
        Assert.True(InteropData.Fixtures.Count > 0,
            $"no interop fixture (*.weights.safetensors) found in {InteropData.Folder} (set {InteropData.EnvironmentVariable} or rebuild to copy Interop/data)");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void PyTorchWeightsGiveTheSameOutputsAndGradients(string name)
    {
        var f = InteropData.Find(name);
        if (f.IsFloat32) Check<float>(f, 1e-5);
        else Check<double>(f, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void SavingWritesPyTorchsKeysAndShapesAndReloadsIdentically(string name)
    {
        var f = InteropData.Find(name);
        if (f.IsFloat32) RoundTrip<float>(f);
        else RoundTrip<double>(f);
    }

    private static void Check<T>(InteropFixture f, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var module = FixtureModules.Build<T>(f, seed: 1);
        module.LoadTorch(f.WeightsPath);
        var c = f.Case<T>();
        var got = FixtureModules.Run(module, f, c);
        foreach (var key in TorchStateDict.Map(module))
        {
            Assert.True(c.TryGetValue("grad." + key.TorchName, out var torchGrad), $"{f.Name}: the case file has no grad.{key.TorchName}");
            Assert.NotNull(key.Parameter.Grad);
            got["grad." + key.TorchName] = key.Parameter.Grad!;
            c["grad." + key.TorchName] = key.ToOwn(torchGrad!);         // PyTorch's gradient in our layout
        }
        var expectedKeys = c.Keys.Where(k => k is "out" or "hn" or "cn" || k.StartsWith("grad.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("out", expectedKeys);
        Assert.Equal(expectedKeys, got.Keys.Order(StringComparer.Ordinal));
        foreach (var key in expectedKeys) AssertClose(f.Name + " " + key, c[key], got[key], tolerance);
    }

    private static void RoundTrip<T>(InteropFixture f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var dir = new TempDir();
        var path = dir.File("saved.safetensors");
        var module = FixtureModules.Build<T>(f, seed: 1);
        module.LoadTorch(f.WeightsPath);
        module.SaveTorch(path);
        using (var saved = SafetensorsFile.Open(path))
        using (var original = SafetensorsFile.Open(f.WeightsPath))
        {
            Assert.Equal(Layout(original), Layout(saved));
            Assert.Equal(TorchStateDict.Kind, saved.Metadata[CheckpointExtensions.KindKey]);
        }
        var other = FixtureModules.Build<T>(f, seed: 2);
        other.LoadTorch(path);
        CheckpointTestKit.BitEqual(module.StateDict(), other.StateDict());
        // The PyTorch tensors we write are PyTorch's own, except for the second bias of RNN/LSTM layers: bias_ih holds
        // the sum bias_ih + bias_hh and bias_hh is zero, which computes the same function.
        var torch = Safetensors.Load<T>(f.WeightsPath);
        foreach (var (key, t) in Safetensors.Load<T>(path))
        {
            bool summed = key.StartsWith("bias_", StringComparison.Ordinal) && f.Module is "torch.nn.LSTM" or "torch.nn.RNN";
            if (!summed) AssertClose($"{f.Name} {key}", torch[key], t, 0);
            else if (key.StartsWith("bias_hh", StringComparison.Ordinal)) Assert.All(t.ToArray(), v => Assert.Equal(T.Zero, v));
            else AssertClose($"{f.Name} {key}", torch[key] + torch["bias_hh" + key["bias_ih".Length..]], t, 1e-6);
        }
    }

    private static List<string> Layout(SafetensorsFile file) =>
        file.Entries.Select(e => $"{e.Name} {e.DType} ({string.Join(", ", e.Shape)})").Order(StringComparer.Ordinal).ToList();

    internal static void AssertClose<T>(string what, Tensor<T> expected, Tensor<T> actual, double tolerance) where T : unmanaged, INumber<T>
    {
        Assert.True(expected.SameShape(actual), $"{what}: shape {actual.ShapeString}, expected {expected.ShapeString}");
        double diff = 0, scale = 0;
        var e = expected.AsSpan();
        var a = actual.AsSpan();
        for (int i = 0; i < e.Length; i++)
        {
            double d = Math.Abs(double.CreateChecked(e[i]) - double.CreateChecked(a[i]));
            if (!(d <= diff)) diff = d;
            scale = Math.Max(scale, Math.Abs(double.CreateChecked(e[i])));
        }
        Assert.True(diff <= tolerance * scale, $"{what}: max |a-b| = {diff:G3} exceeds {tolerance:G0} * max|expected| = {tolerance * scale:G3}");
    }
}

/// <summary>Builds the MiniTorch counterpart of a fixture's torch.nn module from its metadata and runs a case through it.</summary>
internal static class FixtureModules
{
    public static Module<T> Build<T>(InteropFixture f, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(seed);
        switch (f.Module)
        {
            case "torch.nn.Linear": return new Linear<T>(f.Int("in_features"), f.Int("out_features"), rng);
            case "torch.nn.Embedding": return new Embedding<T>(f.Int("num_embeddings"), f.Int("embedding_dim"), rng);
        }
        int d = f.Int("input_size"), h = f.Int("hidden_size"), layers = f.Int("num_layers");
        bool bidirectional = f.Flag("bidirectional");
        if (!f.Flag("batch_first")) throw new InvalidDataException($"{f.Name}: batch_first must be true");
        if (layers != 1 || bidirectional || f.Meta("lengths").Length > 0)
            throw new NotSupportedException($"{f.Name}: {layers} layers, bidirectional {bidirectional}, lengths '{f.Meta("lengths")}' need the stacked recurrent layers");
        return f.Module switch
        {
            "torch.nn.RNN" => new Rnn<T>(d, h, rng),
            "torch.nn.LSTM" => new Lstm<T>(d, h, rng),
            var m => throw new InvalidDataException($"{f.Name}: unknown module '{m}'"),
        };
    }

    /// <summary>Runs the case and backpropagates L; returns out, hn, cn and the inputs' gradients (grad.x, grad.h0, grad.c0).</summary>
    public static Dictionary<string, Tensor<T>> Run<T>(Module<T> module, InteropFixture f, Dictionary<string, Tensor<T>> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var got = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        var inputs = new Dictionary<string, Variable<T>>(StringComparer.Ordinal);
        Variable<T> In(string name) => inputs[name] = c[name].RequiresGrad(name);
        Variable<T> loss;
        switch (module)
        {
            case Embedding<T> embedding:
            {
                var x = f.Indices("x") ?? throw new InvalidDataException($"{f.Name}: no x");
                var output = embedding.Forward(x);
                got["out"] = output.Data;
                loss = Dot(output, c["dout"]);
                break;
            }
            case Linear<T> linear:
            {
                var output = linear.Forward(In("x"));
                got["out"] = output.Data;
                loss = Dot(output, c["dout"]);
                break;
            }
            case Rnn<T> rnn:
            {
                int n = c["x"].Dim(0), h = rnn.HiddenSize;
                var (output, hn) = rnn.Forward(In("x"), In("h0").Reshape(n, h));
                hn = hn.Reshape(1, n, h);
                (got["out"], got["hn"]) = (output.Data, hn.Data);
                loss = Dot(output, c["dout"]) + Dot(hn, c["dhn"]);
                break;
            }
            case Lstm<T> lstm:
            {
                int n = c["x"].Dim(0), h = lstm.HiddenSize;
                var (output, hn, cn) = lstm.Forward(In("x"), In("h0").Reshape(n, h), In("c0").Reshape(n, h));
                (hn, cn) = (hn.Reshape(1, n, h), cn.Reshape(1, n, h));
                (got["out"], got["hn"], got["cn"]) = (output.Data, hn.Data, cn.Data);
                loss = Dot(output, c["dout"]) + Dot(hn, c["dhn"]) + Dot(cn, c["dcn"]);
                break;
            }
            default: throw new NotSupportedException(Init.Kind(module));
        }
        loss.Backward();
        foreach (var (name, v) in inputs) got["grad." + name] = v.Grad ?? throw new InvalidOperationException($"{f.Name}: no gradient reached {name}");
        return got;
    }

    private static Variable<T> Dot<T>(Variable<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> => (a * b.AsVariable()).Sum();
}
