using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Functions;

// The LSTM cell's pointwise part as two fused ops (what PyTorch's fused LSTM cell kernel does), so a step costs two
// ops instead of twelve and keeps only what its backward needs. The pre-activation a (N, 4H) holds the seed's gate
// blocks i, f, o, g side by side: i = σ(a_i), f = σ(a_f), o = σ(a_o), g = tanh(a_g).

/// <summary>
/// The new cell state c = f ⊙ c_prev + i ⊙ g from a (N, 4H) and c_prev (N, H); with no c_prev (a zero initial state)
/// c = i ⊙ g. Backward: dc_prev = dc ⊙ f; da_i = dc ⊙ g ⊙ i(1-i); da_f = dc ⊙ c_prev ⊙ f(1-f); da_g = dc ⊙ i ⊙ (1-g²),
/// added into a's gradient buffer in place.
/// </summary>
public sealed class LstmCellState<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _ifg = null!; // (N, 3H): i, f, g
    private Tensor<T>? _cPrev;
    private int _h;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        var a = x[0];
        _cPrev = x.Length > 1 ? x[1] : null;
        if (_cPrev is not null) SaveForBackward(_cPrev);
        _h = LstmShapes.Hidden(a, _cPrev, "LstmCellState");
        int n = a.Shape[0], h = _h;
        _ifg = SavedBuffer(n, 3 * h);
        var c = new Tensor<T>(n, h);
        ReadOnlySpan<T> A = a.AsSpan();
        Span<T> G = _ifg.AsSpan(), C = c.AsSpan();
        for (int r = 0; r < n; r++)
        {
            var row = A.Slice(r * 4 * h, 4 * h);
            Span<T> i = G.Slice(r * 3 * h, h), f = G.Slice(r * 3 * h + h, h), g = G.Slice(r * 3 * h + 2 * h, h), cr = C.Slice(r * h, h);
            SpanMath.Sigmoid<T>(row[..h], i);
            SpanMath.Tanh<T>(row.Slice(3 * h, h), g);
            TP.Multiply<T>(i, g, cr);
            if (_cPrev is null) continue;
            SpanMath.Sigmoid<T>(row.Slice(h, h), f);
            TP.MultiplyAdd<T>(f, _cPrev.AsSpan().Slice(r * h, h), cr, cr);
        }
        return c;
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> dcT, Gradients<T> grads)
    {
        int n = dcT.Shape[0], h = _h;
        ReadOnlySpan<T> G = _ifg.AsSpan(), dC = dcT.AsSpan();
        if (grads.Needs(0))
        {
            var dA = grads.Buffer(0).AsSpan();
            Span<T> t = new T[h];
            for (int r = 0; r < n; r++)
            {
                ReadOnlySpan<T> i = G.Slice(r * 3 * h, h), f = G.Slice(r * 3 * h + h, h), g = G.Slice(r * 3 * h + 2 * h, h), dc = dC.Slice(r * h, h);
                var da = dA.Slice(r * 4 * h, 4 * h);
                LstmShapes.AddGateGrad(da[..h], dc, g, i, t, sigmoid: true);            // dc ⊙ g ⊙ i(1-i)
                LstmShapes.AddGateGrad(da.Slice(3 * h, h), dc, i, g, t, sigmoid: false); // dc ⊙ i ⊙ (1-g²)
                if (_cPrev is not null)
                    LstmShapes.AddGateGrad(da.Slice(h, h), dc, _cPrev.AsSpan().Slice(r * h, h), f, t, sigmoid: true); // dc ⊙ c_prev ⊙ f(1-f)
            }
        }
        if (_cPrev is not null && grads.Needs(1))
        {
            var D = grads.Buffer(1).AsSpan(); // dc_prev += dc ⊙ f
            for (int r = 0; r < n; r++) TP.MultiplyAdd<T>(dC.Slice(r * h, h), G.Slice(r * 3 * h + h, h), D.Slice(r * h, h), D.Slice(r * h, h));
        }
    }
}

