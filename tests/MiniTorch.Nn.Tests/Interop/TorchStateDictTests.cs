using MiniTorch.Autograd;
using MiniTorch.Nn.Checkpoint;
using MiniTorch.Nn.Tests.Checkpoint;
using static MiniTorch.Nn.Tests.Checkpoint.CheckpointTestKit;

namespace MiniTorch.Nn.Tests.Interop;

/// <summary>
/// The PyTorch key map beyond the fixtures: composite modules, cells, the dtype option, and every kind of bad state
/// (missing, unexpected, wrong shape, wrong gate count, wrong dtype, another kind of file), each leaving the module
/// bit-for-bit unchanged.
/// </summary>
public class TorchStateDictTests
{
    private sealed class Captioner : Module<double>
    {
        public Captioner(ulong seed)
        {
            var rng = new Rng(seed);
            Scale = RegisterParameter("scale", rng.Normal<double>([2]));
            Embed = RegisterModule("embed", new Embedding<double>(7, 3, rng));
            Rnn = RegisterModule("rnn", new Lstm<double>(3, 4, rng));
            Head = RegisterModule("head", new TemporalAffine<double>(4, 7, rng));
        }

        public Variable<double> Scale { get; }
        public Embedding<double> Embed { get; }
        public Lstm<double> Rnn { get; }
        public TemporalAffine<double> Head { get; }
    }

