using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Reference;

/// <summary>What <see cref="Cs231n.LstmStepForward{T}"/> keeps for its backward pass (the seed's <c>cache</c> tuple).</summary>
public sealed record LstmStepCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal LstmStepCache(Tensor<T> x, Tensor<T> prevH, Tensor<T> prevC, Tensor<T> wx, Tensor<T> wh,
        Tensor<T> i, Tensor<T> f, Tensor<T> o, Tensor<T> g, Tensor<T> nextC, Tensor<T> tanhNextC)
    {
        X = x; PrevH = prevH; PrevC = prevC; Wx = wx; Wh = wh; I = i; F = f; O = o; G = g; NextC = nextC; TanhNextC = tanhNextC;
    }

    /// <summary>The step's input x, (N, D).</summary>
    public Tensor<T> X { get; }
    /// <summary>The previous hidden state prev_h, (N, H).</summary>
    public Tensor<T> PrevH { get; }
    /// <summary>The previous cell state prev_c, (N, H).</summary>
    public Tensor<T> PrevC { get; }
    /// <summary>Input-to-hidden weights Wx, (D, 4H).</summary>
    public Tensor<T> Wx { get; }
    /// <summary>Hidden-to-hidden weights Wh, (H, 4H).</summary>
    public Tensor<T> Wh { get; }
    /// <summary>Input gate i = σ(a_i), (N, H).</summary>
    public Tensor<T> I { get; }
    /// <summary>Forget gate f = σ(a_f), (N, H).</summary>
    public Tensor<T> F { get; }
    /// <summary>Output gate o = σ(a_o), (N, H).</summary>
    public Tensor<T> O { get; }
    /// <summary>Block input g = tanh(a_g), (N, H).</summary>
    public Tensor<T> G { get; }
    /// <summary>The next cell state next_c, (N, H).</summary>
    public Tensor<T> NextC { get; }
    /// <summary>tanh(next_c), (N, H), kept so the backward does not recompute it.</summary>
    public Tensor<T> TanhNextC { get; }
}

/// <summary>The gradients returned by <see cref="Cs231n.LstmStepBackward{T}"/>.</summary>
/// <param name="Dx">Gradient of the input data, (N, D).</param>
/// <param name="DPrevH">Gradient of the previous hidden state, (N, H).</param>
/// <param name="DPrevC">Gradient of the previous cell state, (N, H).</param>
/// <param name="DWx">Gradient of the input-to-hidden weights, (D, 4H).</param>
/// <param name="DWh">Gradient of the hidden-to-hidden weights, (H, 4H).</param>
/// <param name="Db">Gradient of the biases, (4H,).</param>
public sealed record LstmStepGrads<T>(Tensor<T> Dx, Tensor<T> DPrevH, Tensor<T> DPrevC, Tensor<T> DWx, Tensor<T> DWh, Tensor<T> Db)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>What <see cref="Cs231n.LstmForward{T}"/> keeps for its backward pass: one step cache per time step.</summary>
public sealed record LstmCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal LstmCache(IReadOnlyList<LstmStepCache<T>> steps, int[] hShape) { Steps = steps; HShape = hShape; }

    /// <summary>The caches of steps 0..T-1.</summary>
    public IReadOnlyList<LstmStepCache<T>> Steps { get; }
    /// <summary>The shape of the forward output h, (N, T, H).</summary>
    public IReadOnlyList<int> HShape { get; }
}

