using System.Numerics;

namespace MiniTorch.Autograd.Functions;

/// <summary>
/// a·b for (M,K)·(K,N), (…,M,K)·(K,N) (one big GEMM over all leading axes) and (…,M,K)·(…,K,N).
/// Backward: dA = dC·Bᵀ and dB = Aᵀ·dC, computed with transposed GEMMs straight into the gradient buffers.
/// </summary>
public sealed class MatMul<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _a = null!, _b = null!;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { _a = x[0]; _b = x[1]; return _a.MatMul(_b); }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        if (_b.Rank == 2)
        {
            if (grads.Needs(0)) Tensor.MatMulInto(g, false, _b, true, grads.Buffer(0), accumulate: true);
            if (grads.Needs(1))
            {
                // Explicit row count: Reshape(-1, 0) is ambiguous when K or N is 0.
                int rows = Shapes.Prod(_a.Shape, 0, _a.Rank - 1), k = _a.Dim(-1), n = g.Dim(-1);
                Tensor.MatMulInto(_a.Reshape(rows, k), true, g.Reshape(rows, n), false, grads.Buffer(1), accumulate: true);
            }
            return;
        }
        int m = _a.Dim(-2), kk = _a.Dim(-1), nn = _b.Dim(-1), batch = Shapes.Prod(_a.Shape, 0, _a.Rank - 2);
        Tensor<T>? da = grads.Needs(0) ? grads.Buffer(0) : null, db = grads.Needs(1) ? grads.Buffer(1) : null;
        for (int i = 0; i < batch; i++)
        {
            var gi = g.Reshape(batch, m, nn).Select(0, i);
            if (da is not null) Tensor.MatMulInto(gi, false, _b.Reshape(batch, kk, nn).Select(0, i), true, da.Reshape(batch, m, kk).Select(0, i), true);
            if (db is not null) Tensor.MatMulInto(_a.Reshape(batch, m, kk).Select(0, i), true, gi, false, db.Reshape(batch, kk, nn).Select(0, i), true);
        }
    }
}
