using MiniTorch.Autograd;
using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Golden;

using Results = Dictionary<string, Tensor<double>>;

/// <summary>
/// The golden vectors made by the seed's numpy functions (cross-checked with PyTorch): for every case, both the
/// hand-derived reference functions and the composed modules/ops must reproduce every output and every gradient to
/// |a - b| ≤ 1e-12 · max|expected| per tensor.
/// </summary>
public class GoldenTests
{
    private const double Tolerance = 1e-12;

    public static TheoryData<string, string> Cases() => GoldenData.Rows();

    [Fact]
    public void TheGoldenFolderHoldsCases()
    {
        Assert.True(GoldenData.Cases.Count > 0,
            $"no golden case found in {GoldenData.Folder} (set {GoldenData.EnvironmentVariable} or rebuild to copy Golden/data)");
        foreach (var file in GoldenData.Cases.GroupBy(c => c.File))
            Assert.Equal(file.Count(), file.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReferenceFunctionsMatch(string file, string name)
    {
        var c = GoldenData.Find(file, name);
        var (outputs, grads) = Reference(c);
        Compare(c, "reference", outputs, grads);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ComposedModulesMatch(string file, string name)
    {
        var c = GoldenData.Find(file, name);
        var (outputs, grads) = Composed(c);
        Compare(c, "composed", outputs, grads);
    }

    private static void Compare(GoldenCase c, string who, Results outputs, Results grads)
    {
        Assert.NotEmpty(c.Outputs);
        foreach (var (kind, expected, actual) in new[] { ("output", c.Outputs, outputs), ("grad", c.Grads, grads) })
            foreach (var (key, tensor) in expected)
            {
                Assert.True(actual.TryGetValue(key, out var got), $"{c.File}/{c.Name}: the {who} side produced no {kind} '{key}'");
                var want = tensor.AsDouble();
                Assert.True(want.SameShape(got!), $"{c.File}/{c.Name} {who} {key}: shape {got!.ShapeString}, expected {want.ShapeString}");
                double diff = 0, scale = 0;
                Span<double> e = want.AsSpan(), a = got!.AsSpan();
                for (int i = 0; i < e.Length; i++)
                {
                    double d = Math.Abs(e[i] - a[i]);
                    if (!(d <= diff)) diff = d;
                    scale = Math.Max(scale, Math.Abs(e[i]));
                }
                Assert.True(diff <= Tolerance * scale,
                    $"{c.File}/{c.Name} {who} {key}: max |a-b| = {diff:G3} exceeds {Tolerance:G0} * max|expected| = {Tolerance * scale:G3}");
            }
    }

    // ------------------------------------------------------------ the hand-derived reference functions

    private static (Results Outputs, Results Grads) Reference(GoldenCase c)
    {
        switch (c.Function)
        {
            case "rnn_step":
            {
                var (nextH, cache) = Cs231n.RnnStepForward(c.In("x"), c.In("prev_h"), c.In("Wx"), c.In("Wh"), c.In("b"));
                var g = Cs231n.RnnStepBackward(c.Up("dnext_h"), cache);
                return (new() { ["next_h"] = nextH }, new() { ["dx"] = g.Dx, ["dprev_h"] = g.DPrevH, ["dWx"] = g.DWx, ["dWh"] = g.DWh, ["db"] = g.Db });
            }
            case "rnn":
            {
                var (h, cache) = Cs231n.RnnForward(c.In("x"), c.In("h0"), c.In("Wx"), c.In("Wh"), c.In("b"));
                var g = Cs231n.RnnBackward(c.Up("dh"), cache);
                return (new() { ["h"] = h }, new() { ["dx"] = g.Dx, ["dh0"] = g.Dh0, ["dWx"] = g.DWx, ["dWh"] = g.DWh, ["db"] = g.Db });
            }
            case "lstm_step":
            {
                var (nextH, nextC, cache) = Cs231n.LstmStepForward(c.In("x"), c.In("prev_h"), c.In("prev_c"), c.In("Wx"), c.In("Wh"), c.In("b"));
                var g = Cs231n.LstmStepBackward(c.Up("dnext_h"), c.Up("dnext_c"), cache);
                return (new() { ["next_h"] = nextH, ["next_c"] = nextC },
                    new() { ["dx"] = g.Dx, ["dprev_h"] = g.DPrevH, ["dprev_c"] = g.DPrevC, ["dWx"] = g.DWx, ["dWh"] = g.DWh, ["db"] = g.Db });
            }
            case "lstm":
            {
                var (h, cache) = Cs231n.LstmForward(c.In("x"), c.In("h0"), c.In("Wx"), c.In("Wh"), c.In("b"));
                var g = Cs231n.LstmBackward(c.Up("dh"), cache);
                return (new() { ["h"] = h }, new() { ["dx"] = g.Dx, ["dh0"] = g.Dh0, ["dWx"] = g.DWx, ["dWh"] = g.DWh, ["db"] = g.Db });
            }
            case "word_embedding":
            {
                var (output, cache) = Cs231n.WordEmbeddingForward(c.Indices("x"), c.In("W"));
                return (new() { ["out"] = output }, new() { ["dW"] = Cs231n.WordEmbeddingBackward(c.Up("dout"), cache).DW });
            }
            case "temporal_affine":
            {
                var (output, cache) = Cs231n.TemporalAffineForward(c.In("x"), c.In("w"), c.In("b"));
                var g = Cs231n.TemporalAffineBackward(c.Up("dout"), cache);
                return (new() { ["out"] = output }, new() { ["dx"] = g.Dx, ["dw"] = g.Dw, ["db"] = g.Db });
            }
            case "temporal_softmax_loss":
            {
                var (loss, dx) = Cs231n.TemporalSoftmaxLoss(c.In("x"), c.Indices("y"), c.In("mask"));
                return (new() { ["loss"] = Tensor.Scalar(loss) }, new() { ["dx"] = dx });
            }
            default:
                throw new InvalidDataException($"{c.File}: unknown function '{c.Function}'");
        }
    }

    // ------------------------------------------------------------ the modules composed of tape ops

    private static Variable<double> Leaf(Tensor<double> t) => t.AsVariable(requiresGrad: true);

    private static TModule Load<TModule>(TModule m, GoldenCase c) where TModule : RecurrentBase<double>
    {
        m.Wx.Data.CopyFrom(c.In("Wx"));
        m.Wh.Data.CopyFrom(c.In("Wh"));
        m.B.Data.CopyFrom(c.In("b"));
        return m;
    }

    private static (Results Outputs, Results Grads) Composed(GoldenCase c)
    {
        var rng = new Rng(0); // initial values are overwritten by the case's
        switch (c.Function)
        {
            case "rnn_step":
            {
                var (x, h) = (Leaf(c.In("x")), Leaf(c.In("prev_h")));
                var cell = Load(new RnnCell<double>(x.Dim(1), h.Dim(1), rng), c);
                var y = cell.Forward(x, h);
                y.Backward(c.Up("dnext_h"));
                return (new() { ["next_h"] = y.Data }, new() { ["dx"] = x.Grad!, ["dprev_h"] = h.Grad!, ["dWx"] = cell.Wx.Grad!, ["dWh"] = cell.Wh.Grad!, ["db"] = cell.B.Grad! });
            }
            case "rnn":
            {
                var (x, h0) = (Leaf(c.In("x")), Leaf(c.In("h0")));
                var rnn = Load(new Rnn<double>(x.Dim(2), h0.Dim(1), rng), c);
                var y = rnn.Forward(x, h0).Output;
                y.Backward(c.Up("dh"));
                return (new() { ["h"] = y.Data }, new() { ["dx"] = x.Grad!, ["dh0"] = h0.Grad!, ["dWx"] = rnn.Wx.Grad!, ["dWh"] = rnn.Wh.Grad!, ["db"] = rnn.B.Grad! });
            }
            case "lstm_step":
            {
                var (x, h, cc) = (Leaf(c.In("x")), Leaf(c.In("prev_h")), Leaf(c.In("prev_c")));
                var cell = Load(new LstmCell<double>(x.Dim(1), h.Dim(1), rng), c);
                var (nextH, nextC) = cell.Forward(x, h, cc);
                Upstream.Contract((nextH, c.Up("dnext_h")), (nextC, c.Up("dnext_c"))).Backward();
                return (new() { ["next_h"] = nextH.Data, ["next_c"] = nextC.Data },
                    new() { ["dx"] = x.Grad!, ["dprev_h"] = h.Grad!, ["dprev_c"] = cc.Grad!, ["dWx"] = cell.Wx.Grad!, ["dWh"] = cell.Wh.Grad!, ["db"] = cell.B.Grad! });
            }
            case "lstm":
            {
                var (x, h0) = (Leaf(c.In("x")), Leaf(c.In("h0")));
                var lstm = Load(new Lstm<double>(x.Dim(2), h0.Dim(1), rng), c);
                var y = lstm.Forward(x, h0).Output; // c0 = 0 by default, as in the seed
                y.Backward(c.Up("dh"));
                return (new() { ["h"] = y.Data }, new() { ["dx"] = x.Grad!, ["dh0"] = h0.Grad!, ["dWx"] = lstm.Wx.Grad!, ["dWh"] = lstm.Wh.Grad!, ["db"] = lstm.B.Grad! });
            }
            case "word_embedding":
            {
                var w = c.In("W");
                var emb = new Embedding<double>(w.Dim(0), w.Dim(1), rng);
                emb.Weight.Data.CopyFrom(w);
                var y = emb.Forward(c.Indices("x"));
                y.Backward(c.Up("dout"));
                return (new() { ["out"] = y.Data }, new() { ["dW"] = emb.Weight.Grad! });
            }
            case "temporal_affine":
            {
                var (x, w) = (Leaf(c.In("x")), c.In("w"));
                var affine = new TemporalAffine<double>(w.Dim(0), w.Dim(1), rng);
                affine.Weight.Data.CopyFrom(w);
                affine.Bias!.Data.CopyFrom(c.In("b"));
                var y = affine.Forward(x);
                y.Backward(c.Up("dout"));
                return (new() { ["out"] = y.Data }, new() { ["dx"] = x.Grad!, ["dw"] = affine.Weight.Grad!, ["db"] = affine.Bias.Grad! });
            }
            case "temporal_softmax_loss":
            {
                var x = Leaf(c.In("x"));
                var loss = Functional.TemporalSoftmaxLoss(x, c.Indices("y"), c.In("mask"));
                loss.Backward();
                return (new() { ["loss"] = loss.Data }, new() { ["dx"] = x.Grad! });
            }
            default:
                throw new InvalidDataException($"{c.File}: unknown function '{c.Function}'");
        }
    }
}