/// <summary>The gradients returned by <see cref="Cs231n.LstmBackward{T}"/>.</summary>
/// <param name="Dx">Gradient of the input data, (N, T, D).</param>
/// <param name="Dh0">Gradient of the initial hidden state, (N, H).</param>
/// <param name="DWx">Gradient of the input-to-hidden weight matrix, (D, 4H).</param>
/// <param name="DWh">Gradient of the hidden-to-hidden weight matrix, (H, 4H).</param>
/// <param name="Db">Gradient of the biases, (4H,).</param>
public sealed record LstmGrads<T>(Tensor<T> Dx, Tensor<T> Dh0, Tensor<T> DWx, Tensor<T> DWh, Tensor<T> Db)
    where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Cs231n
{
    /// <summary>
    /// One time step of an LSTM (seed: <c>lstm_step_forward</c>). The activation vector a = x·Wx + prev_h·Wh + b (N, 4H)
    /// is split into four H-wide blocks in the order i, f, o, g; then i = σ(a_i), f = σ(a_f), o = σ(a_o),
    /// g = tanh(a_g), next_c = f ⊙ prev_c + i ⊙ g and next_h = o ⊙ tanh(next_c). σ is the stable <see cref="Sigmoid{T}"/>.
    /// </summary>
    /// <param name="x">Input data, (N, D).</param>
    /// <param name="prevH">Previous hidden state, (N, H).</param>
    /// <param name="prevC">Previous cell state, (N, H).</param>
    /// <param name="wx">Input-to-hidden weights, (D, 4H).</param>
    /// <param name="wh">Hidden-to-hidden weights, (H, 4H).</param>
    /// <param name="b">Biases, (4H,).</param>
    /// <returns>next_h (N, H), next_c (N, H) and the cache for <see cref="LstmStepBackward{T}"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    public static (Tensor<T> NextH, Tensor<T> NextC, LstmStepCache<T> Cache) LstmStepForward<T>(
        Tensor<T> x, Tensor<T> prevH, Tensor<T> prevC, Tensor<T> wx, Tensor<T> wh, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = Check("LstmStepForward",
            [A("x", x, "N,D"), A("prev_h", prevH, "N,H"), A("prev_c", prevC, "N,H"), A("Wx", wx, "D,4H"), A("Wh", wh, "H,4H"), A("b", b, "4H")]);
        int hidden = dims["H"];
        var a = x.MatMul(wx) + prevH.MatMul(wh) + b;
        var i = Sigmoid(a.Narrow(1, 0, hidden));
        var f = Sigmoid(a.Narrow(1, hidden, hidden));
        var o = Sigmoid(a.Narrow(1, 2 * hidden, hidden));
        var g = a.Narrow(1, 3 * hidden, hidden).Tanh();
        var nextC = f * prevC + i * g;
        var tanhNextC = nextC.Tanh();
        var nextH = o * tanhNextC;
        return (nextH, nextC, new LstmStepCache<T>(x, prevH, prevC, wx, wh, i, f, o, g, nextC, tanhNextC));
    }

    /// <summary>
    /// Backward pass of one LSTM step (seed: <c>lstm_step_backward</c>). With dc = dnext_c + dnext_h ⊙ o ⊙ (1 - tanh²(next_c)),
    /// the total gradient reaching next_c: do = dnext_h ⊙ tanh(next_c), df = dc ⊙ prev_c, di = dc ⊙ g, dg = dc ⊙ i and
    /// dprev_c = dc ⊙ f; through the nonlinearities da_i = i(1-i) di, da_f = f(1-f) df, da_o = o(1-o) do,
    /// da_g = (1-g²) dg; with da = [da_i, da_f, da_o, da_g] (N, 4H): dx = da·Wxᵀ, dprev_h = da·Whᵀ, dWx = xᵀ·da,
    /// dWh = prev_hᵀ·da, db = Σ_n da.
    /// </summary>
    /// <param name="dnextH">Gradient of the next hidden state, (N, H).</param>
    /// <param name="dnextC">Gradient of the next cell state, (N, H).</param>
    /// <param name="cache">The cache from <see cref="LstmStepForward{T}"/>.</param>
    /// <returns>dx, dprev_h, dprev_c, dWx, dWh and db.</returns>
    /// <exception cref="ArgumentException">An upstream gradient does not have the shape of its output.</exception>
    public static LstmStepGrads<T> LstmStepBackward<T>(Tensor<T> dnextH, Tensor<T> dnextC, LstmStepCache<T> cache)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUpstream("LstmStepBackward", "dnext_h", dnextH, cache.NextC.Shape);
        CheckUpstream("LstmStepBackward", "dnext_c", dnextC, cache.NextC.Shape);
        var (i, f, o, g) = (cache.I, cache.F, cache.O, cache.G);
        var dO = dnextH * cache.TanhNextC;
        var dc = dnextC + dnextH * o * (T.One - cache.TanhNextC.Square());
        var dprevC = dc * f;
        var df = dc * cache.PrevC;
        var di = dc * g;
        var dg = dc * i;
        var dai = i * (T.One - i) * di;
        var daf = f * (T.One - f) * df;
        var dao = o * (T.One - o) * dO;
        var dag = (T.One - g.Square()) * dg;
        var da = Tensor.Concat([dai, daf, dao, dag], 1);
        var dx = DotT(da, cache.Wx);
        var dprevH = DotT(da, cache.Wh);
        var dWx = TDot(cache.X, da);
        var dWh = TDot(cache.PrevH, da);
        var db = da.Sum(0);
        return new LstmStepGrads<T>(dx, dprevH, dprevC, dWx, dWh, db);
    }

    /// <summary>
    /// An LSTM over a whole sequence (seed: <c>lstm_forward</c>): <see cref="LstmStepForward{T}"/> for t = 0..T-1
    /// from h0 and, as in the seed, an initial cell state c0 = 0 (the cell state is internal and not returned).
    /// </summary>
    /// <param name="x">Input data, (N, T, D).</param>
    /// <param name="h0">Initial hidden state, (N, H).</param>
    /// <param name="wx">Weights for input-to-hidden connections, (D, 4H).</param>
    /// <param name="wh">Weights for hidden-to-hidden connections, (H, 4H).</param>
    /// <param name="b">Biases, (4H,).</param>
    /// <returns>h, the hidden states of all time steps of all sequences (N, T, H), and the cache for <see cref="LstmBackward{T}"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    public static (Tensor<T> H, LstmCache<T> Cache) LstmForward<T>(Tensor<T> x, Tensor<T> h0, Tensor<T> wx, Tensor<T> wh, Tensor<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = Check("LstmForward", [A("x", x, "N,T,D"), A("h0", h0, "N,H"), A("Wx", wx, "D,4H"), A("Wh", wh, "H,4H"), A("b", b, "4H")]);
        int steps = dims["T"];
        var hs = new Tensor<T>[steps];
        var caches = new LstmStepCache<T>[steps];
        var h = h0;
        var c = Tensor.ZerosLike(h0);
        for (int t = 0; t < steps; t++)
        {
            (h, c, caches[t]) = LstmStepForward(x.Select(1, t), h, c, wx, wh, b);
            hs[t] = h;
        }
        var all = Tensor.Stack(hs, 1);
        return (all, new LstmCache<T>(caches, all.ShapeArray));
    }

    /// <summary>
    /// Backward pass of an LSTM over a whole sequence (seed: <c>lstm_backward</c>). Walks the steps from T-1 down to 0;
    /// the last step receives no cell-state gradient (dnext_c = 0), every earlier step receives dh[:, t, :] plus the
    /// dprev_h and the dprev_c of the step after it. The weight gradients are the sums of the steps'.
    /// </summary>
    /// <param name="dh">Upstream gradients of the hidden states, (N, T, H).</param>
    /// <param name="cache">The cache from <see cref="LstmForward{T}"/>.</param>
    /// <returns>dx, dh0, dWx, dWh and db.</returns>
    /// <exception cref="ArgumentException"><paramref name="dh"/> does not have h's shape.</exception>
    public static LstmGrads<T> LstmBackward<T>(Tensor<T> dh, LstmCache<T> cache) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUpstream("LstmBackward", "dh", dh, cache.HShape.ToArray());
        int steps = cache.Steps.Count;
        var dxs = new Tensor<T>[steps];
        Tensor<T>? dprevH = null, dWx = null, dWh = null, db = null;
        var dprevC = Tensor.ZerosLike(cache.Steps[^1].NextC);
        for (int t = steps - 1; t >= 0; t--)
        {
            var dnextH = dprevH is null ? dh.Select(1, t) : dh.Select(1, t) + dprevH;
            var g = LstmStepBackward(dnextH, dprevC, cache.Steps[t]);
            dxs[t] = g.Dx;
            (dprevH, dprevC) = (g.DPrevH, g.DPrevC);
            Sum(ref dWx, g.DWx);
            Sum(ref dWh, g.DWh);
            Sum(ref db, g.Db);
        }
        return new LstmGrads<T>(Tensor.Stack(dxs, 1), dprevH!, dWx!, dWh!, db!);
    }
}
