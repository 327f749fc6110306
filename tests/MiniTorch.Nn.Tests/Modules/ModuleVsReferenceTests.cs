using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Modules;

/// <summary>
/// The modules are composed of tape ops only; these properties prove they compute exactly what the hand-derived
/// reference computes, on one shared set of weights: forward outputs to a scaled error below 1e-12 and the tape
/// gradients of every input and parameter, for a random upstream gradient, below 1e-10.
/// </summary>
public class ModuleVsReferenceTests
{
    private static Variable<double> Leaf(Tensor<double> t) => t.Clone().AsVariable(requiresGrad: true);

    private static T Load<T>(T m, Tensor<double> wx, Tensor<double> wh, Tensor<double> b) where T : RecurrentBase<double>
    {
        Values.Set(m.Wx, wx);
        Values.Set(m.Wh, wh);
        Values.Set(m.B, b);
        return m;
    }

    /// <summary>
    /// Wh's gradient. Without h0 a one-step sequence never uses Wh (h0·Wh is skipped, h0 being zero), so its Grad stays
    /// null as PyTorch leaves an unused parameter's grad None; the reference's dWh is then exactly zero.
    /// </summary>
    private static Tensor<T>? WhGrad<T>(RecurrentBase<T> m, bool withH0, int steps) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        m.Wh.Grad ?? (!withH0 && steps == 1 ? Tensor.ZerosLike(m.Wh.Data) : null);

    // ---------------------------------------------------------------- RNN

