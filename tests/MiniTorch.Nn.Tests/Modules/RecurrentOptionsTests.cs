using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;

namespace MiniTorch.Nn.Tests.Modules;

/// <summary>
/// Stacked, bidirectional, dropout and lengths options of <see cref="Rnn{T}"/>, <see cref="Lstm{T}"/> and
/// <see cref="Gru{T}"/>, checked against compositions written out by hand here from one-layer one-direction modules
/// (values to 1e-12 and every gradient to 1e-10 scaled, float64), and against running each sequence on its own.
/// </summary>
public class RecurrentOptionsTests
{
    private static RecurrentLayer<double> Make(string kind, int d, int h, Rng rng, int layers = 1, bool bi = false, double dropout = 0) => kind switch
    {
        "rnn" => new Rnn<double>(d, h, rng, layers, bi, dropout),
        "lstm" => new Lstm<double>(d, h, rng, layers, bi, dropout),
        "gru" => new Gru<double>(d, h, rng, layers, bi, dropout),
        _ => throw new ArgumentException(kind),
    };

    private static IEnumerable<Variable<double>> Params(RecurrentWeights<double> w) =>
        w.Bh is null ? [w.Wx, w.Wh, w.B] : [w.Wx, w.Wh, w.B, w.Bh];

    private static Tensor<double> GradOrZero(Variable<double> v) => v.Grad ?? Tensor.ZerosLike(v.Data);

    /// <summary>Reverses the time axis (1) of (N, T, W), as a user without the option would.</summary>
    private static Variable<double> FlipTime(Variable<double> v) => v.Flip(1);

    private static Gen<string> Kinds => Gen.Elements("rnn", "lstm", "gru");

    /// <summary>The module kind, the number of layers and whether bidirectional.</summary>
    private static Arbitrary<(string Kind, int Layers, bool Bi)> Options(int maxLayers) =>
        (from k in Kinds from l in Gen.Choose(1, maxLayers) from b in Gen.Elements(true, false) select (k, l, b)).ToArbitrary();

    [Property(MaxTest = 30)]
    public Property StackedBidirectionalEqualsHandComposition() =>
        Prop.ForAll(Dims.Arbitrary(), Options(3), (c, o) => CheckComposition(c, o.Kind, o.Layers, o.Bi));

    /// <summary>The case the issue names: a bidirectional 2-layer LSTM against four one-layer one-direction LSTMs.</summary>
    [Property(MaxTest = 15)]
    public Property BidirectionalTwoLayerLstmEqualsFourLstms() => Prop.ForAll(Dims.Arbitrary(), c => CheckComposition(c, "lstm", 2, true));

