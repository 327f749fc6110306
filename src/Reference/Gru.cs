using System.Numerics;
using static MiniTorch.Signature;

namespace MiniTorch.Reference;

/// <summary>What <see cref="Cs231n.GruStepForward{T}"/> keeps for its backward pass.</summary>
public sealed record GruStepCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal GruStepCache(Tensor<T> x, Tensor<T> prevH, Tensor<T> wx, Tensor<T> wh, Tensor<T> r, Tensor<T> z, Tensor<T> n, Tensor<T> ghN)
    {
        X = x; PrevH = prevH; Wx = wx; Wh = wh; R = r; Z = z; N = n; GhN = ghN;
    }

    /// <summary>The step's input x, (N, D).</summary>
    public Tensor<T> X { get; }
    /// <summary>The previous hidden state prev_h, (N, H).</summary>
    public Tensor<T> PrevH { get; }
    /// <summary>Input-to-hidden weights Wx, (D, 3H).</summary>
    public Tensor<T> Wx { get; }
    /// <summary>Hidden-to-hidden weights Wh, (H, 3H).</summary>
    public Tensor<T> Wh { get; }
    /// <summary>Reset gate r, (N, H).</summary>
    public Tensor<T> R { get; }
    /// <summary>Update gate z, (N, H).</summary>
    public Tensor<T> Z { get; }
    /// <summary>Candidate state n, (N, H).</summary>
    public Tensor<T> N { get; }
    /// <summary>The hidden side of the candidate's pre-activation, prev_h·Wh_n + bh_n, (N, H) (what r multiplies).</summary>
    public Tensor<T> GhN { get; }
}

/// <summary>The gradients returned by <see cref="Cs231n.GruStepBackward{T}"/>.</summary>
/// <param name="Dx">Gradient of the input data, (N, D).</param>
/// <param name="DPrevH">Gradient of the previous hidden state, (N, H).</param>
/// <param name="DWx">Gradient of the input-to-hidden weights, (D, 3H).</param>
/// <param name="DWh">Gradient of the hidden-to-hidden weights, (H, 3H).</param>
/// <param name="Dbx">Gradient of the input-side bias, (3H,).</param>
/// <param name="Dbh">Gradient of the hidden-side bias, (3H,).</param>
public sealed record GruStepGrads<T>(Tensor<T> Dx, Tensor<T> DPrevH, Tensor<T> DWx, Tensor<T> DWh, Tensor<T> Dbx, Tensor<T> Dbh)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>What <see cref="Cs231n.GruForward{T}"/> keeps for its backward pass: one step cache per time step.</summary>
public sealed record GruCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal GruCache(IReadOnlyList<GruStepCache<T>> steps, int[] hShape) { Steps = steps; HShape = hShape; }

    /// <summary>The caches of steps 0..T-1.</summary>
    public IReadOnlyList<GruStepCache<T>> Steps { get; }
    /// <summary>The shape of the forward output h, (N, T, H).</summary>
    public IReadOnlyList<int> HShape { get; }
}