    [Property(MaxTest = 40)]
    public Property RnnCellMatchesRnnStepForwardAndBackward() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 1);
        var cell = Load(new RnnCell<double>(c.D, c.H, new Rng(1)), wx, wh, b);
        var x = Values.Normal(rng, 1, c.N, c.D);
        var h = Values.Normal(rng, 1, c.N, c.H);
        var dnext = Values.Normal(rng, 1, c.N, c.H);

        var (refH, cache) = Cs231n.RnnStepForward(x, h, wx, wh, b);
        var g = Cs231n.RnnStepBackward(dnext, cache);

        var (xv, hv) = (Leaf(x), Leaf(h));
        var y = cell.Forward(xv, hv);
        Expect.Close("next_h", refH, y.Data, Expect.Forward);
        y.Backward(dnext);
        Expect.Close("dx", g.Dx, xv.Grad, Expect.Gradient);
        Expect.Close("dprev_h", g.DPrevH, hv.Grad, Expect.Gradient);
        Expect.Close("dWx", g.DWx, cell.Wx.Grad, Expect.Gradient);
        Expect.Close("dWh", g.DWh, cell.Wh.Grad, Expect.Gradient);
        Expect.Close("db", g.Db, cell.B.Grad, Expect.Gradient);
    });

    [Property(MaxTest = 40)]
    public Property RnnForwardMatchesReference() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 1);
        var rnn = Load(new Rnn<double>(c.D, c.H, new Rng(1)), wx, wh, b);
        var x = Values.Normal(rng, 1, c.N, c.T, c.D);
        var h0 = c.Flag ? Values.Normal(rng, 1, c.N, c.H) : Tensor.Zeros<double>(c.N, c.H);

        var (refH, _) = Cs231n.RnnForward(x, h0, wx, wh, b);
        using var _ = GradMode.NoGrad();
        var (output, hn) = rnn.Forward(x.AsVariable(), c.Flag ? h0.AsVariable() : null);
        Expect.Close("h", refH, output.Data, Expect.Forward);
        Expect.Close("h_T", refH.Select(1, c.T - 1), hn.Data, Expect.Forward);
    });

    [Property(MaxTest = 40)]
    public Property RnnTapeGradientsMatchReferenceBackward() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 1);
        var rnn = Load(new Rnn<double>(c.D, c.H, new Rng(1)), wx, wh, b);
        var x = Values.Normal(rng, 1, c.N, c.T, c.D);
        var h0 = c.Flag ? Values.Normal(rng, 1, c.N, c.H) : Tensor.Zeros<double>(c.N, c.H);
        var dh = Values.Normal(rng, 1, c.N, c.T, c.H);
        var dhT = Values.Normal(rng, 1, c.N, c.H);

        // h_T is the last slice of h, so an upstream gradient on h_T adds to dh[:, T-1, :].
        var (_, cache) = Cs231n.RnnForward(x, h0, wx, wh, b);
        var dhAll = dh.Clone();
        Tensor.AddToNarrow(dhAll, 1, c.T - 1, dhT);
        var g = Cs231n.RnnBackward(dhAll, cache);

        var (xv, h0v) = (Leaf(x), c.Flag ? Leaf(h0) : null);
        var (output, hn) = rnn.Forward(xv, h0v);
        Upstream.Contract((output, dh), (hn, dhT)).Backward();
        Expect.Close("dx", g.Dx, xv.Grad, Expect.Gradient);
        if (h0v is not null) Expect.Close("dh0", g.Dh0, h0v.Grad, Expect.Gradient);
        Expect.Close("dWx", g.DWx, rnn.Wx.Grad, Expect.Gradient);
        Expect.Close("dWh", g.DWh, WhGrad(rnn, c.Flag, c.T), Expect.Gradient);
        Expect.Close("db", g.Db, rnn.B.Grad, Expect.Gradient);
    });

    // ---------------------------------------------------------------- LSTM

    [Property(MaxTest = 40)]
    public Property LstmCellMatchesLstmStepForwardAndBackward() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 4);
        var cell = Load(new LstmCell<double>(c.D, c.H, new Rng(1)), wx, wh, b);
        var x = Values.Normal(rng, 1, c.N, c.D);
        var h = Values.Normal(rng, 1, c.N, c.H);
        var cPrev = Values.Normal(rng, 1, c.N, c.H);
        var dnextH = Values.Normal(rng, 1, c.N, c.H);
        var dnextC = Values.Normal(rng, 1, c.N, c.H);

        var (refH, refC, cache) = Cs231n.LstmStepForward(x, h, cPrev, wx, wh, b);
        var g = Cs231n.LstmStepBackward(dnextH, dnextC, cache);

        var (xv, hv, cv) = (Leaf(x), Leaf(h), Leaf(cPrev));
        var (nextH, nextC) = cell.Forward(xv, hv, cv);
        Expect.Close("next_h", refH, nextH.Data, Expect.Forward);
        Expect.Close("next_c", refC, nextC.Data, Expect.Forward);
        Upstream.Contract((nextH, dnextH), (nextC, dnextC)).Backward();
        Expect.Close("dx", g.Dx, xv.Grad, Expect.Gradient);
        Expect.Close("dprev_h", g.DPrevH, hv.Grad, Expect.Gradient);
        Expect.Close("dprev_c", g.DPrevC, cv.Grad, Expect.Gradient);
        Expect.Close("dWx", g.DWx, cell.Wx.Grad, Expect.Gradient);
        Expect.Close("dWh", g.DWh, cell.Wh.Grad, Expect.Gradient);
        Expect.Close("db", g.Db, cell.B.Grad, Expect.Gradient);
    });

    [Property(MaxTest = 40)]
    public Property LstmForwardMatchesReference() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 4);
        var lstm = Load(new Lstm<double>(c.D, c.H, new Rng(1)), wx, wh, b);
        var x = Values.Normal(rng, 1, c.N, c.T, c.D);
        var h0 = c.Flag ? Values.Normal(rng, 1, c.N, c.H) : Tensor.Zeros<double>(c.N, c.H);

        var (refH, cache) = Cs231n.LstmForward(x, h0, wx, wh, b);
        using var _ = GradMode.NoGrad();
        var (output, hn, cn) = lstm.Forward(x.AsVariable(), c.Flag ? h0.AsVariable() : null);
        Expect.Close("h", refH, output.Data, Expect.Forward);
        Expect.Close("h_T", refH.Select(1, c.T - 1), hn.Data, Expect.Forward);
        Expect.Close("c_T", cache.Steps[^1].NextC, cn.Data, Expect.Forward);
    });

    [Property(MaxTest = 40)]
    public Property LstmTapeGradientsMatchReferenceBackward() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 4);
        var lstm = Load(new Lstm<double>(c.D, c.H, new Rng(1)), wx, wh, b);
        var x = Values.Normal(rng, 1, c.N, c.T, c.D);
        var h0 = c.Flag ? Values.Normal(rng, 1, c.N, c.H) : Tensor.Zeros<double>(c.N, c.H);
        var dh = Values.Normal(rng, 1, c.N, c.T, c.H);

        var (_, cache) = Cs231n.LstmForward(x, h0, wx, wh, b);
        var g = Cs231n.LstmBackward(dh, cache);

        var (xv, h0v) = (Leaf(x), c.Flag ? Leaf(h0) : null);
        lstm.Forward(xv, h0v).Output.Backward(dh);
        Expect.Close("dx", g.Dx, xv.Grad, Expect.Gradient);
        if (h0v is not null) Expect.Close("dh0", g.Dh0, h0v.Grad, Expect.Gradient);
        Expect.Close("dWx", g.DWx, lstm.Wx.Grad, Expect.Gradient);
        Expect.Close("dWh", g.DWh, WhGrad(lstm, c.Flag, c.T), Expect.Gradient);
        Expect.Close("db", g.Db, lstm.B.Grad, Expect.Gradient);
    });

    /// <summary>
    /// With an initial cell state (and with or without h0) and upstream gradients on h, h_T and c_T, the module is compared with the seed's
    /// sequence loop written out over the reference steps (lstm_forward / lstm_backward generalised to c0 and dc_T).
    /// </summary>
    [Property(MaxTest = 30)]
    public Property LstmWithInitialCellStateMatchesChainedReferenceSteps() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 4);
        var lstm = Load(new Lstm<double>(c.D, c.H, new Rng(1)), wx, wh, b);
        var x = Values.Normal(rng, 1, c.N, c.T, c.D);
        var h0 = c.Flag ? Values.Normal(rng, 1, c.N, c.H) : Tensor.Zeros<double>(c.N, c.H); // Flag: pass h0, else omit it
        var c0 = Values.Normal(rng, 1, c.N, c.H);
        var dh = Values.Normal(rng, 1, c.N, c.T, c.H);
        var dhT = Values.Normal(rng, 1, c.N, c.H);
        var dcT = Values.Normal(rng, 1, c.N, c.H);

        var caches = new LstmStepCache<double>[c.T];
        var hs = new Tensor<double>[c.T];
        var (h, cc) = (h0, c0);
        for (int t = 0; t < c.T; t++) { (h, cc, caches[t]) = Cs231n.LstmStepForward(x.Select(1, t), h, cc, wx, wh, b); hs[t] = h; }
        var dxs = new Tensor<double>[c.T];
        var (dWx, dWh, db) = (Tensor.ZerosLike(wx), Tensor.ZerosLike(wh), Tensor.ZerosLike(b));
        var (dnextH, dnextC) = (dh.Select(1, c.T - 1) + dhT, dcT);
        for (int t = c.T - 1; t >= 0; t--)
        {
            var g = Cs231n.LstmStepBackward(dnextH, dnextC, caches[t]);
            dxs[t] = g.Dx;
            Tensor.AddInPlace(dWx, g.DWx); Tensor.AddInPlace(dWh, g.DWh); Tensor.AddInPlace(db, g.Db);
            (dnextH, dnextC) = (t > 0 ? dh.Select(1, t - 1) + g.DPrevH : g.DPrevH, g.DPrevC);
        }

        var (xv, h0v, c0v) = (Leaf(x), c.Flag ? Leaf(h0) : null, Leaf(c0));
        var (output, hn, cn) = lstm.Forward(xv, h0v, c0v);
        Expect.Close("h", Tensor.Stack(hs, 1), output.Data, Expect.Forward);
        Expect.Close("h_T", h, hn.Data, Expect.Forward);
        Expect.Close("c_T", cc, cn.Data, Expect.Forward);
        Upstream.Contract((output, dh), (hn, dhT), (cn, dcT)).Backward();
        Expect.Close("dx", Tensor.Stack(dxs, 1), xv.Grad, Expect.Gradient);
        if (h0v is not null) Expect.Close("dh0", dnextH, h0v.Grad, Expect.Gradient);
        Expect.Close("dc0", dnextC, c0v.Grad, Expect.Gradient);
        Expect.Close("dWx", dWx, lstm.Wx.Grad, Expect.Gradient);
        Expect.Close("dWh", dWh, WhGrad(lstm, c.Flag, c.T), Expect.Gradient);
        Expect.Close("db", db, lstm.B.Grad, Expect.Gradient);
    });

    [Property(MaxTest = 20)]
    public Property Float32LstmMatchesFloat32Reference() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 4);
        var (fx, fh, fb) = (Tensor.Cast<double, float>(wx), Tensor.Cast<double, float>(wh), Tensor.Cast<double, float>(b));
        var lstm = new Lstm<float>(c.D, c.H, new Rng(1));
        lstm.Wx.Data.CopyFrom(fx); lstm.Wh.Data.CopyFrom(fh); lstm.B.Data.CopyFrom(fb);
        var x = Tensor.Cast<double, float>(Values.Normal(rng, 1, c.N, c.T, c.D));
        var dh = Tensor.Cast<double, float>(Values.Normal(rng, 1, c.N, c.T, c.H));

        var (refH, cache) = Cs231n.LstmForward(x, Tensor.Zeros<float>(c.N, c.H), fx, fh, fb);
        var g = Cs231n.LstmBackward(dh, cache);
        var xv = x.AsVariable(requiresGrad: true);
        var output = lstm.Forward(xv).Output;
        Expect.Close("h (float32)", refH, output.Data, 1e-5);
        output.Backward(dh);
        Expect.Close("dx (float32)", g.Dx, xv.Grad, 1e-4);
        Expect.Close("dWx (float32)", g.DWx, lstm.Wx.Grad, 1e-4);
        Expect.Close("dWh (float32)", g.DWh, WhGrad(lstm, false, c.T), 1e-4);
    });

    // ---------------------------------------------------------------- embedding, affine, loss

    [Property(MaxTest = 40)]
    public Property EmbeddingMatchesWordEmbeddingWithRepeatedIndices() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var w = Values.Normal(rng, 1, c.V, c.D);
        var idx = Values.Indices(rng, c.V, c.N, c.T);
        var dout = Values.Normal(rng, 1, c.N, c.T, c.D);
        var emb = new Embedding<double>(c.V, c.D, new Rng(1));
        Values.Set(emb.Weight, w);

        var (refOut, cache) = Cs231n.WordEmbeddingForward(idx, w);
        var dW = Cs231n.WordEmbeddingBackward(dout, cache).DW;
        var output = emb.Forward(idx);
        Expect.Close("out", refOut, output.Data, Expect.Forward);
        output.Backward(dout);
        Expect.Close("dW", dW, emb.Weight.Grad, Expect.Gradient);
    });

    [Property(MaxTest = 40)]
    public Property TemporalAffineMatchesReference() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var x = Values.Normal(rng, 1, c.N, c.T, c.D);
        var w = Values.Normal(rng, 1 / Math.Sqrt(c.D), c.D, c.H);
        var b = Values.Normal(rng, 0.1, c.H);
        var dout = Values.Normal(rng, 1, c.N, c.T, c.H);
        var affine = new TemporalAffine<double>(c.D, c.H, new Rng(1));
        Values.Set(affine.Weight, w);
        Values.Set(affine.Bias!, b);

        var (refOut, cache) = Cs231n.TemporalAffineForward(x, w, b);
        var g = Cs231n.TemporalAffineBackward(dout, cache);
        var xv = Leaf(x);
        var output = affine.Forward(xv);
        Expect.Close("out", refOut, output.Data, Expect.Forward);
        output.Backward(dout);
        Expect.Close("dx", g.Dx, xv.Grad, Expect.Gradient);
        Expect.Close("dw", g.Dw, affine.Weight.Grad, Expect.Gradient);
        Expect.Close("db", g.Db, affine.Bias!.Grad, Expect.Gradient);
    });

    [Property(MaxTest = 30)]
    public Property LinearOnMatricesMatchesTemporalAffineWithOneStep() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var x = Values.Normal(rng, 1, c.N, c.D);
        var w = Values.Normal(rng, 1 / Math.Sqrt(c.D), c.D, c.H);
        var b = Values.Normal(rng, 0.1, c.H);
        var dout = Values.Normal(rng, 1, c.N, c.H);
        var linear = new Linear<double>(c.D, c.H, new Rng(1));
        Values.Set(linear.Weight, w);
        Values.Set(linear.Bias!, b);

        var (refOut, cache) = Cs231n.TemporalAffineForward(x.Reshape(c.N, 1, c.D), w, b);
        var g = Cs231n.TemporalAffineBackward(dout.Reshape(c.N, 1, c.H), cache);
        var xv = Leaf(x);
        var output = linear.Forward(xv);
        Expect.Close("y", refOut.Reshape(c.N, c.H), output.Data, Expect.Forward);
        output.Backward(dout);
        Expect.Close("dx", g.Dx.Reshape(c.N, c.D), xv.Grad, Expect.Gradient);
        Expect.Close("dW", g.Dw, linear.Weight.Grad, Expect.Gradient);
        Expect.Close("db", g.Db, linear.Bias!.Grad, Expect.Gradient);
    });

    [Property(MaxTest = 40)]
    public Property TemporalSoftmaxLossOnTheTapeMatchesReference() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var x = Values.Normal(rng, 2, c.N, c.T, c.V);
        var y = Values.Indices(rng, c.V, c.N, c.T);
        var mask = Values.Mask(rng, c.N, c.T);
        var upstream = rng.Normal<double>([]);

        var (refLoss, refDx) = Cs231n.TemporalSoftmaxLoss(x, y, mask);
        var xv = Leaf(x);
        var loss = Functional.TemporalSoftmaxLoss(xv, y, mask);
        Expect.Close("loss", Tensor.Scalar(refLoss), loss.Data, Expect.Forward);
        loss.Backward(upstream);
        Expect.Close("dx", refDx * upstream.Item(), xv.Grad, Expect.Gradient);
    });
}