    private static void CheckComposition(Dims c, string kind, int layers, bool bi)
    {
        var rng = c.Rng();
        int dirs = bi ? 2 : 1, runs = layers * dirs;
        bool lstm = kind == "lstm";
        var big = Make(kind, c.D, c.H, new Rng((ulong)c.Seed), layers, bi);
        var small = new RecurrentLayer<double>[runs];
        for (int r = 0; r < runs; r++)
        {
            int layer = r / dirs;
            small[r] = Make(kind, layer == 0 ? c.D : c.H * dirs, c.H, new Rng(1));
            foreach (var (from, to) in Params(big.Weights[r]).Zip(Params(small[r].Weights[0]))) to.Data.CopyFrom(from.Data);
        }
        var x = Values.Normal(rng, 1, c.N, c.T, c.D);
        var h0 = Values.Normal(rng, 1, runs, c.N, c.H);
        var c0 = Values.Normal(rng, 1, runs, c.N, c.H);
        var dOut = Values.Normal(rng, 1, c.N, c.T, c.H * dirs);
        var dH = Values.Normal(rng, 1, runs, c.N, c.H);
        var dC = Values.Normal(rng, 1, runs, c.N, c.H);

        // The module.
        var (xa, h0a, c0a) = (x.Clone().RequiresGrad(), h0.Clone().RequiresGrad(), c0.Clone().RequiresGrad());
        var a = big.Forward(xa, c.Flag ? new RecurrentState<double>(h0a, lstm ? c0a : null) : null);
        var lossA = lstm ? Upstream.Contract((a.Output, dOut), (a.State.H, dH), (a.State.C!, dC)) : Upstream.Contract((a.Output, dOut), (a.State.H, dH));
        lossA.Backward(); // before the composition is recorded (a backward frees the thread's tape up to its loss)

        // By hand: each layer's directions, the reverse one reading the flipped sequence, concatenated for the next.
        var (xb, h0b, c0b) = (x.Clone().RequiresGrad(), h0.Clone().RequiresGrad(), c0.Clone().RequiresGrad());
        var input = xb;
        var hs = new Variable<double>[runs];
        var cs = new Variable<double>[runs];
        for (int layer = 0; layer < layers; layer++)
        {
            var outs = new Variable<double>[dirs];
            for (int dir = 0; dir < dirs; dir++)
            {
                int r = layer * dirs + dir;
                var state = c.Flag ? new RecurrentState<double>(h0b.Select(0, r), lstm ? c0b.Select(0, r) : null) : null;
                var res = small[r].Forward(dir == 1 ? FlipTime(input) : input, state);
                outs[dir] = dir == 1 ? FlipTime(res.Output) : res.Output;
                hs[r] = res.State.H.Select(0, 0);
                if (lstm) cs[r] = res.State.C!.Select(0, 0);
            }
            input = dirs == 1 ? outs[0] : Ops.Concat(outs, 2);
        }
        var hb = Ops.Stack(hs, 0);

        Expect.Close("output", input.Data, a.Output.Data, Expect.Forward);
        Expect.Close("h_n", hb.Data, a.State.H.Data, Expect.Forward);
        if (lstm) Expect.Close("c_n", Ops.Stack(cs, 0).Data, a.State.C!.Data, Expect.Forward);

        var lossB = lstm ? Upstream.Contract((input, dOut), (hb, dH), (Ops.Stack(cs, 0), dC)) : Upstream.Contract((input, dOut), (hb, dH));
        lossB.Backward();
        Expect.Close("dx", xb.Grad, xa.Grad, Expect.Gradient);
        if (c.Flag)
        {
            Expect.Close("dh0", h0b.Grad, h0a.Grad, Expect.Gradient);
            if (lstm) Expect.Close("dc0", c0b.Grad, c0a.Grad, Expect.Gradient);
        }
        for (int r = 0; r < runs; r++)
            foreach (var (p, q) in Params(small[r].Weights[0]).Zip(Params(big.Weights[r])))
                Expect.Close($"d{q.Name}", GradOrZero(p), GradOrZero(q), Expect.Gradient);
    }

    // ---------------------------------------------------------------- lengths

    [Property(MaxTest = 25)]
    public Property LengthsEqualRunningEachSequenceAlone() =>
        Prop.ForAll(Dims.Arbitrary(), Options(2), (c, o) =>
            {
                var (kind, layers, bi) = o;
                var rng = c.Rng();
                int dirs = bi ? 2 : 1, runs = layers * dirs;
                bool lstm = kind == "lstm";
                var m = Make(kind, c.D, c.H, new Rng((ulong)c.Seed), layers, bi);
                var lens = Enumerable.Range(0, c.N).Select(_ => 1 + rng.NextInt(c.T)).ToArray();
                lens[0] = c.T; // one full-length sequence, as PyTorch's padded batches have
                var x = Values.Normal(rng, 1, c.N, c.T, c.D);
                var h0 = Values.Normal(rng, 1, runs, c.N, c.H);
                var c0 = Values.Normal(rng, 1, runs, c.N, c.H);
                var dOut = Values.Normal(rng, 1, c.N, c.T, c.H * dirs);
                var dH = Values.Normal(rng, 1, runs, c.N, c.H);
                var dC = Values.Normal(rng, 1, runs, c.N, c.H);

                var xa = x.Clone().RequiresGrad();
                var state = c.Flag ? new RecurrentState<double>(h0.AsVariable(), lstm ? c0.AsVariable() : null) : null;
                var a = m.Forward(xa, state, Tensor.FromArray(lens, c.N));
                var loss = Upstream.Contract((a.Output, dOut), (a.State.H, dH));
                if (lstm) loss = loss + Upstream.Contract((a.State.C!, dC));
                loss.Backward();
                var batched = m.Parameters().Select(GradOrZero).ToArray();
                m.ZeroGrad();

                for (int n = 0; n < c.N; n++)
                {
                    int len = lens[n];
                    var xn = x.Narrow(0, n, 1).Narrow(1, 0, len).Clone().RequiresGrad();
                    var sn = c.Flag ? new RecurrentState<double>(h0.Narrow(1, n, 1).AsVariable(), lstm ? c0.Narrow(1, n, 1).AsVariable() : null) : null;
                    var b = m.Forward(xn, sn);
                    var outN = a.Output.Data.Narrow(0, n, 1);
                    Expect.Close($"output[{n}]", b.Output.Data, outN.Narrow(1, 0, len).Clone(), Expect.Forward);
                    if (len < c.T) Assert.All(outN.Narrow(1, len, c.T - len).Clone().ToArray(), v => Assert.Equal(0.0, v));
                    Expect.Close($"h_n[:, {n}]", b.State.H.Data, a.State.H.Data.Narrow(1, n, 1).Clone(), Expect.Forward);
                    if (lstm) Expect.Close($"c_n[:, {n}]", b.State.C!.Data, a.State.C!.Data.Narrow(1, n, 1).Clone(), Expect.Forward);
                    var lossN = Upstream.Contract((b.Output, dOut.Narrow(0, n, 1).Narrow(1, 0, len).Clone()), (b.State.H, dH.Narrow(1, n, 1).Clone()));
                    if (lstm) lossN = lossN + Upstream.Contract((b.State.C!, dC.Narrow(1, n, 1).Clone()));
                    lossN.Backward(); // parameter gradients accumulate over the sequences
                    var dxa = xa.Grad!.Narrow(0, n, 1);
                    Expect.Close($"dx[{n}]", xn.Grad, dxa.Narrow(1, 0, len).Clone(), Expect.Gradient);
                    if (len < c.T) Assert.All(dxa.Narrow(1, len, c.T - len).Clone().ToArray(), v => Assert.Equal(0.0, v));
                }
                foreach (var ((name, p), g) in m.NamedParameters().Zip(batched))
                    Expect.Close($"d{name}", GradOrZero(p), g, Expect.Gradient);
            });