/// <summary>The gradients returned by <see cref="Cs231n.GruBackward{T}"/>.</summary>
/// <param name="Dx">Gradient of the input data, (N, T, D).</param>
/// <param name="Dh0">Gradient of the initial hidden state, (N, H).</param>
/// <param name="DWx">Gradient of the input-to-hidden weights, (D, 3H).</param>
/// <param name="DWh">Gradient of the hidden-to-hidden weights, (H, 3H).</param>
/// <param name="Dbx">Gradient of the input-side bias, (3H,).</param>
/// <param name="Dbh">Gradient of the hidden-side bias, (3H,).</param>
public sealed record GruGrads<T>(Tensor<T> Dx, Tensor<T> Dh0, Tensor<T> DWx, Tensor<T> DWh, Tensor<T> Dbx, Tensor<T> Dbh)
    where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Cs231n
{
    /// <summary>
    /// One time step of a GRU in PyTorch's formulation (<c>torch.nn.GRUCell</c>), written in the seed's style and
    /// layout. The input side gx = x·Wx + bx and the hidden side gh = prev_h·Wh + bh (each (N, 3H)) are split into
    /// H-wide blocks in the order r, z, n: r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r ⊙ gh_n) and
    /// next_h = (1 - z) ⊙ n + z ⊙ prev_h. Two biases are needed because bh_n sits inside r ⊙ gh_n.
    /// σ is the stable <see cref="Sigmoid{T}"/>.
    /// </summary>
    /// <param name="x">Input data, (N, D).</param>
    /// <param name="prevH">Previous hidden state, (N, H).</param>
    /// <param name="wx">Input-to-hidden weights, (D, 3H).</param>
    /// <param name="wh">Hidden-to-hidden weights, (H, 3H).</param>
    /// <param name="bx">Input-side bias, (3H,).</param>
    /// <param name="bh">Hidden-side bias, (3H,).</param>
    /// <returns>next_h (N, H) and the cache for <see cref="GruStepBackward{T}"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    public static (Tensor<T> NextH, GruStepCache<T> Cache) GruStepForward<T>(
        Tensor<T> x, Tensor<T> prevH, Tensor<T> wx, Tensor<T> wh, Tensor<T> bx, Tensor<T> bh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = Check("GruStepForward",
            [A("x", x, "N,D"), A("prev_h", prevH, "N,H"), A("Wx", wx, "D,3H"), A("Wh", wh, "H,3H"), A("bx", bx, "3H"), A("bh", bh, "3H")]);
        return GruStep(x, prevH, wx, wh, bx, bh, dims["H"]);
    }

    private static (Tensor<T> NextH, GruStepCache<T> Cache) GruStep<T>(
        Tensor<T> x, Tensor<T> prevH, Tensor<T> wx, Tensor<T> wh, Tensor<T> bx, Tensor<T> bh, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gx = x.MatMul(wx) + bx;
        var gh = prevH.MatMul(wh) + bh;
        var r = Sigmoid(gx.Narrow(1, 0, hidden) + gh.Narrow(1, 0, hidden));
        var z = Sigmoid(gx.Narrow(1, hidden, hidden) + gh.Narrow(1, hidden, hidden));
        var ghN = gh.Narrow(1, 2 * hidden, hidden);
        var n = (gx.Narrow(1, 2 * hidden, hidden) + r * ghN).Tanh();
        var nextH = (T.One - z) * n + z * prevH;
        return (nextH, new GruStepCache<T>(x, prevH, wx, wh, r, z, n, ghN));
    }

    /// <summary>
    /// Backward pass of one GRU step. From next_h = (1 - z) ⊙ n + z ⊙ prev_h: dn = dnext_h ⊙ (1 - z),
    /// dz = dnext_h ⊙ (prev_h - n), and prev_h receives dnext_h ⊙ z directly. Through the nonlinearities (s = the
    /// pre-activations): ds_n = (1 - n²) dn; the candidate's pre-activation gx_n + r ⊙ gh_n gives dr = ds_n ⊙ gh_n and
    /// dgh_n = ds_n ⊙ r; ds_r = r(1 - r) dr, ds_z = z(1 - z) dz. With dgx = [ds_r, ds_z, ds_n] and
    /// dgh = [ds_r, ds_z, ds_n ⊙ r] (each (N, 3H)): dx = dgx·Wxᵀ, dWx = xᵀ·dgx, dbx = Σ_n dgx,
    /// dprev_h = dgh·Whᵀ + dnext_h ⊙ z, dWh = prev_hᵀ·dgh, dbh = Σ_n dgh.
    /// </summary>
    /// <param name="dnextH">Gradient of the next hidden state, (N, H).</param>
    /// <param name="cache">The cache from <see cref="GruStepForward{T}"/>.</param>
    /// <returns>The gradients of the step's inputs and parameters.</returns>
    /// <exception cref="ArgumentException"><paramref name="dnextH"/> does not have next_h's shape.</exception>
    public static GruStepGrads<T> GruStepBackward<T>(Tensor<T> dnextH, GruStepCache<T> cache) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUpstream("GruStepBackward", "dnext_h", dnextH, cache.N.Shape);
        var (r, z, n) = (cache.R, cache.Z, cache.N);
        var dn = dnextH * (T.One - z);
        var dz = dnextH * (cache.PrevH - n);
        var dsN = (T.One - n.Square()) * dn;
        var dsR = r * (T.One - r) * (dsN * cache.GhN);
        var dsZ = z * (T.One - z) * dz;
        var dgx = Tensor.Concat([dsR, dsZ, dsN], 1);
        var dgh = Tensor.Concat([dsR, dsZ, dsN * r], 1);
        var dx = DotT(dgx, cache.Wx);
        var dprevH = DotT(dgh, cache.Wh) + dnextH * z;
        var dWx = TDot(cache.X, dgx);
        var dWh = TDot(cache.PrevH, dgh);
        return new GruStepGrads<T>(dx, dprevH, dWx, dWh, dgx.Sum(0), dgh.Sum(0));
    }

    /// <summary>
    /// A GRU over a whole sequence (<c>torch.nn.GRU</c> with batch_first and one layer, in the seed's layout):
    /// <see cref="GruStepForward{T}"/> for t = 0..T-1 from h0.
    /// </summary>
    /// <param name="x">Input data, (N, T, D).</param>
    /// <param name="h0">Initial hidden state, (N, H).</param>
    /// <param name="wx">Input-to-hidden weights, (D, 3H).</param>
    /// <param name="wh">Hidden-to-hidden weights, (H, 3H).</param>
    /// <param name="bx">Input-side bias, (3H,).</param>
    /// <param name="bh">Hidden-side bias, (3H,).</param>
    /// <returns>h, the hidden states of all time steps (N, T, H), and the cache for <see cref="GruBackward{T}"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not fit the signature above.</exception>
    public static (Tensor<T> H, GruCache<T> Cache) GruForward<T>(
        Tensor<T> x, Tensor<T> h0, Tensor<T> wx, Tensor<T> wh, Tensor<T> bx, Tensor<T> bh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = Check("GruForward",
            [A("x", x, "N,T,D"), A("h0", h0, "N,H"), A("Wx", wx, "D,3H"), A("Wh", wh, "H,3H"), A("bx", bx, "3H"), A("bh", bh, "3H")]);
        int steps = dims["T"];
        var hs = new Tensor<T>[steps];
        var caches = new GruStepCache<T>[steps];
        var h = h0;
        for (int t = 0; t < steps; t++)
        {
            (h, caches[t]) = GruStep(x.Select(1, t), h, wx, wh, bx, bh, dims["H"]);
            hs[t] = h;
        }
        var all = Tensor.Stack(hs, 1);
        return (all, new GruCache<T>(caches, all.ShapeArray));
    }

    /// <summary>
    /// Backward pass of a GRU over a whole sequence. Walks the steps from T-1 down to 0; the gradient reaching h_t is
    /// dh[:, t, :] plus the dprev_h of step t+1. The parameter gradients are the sums of the steps'.
    /// </summary>
    /// <param name="dh">Upstream gradients of the hidden states, (N, T, H).</param>
    /// <param name="cache">The cache from <see cref="GruForward{T}"/>.</param>
    /// <returns>The gradients of x, h0 and the parameters.</returns>
    /// <exception cref="ArgumentException"><paramref name="dh"/> does not have h's shape.</exception>
    public static GruGrads<T> GruBackward<T>(Tensor<T> dh, GruCache<T> cache) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUpstream("GruBackward", "dh", dh, cache.HShape.ToArray());
        int steps = cache.Steps.Count;
        var dxs = new Tensor<T>[steps];
        Tensor<T>? dprevH = null, dWx = null, dWh = null, dbx = null, dbh = null;
        for (int t = steps - 1; t >= 0; t--)
        {
            var dnext = dprevH is null ? dh.Select(1, t) : dh.Select(1, t) + dprevH;
            var g = GruStepBackward(dnext, cache.Steps[t]);
            dxs[t] = g.Dx;
            dprevH = g.DPrevH;
            Sum(ref dWx, g.DWx);
            Sum(ref dWh, g.DWh);
            Sum(ref dbx, g.Dbx);
            Sum(ref dbh, g.Dbh);
        }
        return new GruGrads<T>(Tensor.Stack(dxs, 1), dprevH!, dWx!, dWh!, dbx!, dbh!);
    }
}
