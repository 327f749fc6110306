using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Reference;

/// <summary>What <see cref="Cs231n.RnnStepForward{T}"/> keeps for its backward pass (the seed's <c>cache</c> tuple).</summary>
public sealed record RnnStepCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal RnnStepCache(Tensor<T> x, Tensor<T> prevH, Tensor<T> wx, Tensor<T> wh, Tensor<T> nextH)
    {
        X = x; PrevH = prevH; Wx = wx; Wh = wh; NextH = nextH;
    }

    /// <summary>The step's input x, (N, D).</summary>
    public Tensor<T> X { get; }
    /// <summary>The previous hidden state prev_h, (N, H).</summary>
    public Tensor<T> PrevH { get; }
    /// <summary>Input-to-hidden weights Wx, (D, H).</summary>
    public Tensor<T> Wx { get; }
    /// <summary>Hidden-to-hidden weights Wh, (H, H).</summary>
    public Tensor<T> Wh { get; }
    /// <summary>The output next_h = tanh(a), (N, H); tanh's derivative is taken from it as 1 - next_h².</summary>
    public Tensor<T> NextH { get; }
}

/// <summary>The gradients returned by <see cref="Cs231n.RnnStepBackward{T}"/>.</summary>
/// <param name="Dx">Gradient of the input data, (N, D).</param>
/// <param name="DPrevH">Gradient of the previous hidden state, (N, H).</param>
/// <param name="DWx">Gradient of the input-to-hidden weights, (D, H).</param>
/// <param name="DWh">Gradient of the hidden-to-hidden weights, (H, H).</param>
/// <param name="Db">Gradient of the bias, (H,).</param>
public sealed record RnnStepGrads<T>(Tensor<T> Dx, Tensor<T> DPrevH, Tensor<T> DWx, Tensor<T> DWh, Tensor<T> Db)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>What <see cref="Cs231n.RnnForward{T}"/> keeps for its backward pass: one step cache per time step.</summary>
public sealed record RnnCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal RnnCache(IReadOnlyList<RnnStepCache<T>> steps, int[] hShape) { Steps = steps; HShape = hShape; }

    /// <summary>The caches of steps 0..T-1.</summary>
    public IReadOnlyList<RnnStepCache<T>> Steps { get; }
    /// <summary>The shape of the forward output h, (N, T, H).</summary>
    public IReadOnlyList<int> HShape { get; }
}