    // ---------------------------------------------------------------- dropout

    [Fact]
    public void DropoutBetweenLayersIsReproducibleAndOffInEvalMode()
    {
        var x = new Rng(5).Normal<double>([3, 6, 4]).AsVariable();
        Tensor<double> Run(ulong seed, bool train, double p)
        {
            var m = new Lstm<double>(4, 5, new Rng(seed), numLayers: 3, bidirectional: true, dropout: p);
            if (!train) m.Eval();
            using var _ = GradMode.NoGrad();
            return m.Forward(x).Output.Data;
        }
        var a = Run(1, train: true, 0.5);
        var b = Run(1, train: true, 0.5);
        Assert.Equal(a.ToArray(), b.ToArray());                                     // same seed, same masks
        Assert.NotEqual(a.ToArray(), Run(2, train: true, 0.5).ToArray());
        var noDropout = Run(1, train: true, 0);                                       // same weights (drawn first)
        Assert.NotEqual(noDropout.ToArray(), a.ToArray());                            // training: something dropped
        Assert.Equal(noDropout.ToArray(), Run(1, train: false, 0.5).ToArray());      // eval: nothing dropped
    }

    [Fact]
    public void DropoutIsNotAppliedAfterTheLastLayer()
    {
        // One layer: dropout has no layer to sit between (PyTorch's rule), so training output equals eval output.
        var x = new Rng(6).Normal<double>([2, 3, 4]).AsVariable();
        var m = new Gru<double>(4, 5, new Rng(3), numLayers: 1, dropout: 0.9);
        var train = m.Forward(x).Output.Data.ToArray();
        m.Eval();
        Assert.Equal(train, m.Forward(x).Output.Data.ToArray());
    }

    [Fact]
    public void DropoutOpScalesKeptValuesAndDropsAboutP()
    {
        const double p = 0.3;
        var x = Tensor.Ones<double>(200, 500).RequiresGrad();
        var y = Ops.Dropout(x, p, new Rng(9));
        var v = y.Data.ToArray();
        double dropped = v.Count(e => e == 0) / (double)v.Length;
        Assert.InRange(dropped, p - 0.01, p + 0.01);                 // 100,000 Bernoulli draws: σ ≈ 0.0014
        Assert.All(v, e => Assert.True(e == 0 || e == 1 / (1 - p), $"value {e}"));
        Assert.InRange(v.Average(), 0.98, 1.02);                     // inverted dropout keeps the mean
        var g = new Rng(10).Normal<double>([200, 500]);
        y.Backward(g);
        var gx = x.Grad!.ToArray();
        var gs = g.ToArray();
        for (int i = 0; i < v.Length; i++) Assert.Equal(v[i] * gs[i], gx[i]); // gradient = upstream ⊙ the same mask
        Assert.Equal(Ops.Dropout(x, p, new Rng(9)).Data.ToArray(), v);   // same Rng seed, same mask
        Assert.Same(x, Ops.Dropout(x, p, new Rng(9), training: false));
        Assert.Same(x, Ops.Dropout(x, 0, new Rng(9)));
    }