    private static Dictionary<string, Tensor<T>> Snapshot<T>(Module<T> m) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        m.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());

    [Fact]
    public void ACompositeModuleUsesPyTorchsDottedKeys()
    {
        var model = new Captioner(1);
        var state = model.ToTorchStateDict();
        Assert.Equal(["scale (2)", "embed.weight (7, 3)", "rnn.weight_ih_l0 (16, 3)", "rnn.weight_hh_l0 (16, 4)", "rnn.bias_ih_l0 (16)",
            "rnn.bias_hh_l0 (16)", "head.weight (7, 4)", "head.bias (7)"],
            state.Select(kv => $"{kv.Key} ({string.Join(", ", kv.Value.ShapeArray)})"));
        var other = new Captioner(2);
        other.LoadTorchStateDict(state);
        BitEqual(model.StateDict(), other.StateDict());
    }

    [Fact]
    public void TheLstmGateBlocksAreReorderedAndTheBiasesSummed()
    {
        // PyTorch rows i, f, g, o of weight_ih are our columns i, f, o, g of Wx.
        const int d = 2, h = 3;
        var torch = new Dictionary<string, Tensor<double>>
        {
            ["weight_ih_l0"] = Tensor.Arange<double>(4 * h * d).Reshape(4 * h, d),
            ["weight_hh_l0"] = Tensor.Arange<double>(4 * h * h).Reshape(4 * h, h),
            ["bias_ih_l0"] = Tensor.Arange<double>(4 * h),
            ["bias_hh_l0"] = Tensor.Full(100.0, 4 * h),
        };
        var lstm = new Lstm<double>(d, h, new Rng(1));
        lstm.LoadTorchStateDict(torch);
        int[] torchBlock = [0, 1, 3, 2];
        for (int gate = 0; gate < 4; gate++)
            for (int u = 0; u < h; u++)
            {
                int ours = gate * h + u, theirs = torchBlock[gate] * h + u;
                for (int k = 0; k < d; k++) Assert.Equal(torch["weight_ih_l0"][theirs, k], lstm.Wx.Data[k, ours]);
                for (int k = 0; k < h; k++) Assert.Equal(torch["weight_hh_l0"][theirs, k], lstm.Wh.Data[k, ours]);
                Assert.Equal(theirs + 100.0, lstm.B.Data[ours]);
            }
        var back = lstm.ToTorchStateDict();
        BitEqual(new Dictionary<string, Tensor<double>>
        {
            ["weight_ih_l0"] = torch["weight_ih_l0"], ["weight_hh_l0"] = torch["weight_hh_l0"],
            ["bias_ih_l0"] = torch["bias_ih_l0"] + torch["bias_hh_l0"], ["bias_hh_l0"] = Tensor.Zeros<double>(4 * h),
        }, back);
    }

    [Fact]
    public void CellsUsePyTorchsCellNamesWithoutALayerSuffix()
    {
        Assert.Equal(["weight_ih (16, 3)", "weight_hh (16, 4)", "bias_ih (16)", "bias_hh (16)"],
            new LstmCell<float>(3, 4, new Rng(1)).ToTorchStateDict().Select(kv => $"{kv.Key} ({string.Join(", ", kv.Value.ShapeArray)})"));
        var rnn = new RnnCell<float>(3, 4, new Rng(1));
        Assert.Equal(["weight_ih (4, 3)", "weight_hh (4, 4)", "bias_ih (4)", "bias_hh (4)"],
            rnn.ToTorchStateDict().Select(kv => $"{kv.Key} ({string.Join(", ", kv.Value.ShapeArray)})"));
        var copy = new RnnCell<float>(3, 4, new Rng(2));
        copy.LoadTorchStateDict(rnn.ToTorchStateDict());
        BitEqual(rnn.StateDict(), copy.StateDict());
        Assert.Equal(rnn.Wx.Data.Transpose().ToArray(), rnn.ToTorchStateDict()["weight_ih"].ToArray());
    }

    [Fact]
    public void ALinearWeightIsTransposedAndALinearWithoutBiasHasNoBiasKey()
    {
        var linear = new Linear<double>(5, 3, new Rng(1), bias: false);
        var state = linear.ToTorchStateDict();
        Assert.Equal(["weight"], state.Keys);
        Assert.Equal([3, 5], state["weight"].ShapeArray);
        Assert.Equal(linear.Weight.Data[4, 1], state["weight"][1, 4]);
    }

    public static TheoryData<string> BadStateKinds() => new(BadStates().Select(c => (string)c[0]!));

    private static IEnumerable<object?[]> BadStates()
    {
        Dictionary<string, Tensor<double>> Good() => new Lstm<double>(3, 4, new Rng(9)).ToTorchStateDict();
        Dictionary<string, Tensor<double>> With(Action<Dictionary<string, Tensor<double>>> change)
        {
            var s = Good();
            change(s);
            return s;
        }
        yield return ["missing key", With(s => s.Remove("weight_hh_l0")), "missing weight_hh_l0 (16, 4)", "weight_hh_l0"];
        yield return ["unexpected key", With(s => s["weight_ih_l1"] = Tensor.Zeros<double>(16, 4)), "unexpected weight_ih_l1 (16, 4)", "weight_ih_l1"];
        yield return ["GRU weights (3 gate blocks) into an LSTM",
            With(s => { foreach (var k in s.Keys.ToList()) s[k] = s[k].Narrow(0, 0, 12); }),
            "weight_ih_l0: shape (12, 3) in the state, (16, 3) expected (Lstm: 4 gate blocks (i, f, g, o) of hidden_size 4; the state's 12 rows are 3 blocks", null];
        yield return ["wrong input size", With(s => s["weight_ih_l0"] = Tensor.Zeros<double>(16, 5)),
            "weight_ih_l0: shape (16, 5) in the state, (16, 3) expected (Lstm: 4 gate blocks (i, f, g, o) of hidden_size 4)", "weight_ih_l0"];
        yield return ["wrong rank", With(s => s["bias_ih_l0"] = Tensor.Zeros<double>(16, 1)),
            "bias_ih_l0: shape (16, 1) in the state, (16,) expected", "bias_ih_l0"];
        yield return ["two problems at once", With(s => { s.Remove("bias_hh_l0"); s["extra"] = Tensor.Scalar(1.0); }),
            "2 problems, nothing loaded: missing bias_hh_l0 (16,); unexpected extra () (the module has no such key).", null];
    }

    [Theory]
    [MemberData(nameof(BadStateKinds))]
    public void ABadStateThrowsNamingTheKeyAndChangesNothing(string kind)
    {
        var row = BadStates().Single(c => (string)c[0]! == kind);
        var (state, fragment, key) = ((Dictionary<string, Tensor<double>>)row[1]!, (string)row[2]!, (string?)row[3]);
        var lstm = new Lstm<double>(3, 4, new Rng(1));
        var before = Snapshot(lstm);
        var ex = Assert.Throws<ArgumentException>(() => lstm.LoadTorchStateDict(state));
        Assert.Contains(fragment, ex.Message);
        Assert.StartsWith("LoadTorchStateDict (Lstm): ", ex.Message);
        BitEqual(before, lstm.StateDict());

        // The same state in a file: a CheckpointException naming the file and, when one key is at fault, that key.
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        Safetensors.Save(path, state);
        var fileEx = Assert.Throws<CheckpointException>(() => lstm.LoadTorch(path));
        Assert.Contains(fragment, fileEx.Message);
        Assert.Equal(key, fileEx.TensorName);
        Assert.Equal(path, fileEx.FilePath);
        BitEqual(before, lstm.StateDict());
    }

    [Fact]
    public void TheGateHintIsGivenOnlyForARecurrentKeyOfTheRightRank()
    {
        // A Linear weight has no gate blocks: the wrong shape is stated with nothing appended.
        var linear = new Linear<double>(5, 3, new Rng(1), bias: false);
        var ex = Assert.Throws<ArgumentException>(() => linear.LoadTorchStateDict(new Dictionary<string, Tensor<double>> { ["weight"] = Tensor.Zeros<double>(3, 4) }));
        Assert.Equal("LoadTorchStateDict (Linear): 1 problem, nothing loaded: weight: shape (3, 4) in the state, (3, 5) expected. (Parameter 'state')", ex.Message);
        // Unexpected keys are listed in ordinal order.
        var extra = linear.ToTorchStateDict();
        extra["zz"] = Tensor.Scalar(1.0);
        extra["aa"] = Tensor.Zeros<double>(2);
        Assert.EndsWith("2 problems, nothing loaded: unexpected aa (2,) (the module has no such key); unexpected zz () (the module has no such key). (Parameter 'state')",
            Assert.Throws<ArgumentException>(() => linear.LoadTorchStateDict(extra)).Message);
        // A recurrent bias of another rank: no gate count is guessed from it either.
        var lstm = new Lstm<double>(3, 4, new Rng(1));
        var state = lstm.ToTorchStateDict();
        state["bias_ih_l0"] = Tensor.Zeros<double>(16, 1);
        Assert.EndsWith("nothing loaded: bias_ih_l0: shape (16, 1) in the state, (16,) expected. (Parameter 'state')",
            Assert.Throws<ArgumentException>(() => lstm.LoadTorchStateDict(state)).Message);
        // A plain RNN has one gate block (singular).
        var rnn = new Rnn<double>(3, 4, new Rng(1));
        var rnnState = rnn.ToTorchStateDict();
        rnnState["weight_ih_l0"] = Tensor.Zeros<double>(4, 5);
        Assert.Contains("weight_ih_l0: shape (4, 5) in the state, (4, 3) expected (Rnn: 1 gate block of hidden_size 4).",
            Assert.Throws<ArgumentException>(() => rnn.LoadTorchStateDict(rnnState)).Message);
    }

    [Fact]
    public void AMissingReverseTensorIsNamedWithItsShape()
    {
        var lstm = new Lstm<double>(3, 4, new Rng(1), numLayers: 2, bidirectional: true);
        var state = new Lstm<double>(3, 4, new Rng(2), numLayers: 2, bidirectional: true).ToTorchStateDict();
        Assert.Equal(16, state.Count);
        Assert.Equal([16, 8], state["weight_ih_l1_reverse"].ShapeArray);          // layer 1 reads the 2H-wide output
        state.Remove("weight_hh_l1_reverse");
        var before = Snapshot(lstm);
        var ex = Assert.Throws<ArgumentException>(() => lstm.LoadTorchStateDict(state));
        Assert.Contains("1 problem, nothing loaded: missing weight_hh_l1_reverse (16, 4).", ex.Message);
        BitEqual(before, lstm.StateDict());
        // A unidirectional file into a bidirectional module: every _reverse key is missing.
        var forward = new Lstm<double>(3, 4, new Rng(2), numLayers: 2).ToTorchStateDict();
        var ex2 = Assert.Throws<ArgumentException>(() => lstm.LoadTorchStateDict(forward));
        Assert.Contains("missing weight_ih_l0_reverse (16, 3)", ex2.Message);
        Assert.Contains("weight_ih_l1: shape (16, 4) in the state, (16, 8) expected", ex2.Message);
        BitEqual(before, lstm.StateDict());
    }

    [Fact]
    public void TheGruKeepsBothBiasesAndItsGateOrder()
    {
        var gru = new Gru<double>(3, 4, new Rng(1), numLayers: 1, bidirectional: true);
        var state = gru.ToTorchStateDict();
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"],
            state.Keys.OrderBy(k => k.EndsWith("_reverse", StringComparison.Ordinal)).ThenBy(k => k.StartsWith("bias", StringComparison.Ordinal)).ThenBy(k => k.Contains("_hh", StringComparison.Ordinal)));
        Assert.Equal(gru.Weight(0, reverse: true).Bh!.Data.ToArray(), state["bias_hh_l0_reverse"].ToArray());
        Assert.Equal(gru.Weight(0).B.Data.ToArray(), state["bias_ih_l0"].ToArray());
        Assert.Equal(gru.Weight(0).Wh.Data.Transpose().ToArray(), state["weight_hh_l0"].ToArray());
        var cell = new GruCell<float>(3, 4, new Rng(1)).ToTorchStateDict();
        Assert.Equal(["bias_hh", "bias_ih", "weight_hh", "weight_ih"], cell.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GruWeightsFromPyTorchIntoAnLstmNameTheGateCount()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Interop", "data");
        var lstm = new Lstm<float>(3, 4, new Rng(1));
        var before = Snapshot(lstm);
        var ex = Assert.Throws<CheckpointException>(() => lstm.LoadTorch(Path.Combine(folder, "gru_1layer.f32.weights.safetensors")));
        Assert.Contains("weight_ih_l0: shape (12, 3) in the state, (16, 3) expected (Lstm: 4 gate blocks (i, f, g, o) of hidden_size 4; the state's 12 rows are 3 blocks", ex.Message);
        Assert.Contains("bias_hh_l0: shape (12,) in the state, (16,) expected", ex.Message);
        BitEqual(before, lstm.StateDict());
        var gru = new Gru<float>(3, 4, new Rng(1));
        var ex2 = Assert.Throws<CheckpointException>(() => gru.LoadTorch(Path.Combine(folder, "lstm_1layer.f32.weights.safetensors")));
        Assert.Contains("weight_ih_l0: shape (16, 3) in the state, (12, 3) expected (Gru: 3 gate blocks (r, z, n) of hidden_size 4; the state's 16 rows are 4 blocks", ex2.Message);
    }

    [Fact]
    public void ANullTensorIsAnError()
    {
        var lstm = new Lstm<double>(3, 4, new Rng(1));
        var state = lstm.ToTorchStateDict();
        state["bias_ih_l0"] = null!;
        Assert.Contains("bias_ih_l0 is null, (16,) expected", Assert.Throws<ArgumentException>(() => lstm.LoadTorchStateDict(state)).Message);
        Assert.Throws<ArgumentNullException>(() => lstm.LoadTorchStateDict(null!));
        Assert.Throws<ArgumentNullException>(() => TorchStateDict.ToTorchStateDict<double>(null!));
        Assert.Throws<ArgumentNullException>(() => TorchStateDict.LoadTorch<double>(null!, "x"));
    }

    [Fact]
    public void AFloat32FileIntoAFloat64ModelConvertsOnlyWhenAsked()
    {
        using var dir = new TempDir();
        var path = dir.File("f32.safetensors");
        var source = new Lstm<float>(3, 4, new Rng(1));
        source.SaveTorch(path);
        var target = new Lstm<double>(3, 4, new Rng(2));
        var before = Snapshot(target);
        var ex = Assert.Throws<CheckpointException>(() => target.LoadTorch(path));
        Assert.Contains("dtype F32 in the file, but F64 (float64) was expected", ex.Message);
        Assert.Equal("bias_hh_l0", ex.TensorName);                     // the first in file (name) order
        BitEqual(before, target.StateDict());

        target.LoadTorch(path, convertDType: true);
        foreach (var (name, t) in source.StateDict())
            Assert.Equal(t.ToArray().Select(v => (double)v), target.StateDict()[name].ToArray());

        // And back: the float64 model saved as F32 loads into a float32 model bit-exactly.
        var f32 = dir.File("back.safetensors");
        target.SaveTorch(f32, dtype: "F32");
        using (var file = SafetensorsFile.Open(f32)) Assert.All(file.Entries, e => Assert.Equal("F32", e.DType));
        var again = new Lstm<float>(3, 4, new Rng(3));
        again.LoadTorch(f32);
        BitEqual(source.StateDict(), again.StateDict());
    }

    [Fact]
    public void AnIntegerFileIsNotConvertedIntoAFloatModel()
    {
        using var dir = new TempDir();
        var path = dir.File("ints.safetensors");
        var linear = new Linear<double>(2, 1, new Rng(1));
        Safetensors.Save(path, new Dictionary<string, Tensor<long>> { ["weight"] = Tensor.Zeros<long>(1, 2), ["bias"] = Tensor.Zeros<long>(1) });
        var before = Snapshot(linear);
        var ex = Assert.Throws<CheckpointException>(() => linear.LoadTorch(path, convertDType: true));
        Assert.Contains("dtype I64 in the file cannot be read as F64 (float64): I64 cannot be converted to F64: integer and floating-point dtypes do not convert into each other.", ex.Message);
        BitEqual(before, linear.StateDict());
    }

    [Fact]
    public void EachLoaderNamesTheOtherForTheOtherKindOfFile()
    {
        using var dir = new TempDir();
        var lstm = new Lstm<double>(3, 4, new Rng(1));
        lstm.Save(dir.File("native"));
        lstm.SaveTorch(dir.File("torch"), metadata: new Dictionary<string, string> { ["note"] = "x" });
        var before = Snapshot(lstm);
        Assert.Contains("the file holds module parameters; load it with module.Load.", Assert.Throws<CheckpointException>(() => lstm.LoadTorch(dir.File("native"))).Message);
        Assert.Contains("the file holds a PyTorch state_dict; load it with module.LoadTorch.", Assert.Throws<CheckpointException>(() => lstm.Load(dir.File("torch"))).Message);
        BitEqual(before, lstm.StateDict());
        using var file = SafetensorsFile.Open(dir.File("torch"));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("x", file.Metadata["note"]);
        Assert.Throws<ArgumentException>(() => lstm.SaveTorch(dir.File("reserved"), metadata: new Dictionary<string, string> { ["minitorch.kind"] = "module" }));
        Assert.Throws<ArgumentException>(() => lstm.SaveTorch(dir.File("bad-dtype"), dtype: "I32"));
        Assert.False(File.Exists(dir.File("reserved")));
        Assert.False(File.Exists(dir.File("bad-dtype")));
    }
}

