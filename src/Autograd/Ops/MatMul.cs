using System.Numerics;

namespace MiniTorch.Autograd.Functions;

/// <summary>
/// a·b for (M,K)·(K,N), (…,M,K)·(K,N) (one big GEMM over all leading axes) and (…,M,K)·(…,K,N).
/// Backward: dA = dC·Bᵀ and dB = Aᵀ·dC, computed with transposed GEMMs straight into the gradient buffers; for a
/// 2-D right operand dB goes through <see cref="Gradients{T}.AccumulateProduct"/>, so a weight used at every time step
/// gets one large GEMM instead of T small ones.
/// </summary>
public sealed class MatMul<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _a = null!, _b = null!;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x) { SaveForBackward(_a = x[0], _b = x[1]); return _a.MatMul(_b); }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        if (_b.Rank == 2)
        {
            if (grads.Needs(0)) { var dst = grads.BufferToWrite(0, out bool fresh); grads.AddProductWithTranspose(g, _b, dst, accumulate: !fresh); }
            if (grads.Needs(1)) grads.AccumulateProduct(1, _a.AsMatrix(), g.AsMatrix());
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

/// <summary>
/// c + a·b in one op (torch.addmm, batched over a's leading axes): c broadcasts to the product's shape (…, M, N), so a
/// bias (N,) or a full (…, M, N) addend both work. The product is accumulated by the GEMM straight onto a copy of c,
/// so the sum costs no extra pass. Backward: dc = g (summed back to c's shape by the engine), da = g·bᵀ,
/// db = aᵀ·g (deferred for a leaf weight, see <see cref="Gradients{T}.AccumulateProduct"/>).
/// </summary>
public sealed class AddMatMul<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> _a = null!, _b = null!;

    /// <inheritdoc/>
    protected override Tensor<T> Forward(Tensor<T>[] x)
    {
        var (c, a, b) = (x[0], x[1], x[2]);
        if (a.Rank < 2 || b.Rank != 2 || a.Dim(-1) != b.Dim(0))
            throw new ArgumentException($"AddMatMul: cannot multiply {a.ShapeString} by {b.ShapeString} (need (…,M,K)·(K,N)).");
        var shape = a.ShapeArray;
        shape[^1] = b.Dim(1);
        var full = Shapes.Broadcast(c.Shape, shape, "AddMatMul");
        if (!full.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"AddMatMul: addend {c.ShapeString} does not broadcast to the product's shape {Shapes.Str(shape)}.");
        SaveForBackward(_a = a, _b = b);
        if (!Tensor.IsProductAddend(c, shape))
        {
            var sum = c.BroadcastTo(shape); // e.g. a column (M, 1): copied out, then the product added
            Tensor.MatMulInto(a, false, b, false, sum, accumulate: true);
            return sum;
        }
        var y = Tensor<T>.Uninitialized(shape);
        Tensor.MatMulInto(c, a, b, y); // the GEMM adds the addend (same shape, or a bias row) as it stores y
        return y;
    }

    /// <inheritdoc/>
    protected internal override void Backward(Tensor<T> g, Gradients<T> grads)
    {
        grads.Accumulate(0, g);
        if (grads.Needs(1)) { var da = grads.BufferToWrite(1, out bool fresh); grads.AddProductWithTranspose(g, _b, da, accumulate: !fresh); }
        if (grads.Needs(2)) grads.AccumulateProduct(2, _a.AsMatrix(), g.AsMatrix());
    }
}