    [Fact]
    public void DropoutModuleFollowsTrainAndEval()
    {
        var x = Tensor.Ones<double>(50, 40).AsVariable();
        var d = new Dropout<double>(0.5, new Rng(1));
        Assert.Contains(0.0, d.Forward(x).Data.ToArray());
        Assert.Empty(d.Parameters());
        d.Eval();
        Assert.Same(x, d.Forward(x));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout<double>(1, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout<double>(-0.1, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout<double>(double.NaN, new Rng(1)));
        Assert.Throws<ArgumentNullException>(() => new Dropout<double>(0.5, null!));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Dropout(x, 1.0, new Rng(1)));
        Assert.Contains("[0, 1)", e.Message);
    }

    // ---------------------------------------------------------------- names, init

    [Fact]
    public void ParameterNamesFollowPyTorchsSuffixScheme()
    {
        var gru = new Gru<double>(3, 4, new Rng(0), numLayers: 2, bidirectional: true);
        Assert.Equal(
        [
            ("Wx_l0", "(3, 12)"), ("Wh_l0", "(4, 12)"), ("bx_l0", "(12,)"), ("bh_l0", "(12,)"),
            ("Wx_l0_reverse", "(3, 12)"), ("Wh_l0_reverse", "(4, 12)"), ("bx_l0_reverse", "(12,)"), ("bh_l0_reverse", "(12,)"),
            ("Wx_l1", "(8, 12)"), ("Wh_l1", "(4, 12)"), ("bx_l1", "(12,)"), ("bh_l1", "(12,)"),
            ("Wx_l1_reverse", "(8, 12)"), ("Wh_l1_reverse", "(4, 12)"), ("bx_l1_reverse", "(12,)"), ("bh_l1_reverse", "(12,)"),
        ], gru.NamedParameters().Select(p => (p.Name, p.Parameter.Data.ShapeString)));
        Assert.Equal(["Wx_l0", "Wh_l0", "b_l0", "Wx_l1", "Wh_l1", "b_l1"], new Lstm<double>(3, 4, new Rng(0), numLayers: 2).NamedParameters().Select(p => p.Name));
        Assert.Equal(["Wx", "Wh", "bx", "bh"], new GruCell<double>(3, 4, new Rng(0)).NamedParameters().Select(p => p.Name));
        Assert.Same(gru.Weight(1, reverse: true).Wx, gru.Weights[3].Wx);
        Assert.Throws<ArgumentOutOfRangeException>(() => gru.Weight(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Gru<double>(3, 4, new Rng(0)).Weight(0, reverse: true));
    }

    [Fact]
    public void DefaultInitIsTodaysUniformDrawnInTodaysOrder()
    {
        var lstm = new Lstm<double>(3, 4, new Rng(7));
        var rng = new Rng(7);
        foreach (var (name, p) in lstm.NamedParameters())
            Assert.Equal(rng.Uniform<double>(p.Data.ShapeArray, -0.5, 0.5).ToArray(), p.Data.ToArray()); // bound 1/√4
    }

    [Fact]
    public void InitOptionDrawsEveryParameterInOrder()
    {
        var seen = new List<string>();
        var m = new Gru<double>(2, 3, new Rng(0), numLayers: 2, init: (name, shape, rng) =>
        {
            seen.Add(name);
            return name.StartsWith('b') ? Tensor.Zeros<double>(shape) : Tensor.Full(0.25, shape);
        });
        Assert.Equal(m.NamedParameters().Select(p => p.Name), seen);
        Assert.All(m.NamedParameters(), p => Assert.All(p.Parameter.Data.ToArray(), v => Assert.Equal(p.Name.StartsWith('b') ? 0 : 0.25, v)));
        var e = Assert.Throws<ArgumentException>(() => new Lstm<double>(2, 3, new Rng(0), init: (_, _, _) => Tensor.Zeros<double>(1)));
        Assert.Contains("Wx_l0", e.Message);
        Assert.Contains("(2, 12)", e.Message);
    }

    /// <summary>A user's own recurrent module reuses the layout through the protected constructor.</summary>
    private sealed class MinimalGatedUnit : RecurrentBase<double>
    {
        public MinimalGatedUnit(int d, int h, Rng rng) : base(d, h, 2, rng) { }
    }

    [Fact]
    public void AUsersModuleReusesTheLayout()
    {
        var m = new MinimalGatedUnit(3, 5, new Rng(0));
        Assert.Equal([("Wx", "(3, 10)"), ("Wh", "(5, 10)"), ("b", "(10,)")], m.NamedParameters().Select(p => (p.Name, p.Parameter.Data.ShapeString)));
        Assert.Equal(2, m.GateCount);
    }

    // ---------------------------------------------------------------- bad input

    [Fact]
    public void BadConstructorArgumentsAreRejected()
    {
        var rng = new Rng(0);
        Assert.Contains("numLayers", Assert.Throws<ArgumentOutOfRangeException>(() => new Lstm<double>(3, 4, rng, numLayers: 0)).Message);
        foreach (var p in new[] { -0.1, 1.0, double.NaN })
            Assert.Contains("dropout", Assert.Throws<ArgumentOutOfRangeException>(() => new Gru<double>(3, 4, rng, numLayers: 2, dropout: p)).Message);
        Assert.Contains("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Rnn<double>(3, 0, rng)).Message);
        Assert.Throws<ArgumentNullException>(() => new Gru<double>(3, 4, null!));
    }

    [Fact]
    public void BadForwardInputsAreRejectedLeavingTheModuleUnchanged()
    {
        var rng = new Rng(1);
        var m = new Lstm<double>(3, 4, rng, numLayers: 2, bidirectional: true);
        var before = m.Parameters().Select(p => p.Data.Clone()).ToArray();
        var x = rng.Normal<double>([2, 5, 3]).AsVariable();
        void Fails<TE>(Action a, params string[] parts) where TE : Exception
        {
            var e = Assert.Throws<TE>(a);
            foreach (var part in parts) Assert.Contains(part, e.Message);
        }
        Fails<ArgumentException>(() => m.Forward(x, lengths: Tensor.FromArray([5, 5, 5], 3)), "lengths", "(N,)", "(2,)", "(3,)");
        Fails<ArgumentException>(() => m.Forward(x, lengths: Tensor.FromArray([5, 5], 1, 2)), "lengths", "(1, 2)");
        Fails<ArgumentOutOfRangeException>(() => m.Forward(x, lengths: Tensor.FromArray([5, 0], 2)), "lengths[1] = 0", "[1, 5]");
        Fails<ArgumentOutOfRangeException>(() => m.Forward(x, lengths: Tensor.FromArray([6, 5], 2)), "lengths[0] = 6", "[1, 5]");
        Fails<ArgumentException>(() => m.Forward(x, Tensor.Zeros<double>(2, 2, 4).AsVariable()), "h0", "S = 4", "numLayers * directions");
        Fails<ArgumentException>(() => m.Forward(x, Tensor.Zeros<double>(2, 4).AsVariable()), "h0", "rank 3");
        Fails<ArgumentException>(() => m.Forward(x, null, Tensor.Zeros<double>(4, 2, 5).AsVariable()), "c0", "H = 4");
        Fails<ArgumentException>(() => m.Forward(rng.Normal<double>([2, 5, 2]).AsVariable()), "x", "D = 3");
        Fails<ArgumentException>(() => new Gru<double>(3, 4, rng).Forward(x, new RecurrentState<double>(Tensor.Zeros<double>(1, 2, 4).AsVariable(), Tensor.Zeros<double>(1, 2, 4).AsVariable())), "Gru", "cell state");
        Fails<ArgumentException>(() => new Rnn<double>(3, 4, rng).Forward(x, new RecurrentState<double>(Tensor.Zeros<double>(1, 2, 4).AsVariable(), Tensor.Zeros<double>(1, 2, 4).AsVariable())), "Rnn", "cell state");
        foreach (var (p, b) in m.Parameters().Zip(before))
        {
            Assert.Equal(b.ToArray(), p.Data.ToArray());
            Assert.Null(p.Grad);
        }
    }
}