/// <summary>
/// The new hidden state h = o ⊙ tanh(c) from a (N, 4H) and the new cell state c (N, H). Backward:
/// da_o = dh ⊙ tanh(c) ⊙ o(1-o), added into a's gradient buffer; dc = dh ⊙ o ⊙ (1 - tanh²(c)).
/// </summary>
public sealed class LstmCellOutput<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _o = null!, _tanhC = null!;
    private int _h;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        var (a, c) = (x[0], x[1]);
        _h = LstmShapes.Hidden(a, c, "LstmCellOutput");
        int n = a.Shape[0], h = _h;
        _o = SavedBuffer(n, h);
        _tanhC = SavedBuffer(n, h);
        SpanMath.Tanh<T>(c.AsSpan(), _tanhC.AsSpan());
        var y = new Tensor<T>(n, h);
        ReadOnlySpan<T> A = a.AsSpan();
        for (int r = 0; r < n; r++) SpanMath.Sigmoid<T>(A.Slice(r * 4 * h + 2 * h, h), _o.AsSpan().Slice(r * h, h));
        TP.Multiply<T>(_o.AsSpan(), _tanhC.AsSpan(), y.AsSpan());
        return y;
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> dhT, Gradients<T> grads)
    {
        int n = dhT.Shape[0], h = _h;
        ReadOnlySpan<T> O = _o.AsSpan(), TC = _tanhC.AsSpan(), dH = dhT.AsSpan();
        Span<T> t = new T[h]; // scratch row for both gradients
        if (grads.Needs(0))
        {
            var dA = grads.Buffer(0).AsSpan();
            for (int r = 0; r < n; r++)
                LstmShapes.AddGateGrad(dA.Slice(r * 4 * h + 2 * h, h), dH.Slice(r * h, h), TC.Slice(r * h, h), O.Slice(r * h, h), t, sigmoid: true);
        }
        if (grads.Needs(1))
        {
            var D = grads.Buffer(1).AsSpan(); // dc += dh ⊙ o ⊙ (1 - tanh²(c))
            for (int r = 0; r < n; r++)
                LstmShapes.AddGateGrad(D.Slice(r * h, h), dH.Slice(r * h, h), O.Slice(r * h, h), TC.Slice(r * h, h), t, sigmoid: false);
        }
    }
}

internal static class LstmShapes
{
    /// <summary>Checks a (N, 4H) against a state (N, H) and returns H.</summary>
    public static int Hidden<T>(Tensor<T> a, Tensor<T>? state, string op) where T : unmanaged, INumber<T>
    {
        if (a.Rank != 2 || a.Shape[1] % 4 != 0 || a.Shape[1] == 0)
            throw new ArgumentException($"{op}: the pre-activation must be (N, 4H), got {a.ShapeString}.");
        int h = a.Shape[1] / 4;
        if (state is not null && !state.HasShape([a.Shape[0], h]))
            throw new ArgumentException($"{op}: the cell state must be (N, H) = ({a.Shape[0]}, {h}) for a pre-activation {a.ShapeString}, got {state.ShapeString}.");
        return h;
    }

    /// <summary>
    /// da += d ⊙ other ⊙ s'(act), where s' = act(1-act) for a sigmoid activation and 1-act² for tanh;
    /// <paramref name="tmp"/> is scratch of the same length.
    /// </summary>
    public static void AddGateGrad<T>(Span<T> da, ReadOnlySpan<T> d, ReadOnlySpan<T> other, ReadOnlySpan<T> act, Span<T> tmp, bool sigmoid)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TP.Multiply(act, act, tmp);                               // act²
        if (sigmoid) TP.Subtract(act, tmp, tmp);                  // act - act² = act (1 - act)
        else TP.Subtract(T.One, tmp, tmp);                        // 1 - act²
        TP.Multiply<T>(tmp, other, tmp);
        TP.MultiplyAdd<T>(tmp, d, da, da);
    }
}