/// <summary>The gradients returned by <see cref="Cs231n.RnnBackward{T}"/>.</summary>
/// <param name="Dx">Gradient of the inputs, (N, T, D).</param>
/// <param name="Dh0">Gradient of the initial hidden state, (N, H).</param>
/// <param name="DWx">Gradient of the input-to-hidden weights, (D, H).</param>
/// <param name="DWh">Gradient of the hidden-to-hidden weights, (H, H).</param>
/// <param name="Db">Gradient of the bias, (H,).</param>
public sealed record RnnGrads<T>(Tensor<T> Dx, Tensor<T> Dh0, Tensor<T> DWx, Tensor<T> DWh, Tensor<T> Db)
    where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Cs231n
{
    /// <summary>
    /// One time step of a vanilla tanh RNN (seed: <c>rnn_step_forward</c>): next_h = tanh(x·Wx + prev_h·Wh + b).
    /// </summary>
    /// <param name="x">Input data for this time step, (N, D).</param>
    /// <param name="prevH">Hidden state from the previous time step, (N, H).</param>
    /// <param name="wx">Weight matrix for input-to-hidden connections, (D, H).</param>
    /// <param name="wh">Weight matrix for hidden-to-hidden connections, (H, H).</param>
    /// <param name="b">Biases, (H,).</param>
    /// <returns>next_h, the next hidden state (N, H), and the cache for <see cref="RnnStepBackward{T}"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    public static (Tensor<T> NextH, RnnStepCache<T> Cache) RnnStepForward<T>(Tensor<T> x, Tensor<T> prevH, Tensor<T> wx, Tensor<T> wh, Tensor<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("RnnStepForward", [A("x", x, "N,D"), A("prev_h", prevH, "N,H"), A("Wx", wx, "D,H"), A("Wh", wh, "H,H"), A("b", b, "H")]);
        var a = x.MatMul(wx) + prevH.MatMul(wh) + b;
        var nextH = a.Tanh();
        return (nextH, new RnnStepCache<T>(x, prevH, wx, wh, nextH));
    }

    /// <summary>
    /// Backward pass of one RNN step (seed: <c>rnn_step_backward</c>). With da = dnext_h ⊙ (1 - next_h²):
    /// dx = da·Wxᵀ, dprev_h = da·Whᵀ, dWx = xᵀ·da, dWh = prev_hᵀ·da, db = Σ_n da.
    /// </summary>
    /// <param name="dnextH">Gradient of the loss with respect to the next hidden state, (N, H).</param>
    /// <param name="cache">The cache from <see cref="RnnStepForward{T}"/>.</param>
    /// <returns>dx, dprev_h, dWx, dWh and db.</returns>
    /// <exception cref="ArgumentException"><paramref name="dnextH"/> does not have next_h's shape.</exception>
    public static RnnStepGrads<T> RnnStepBackward<T>(Tensor<T> dnextH, RnnStepCache<T> cache) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUpstream("RnnStepBackward", "dnext_h", dnextH, cache.NextH.Shape);
        var da = dnextH * (T.One - cache.NextH.Square()); // tanh'(a) = 1 - tanh(a)²
        var db = da.Sum(0);
        var dWh = TDot(cache.PrevH, da);
        var dprevH = DotT(da, cache.Wh);
        var dWx = TDot(cache.X, da);
        var dx = DotT(da, cache.Wx);
        return new RnnStepGrads<T>(dx, dprevH, dWx, dWh, db);
    }

    /// <summary>
    /// A vanilla RNN over a whole sequence (seed: <c>rnn_forward</c>): h_t = tanh(x_t·Wx + h_{t-1}·Wh + b) for
    /// t = 0..T-1, starting from h0; returns the hidden states of all time steps.
    /// </summary>
    /// <param name="x">Input data for the entire time series, (N, T, D).</param>
    /// <param name="h0">Initial hidden state, (N, H).</param>
    /// <param name="wx">Weight matrix for input-to-hidden connections, (D, H).</param>
    /// <param name="wh">Weight matrix for hidden-to-hidden connections, (H, H).</param>
    /// <param name="b">Biases, (H,).</param>
    /// <returns>h, the hidden states for the entire time series (N, T, H), and the cache for <see cref="RnnBackward{T}"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    public static (Tensor<T> H, RnnCache<T> Cache) RnnForward<T>(Tensor<T> x, Tensor<T> h0, Tensor<T> wx, Tensor<T> wh, Tensor<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = Check("RnnForward", [A("x", x, "N,T,D"), A("h0", h0, "N,H"), A("Wx", wx, "D,H"), A("Wh", wh, "H,H"), A("b", b, "H")]);
        int steps = dims["T"];
        var hs = new Tensor<T>[steps];
        var caches = new RnnStepCache<T>[steps];
        var h = h0;
        for (int t = 0; t < steps; t++)
        {
            (h, caches[t]) = RnnStepForward(x.Select(1, t), h, wx, wh, b);
            hs[t] = h;
        }
        var all = Tensor.Stack(hs, 1);
        return (all, new RnnCache<T>(caches, all.ShapeArray));
    }

    /// <summary>
    /// Backward pass of an RNN over a whole sequence (seed: <c>rnn_backward</c>). Walks the steps from T-1 down to 0;
    /// the gradient reaching h_t is the upstream dh[:, t, :] plus the dprev_h coming back from step t+1.
    /// The weight gradients are the sums of the steps' weight gradients.
    /// </summary>
    /// <param name="dh">
    /// Upstream gradients of all hidden states, (N, T, H): the gradients produced by the individual losses at each
    /// time step, not the gradients passed between time steps (those are computed here).
    /// </param>
    /// <param name="cache">The cache from <see cref="RnnForward{T}"/>.</param>
    /// <returns>dx, dh0, dWx, dWh and db.</returns>
    /// <exception cref="ArgumentException"><paramref name="dh"/> does not have h's shape.</exception>
    public static RnnGrads<T> RnnBackward<T>(Tensor<T> dh, RnnCache<T> cache) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUpstream("RnnBackward", "dh", dh, cache.HShape.ToArray());
        int steps = cache.Steps.Count;
        var dxs = new Tensor<T>[steps];
        Tensor<T>? dprevH = null, dWx = null, dWh = null, db = null;
        for (int t = steps - 1; t >= 0; t--)
        {
            var dnext = dprevH is null ? dh.Select(1, t) : dh.Select(1, t) + dprevH;
            var g = RnnStepBackward(dnext, cache.Steps[t]);
            dxs[t] = g.Dx;
            dprevH = g.DPrevH;
            Sum(ref dWx, g.DWx);
            Sum(ref dWh, g.DWh);
            Sum(ref db, g.Db);
        }
        return new RnnGrads<T>(Tensor.Stack(dxs, 1), dprevH!, dWx!, dWh!, db!);
    }
}