/// <summary>The README's "Load PyTorch weights" example, kept compiling and true, on the lstm_1layer fixture.</summary>
public class ReadmeTorchExampleTests
{
    [Fact]
    public void LoadPyTorchWeightsExample()
    {
        // The copy next to the test assembly (not MINITORCH_INTEROP_DIR, whose fixtures may have other sizes).
        string folder = Path.Combine(AppContext.BaseDirectory, "Interop", "data");
        var f = new InteropFixture("lstm_1layer.f32", Path.Combine(folder, "lstm_1layer.f32.weights.safetensors"),
            Path.Combine(folder, "lstm_1layer.f32.case.safetensors"), new Dictionary<string, string>());
        using var dir = new TempDir();
        var c = f.Case<float>();
        var x = Tensor.Cast<float, double>(c["x"]).AsVariable();

        var lstm = new Lstm<double>(inputSize: 3, hiddenSize: 4, new Rng(0));
        lstm.LoadTorch(f.WeightsPath, convertDType: true);
        var (output, hN, cN) = lstm.Forward(x, Tensor.Cast<float, double>(c["h0"]).AsVariable(), Tensor.Cast<float, double>(c["c0"]).AsVariable());
        lstm.SaveTorch(dir.File("out.safetensors"), dtype: "F32");

        InteropFixtureTests.AssertClose("out", Tensor.Cast<float, double>(c["out"]), output.Data, 1e-5);
        InteropFixtureTests.AssertClose("cn", Tensor.Cast<float, double>(c["cn"]), cN.Data, 1e-5); // (layers · directions, N, H), as PyTorch
        using var saved = SafetensorsFile.Open(dir.File("out.safetensors"));
        Assert.Equal(["bias_hh_l0", "bias_ih_l0", "weight_hh_l0", "weight_ih_l0"], saved.Entries.Select(e => e.Name));
        Assert.All(saved.Entries, e => Assert.Equal("F32", e.DType));
    }
}
