using System.Numerics;
using System.Runtime.InteropServices;

namespace MiniTorch;

public static partial class Tensor
{
    /// <summary>
    /// Matrix product with PyTorch's rules for the shapes MiniTorch supports: (M,K)·(K,N); (…,M,K)·(K,N), done as one
    /// (B·M,K)·(K,N) product; and (…,M,K)·(…,K,N) with equal batch axes.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes are not one of those forms or the inner sizes differ.</exception>
    /// <param name="a">The left operand, (…, M, K).</param>
    /// <param name="b">The right operand, (K, N) or (…, K, N).</param>
    /// <returns>A new tensor (…, M, N).</returns>
    public static Tensor<T> MatMul<T>(this Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, false, false, "MatMul");
        int m = a.Dim(-2), k = a.Dim(-1), n = b.Dim(-1);
        var shape = a.ShapeArray;
        shape[^1] = n;
        var c = Tensor<T>.Uninitialized(shape); // the GEMM writes every element (with k = 0 it clears them)
        if (b.Rank == 2)
            Gemm.Multiply<T>(false, false, Shapes.Prod(a.Shape, 0, a.Rank - 1), n, k, a.AsSpan(), k, b.AsSpan(), n, c.AsSpan(), n, false, b, b.Version);
        else
        {
            int batch = Shapes.Prod(a.Shape, 0, a.Rank - 2);
            for (int i = 0; i < batch; i++)
                Gemm.Multiply<T>(false, false, m, n, k, a.AsSpan().Slice(i * m * k, m * k), k,
                    b.AsSpan().Slice(i * k * n, k * n), n, c.AsSpan().Slice(i * m * n, m * n), n, false);
        }
        return c;
    }

    /// <summary>
    /// 2-D product op(A)·op(B) written into (or, with <paramref name="accumulate"/>, added to) <paramref name="c"/>,
    /// where op transposes without copying. A (…,M,K) left operand with rank &gt; 2 is treated as (B·M, K).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not multiply into <paramref name="c"/>'s, or
    /// <paramref name="c"/> shares memory with an operand; <paramref name="c"/> is unchanged then.</exception>
    /// <param name="a">The left operand.</param>
    /// <param name="transA">Whether to use the transpose of <paramref name="a"/>.</param>
    /// <param name="b">The right operand.</param>
    /// <param name="transB">Whether to use the transpose of <paramref name="b"/>.</param>
    /// <param name="c">The output matrix.</param>
    /// <param name="accumulate">Whether to add to <paramref name="c"/> instead of overwriting it.</param>
    public static void MatMulInto<T>(Tensor<T> a, bool transA, Tensor<T> b, bool transB, Tensor<T> c, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> => MatMulInto(a, transA, b, transB, c, accumulate, null);

    /// <summary>
    /// Whether <see cref="MatMulInto{T}(Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T})"/> takes <paramref name="addend"/>
    /// for an output of <paramref name="shape"/>: the output's own shape, or one row of its last size (a bias).
    /// </summary>
    internal static bool IsProductAddend<T>(Tensor<T> addend, ReadOnlySpan<int> shape) where T : unmanaged, INumber<T> =>
        addend.HasShape(shape) || (shape.Length > 0 && addend.Rank >= 1 && addend.Length == shape[^1] && addend.Dim(-1) == shape[^1]);

    /// <summary>
    /// c = addend + a·b, the addend (c's shape, or one row of its last size added to every row) read by the GEMM's tiles
    /// as they store c rather than copied into c first. The same values, bit for bit, as copying it and then adding the
    /// product (<see cref="MatMulInto{T}(Tensor{T}, bool, Tensor{T}, bool, Tensor{T}, bool)"/> with accumulate).
    /// </summary>
    internal static void MatMulInto<T>(Tensor<T> addend, Tensor<T> a, Tensor<T> b, Tensor<T> c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!IsProductAddend(addend, c.Shape))
            throw new ArgumentException($"MatMulInto: the addend {addend.ShapeString} is neither the output's shape {c.ShapeString} nor one row of it.");
        MatMulInto(a, false, b, false, c, accumulate: false, addend);
    }

    private static void MatMulInto<T>(Tensor<T> a, bool transA, Tensor<T> b, bool transB, Tensor<T> c, bool accumulate, Tensor<T>? addend)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Rank < 2 || b.Rank != 2 || c.Rank < 2)
            throw new ArgumentException($"MatMulInto: needs matrices, got {a.ShapeString}, {b.ShapeString} into {c.ShapeString}.");
        int ar = Shapes.Prod(a.Shape, 0, a.Rank - 1), ac = a.Dim(-1);
        if (transA && a.Rank != 2) throw new ArgumentException($"MatMulInto: a transposed left operand must be 2-D, got {a.ShapeString}.");
        int m = transA ? ac : ar, k = transA ? ar : ac;
        int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        int cr = Shapes.Prod(c.Shape, 0, c.Rank - 1);
        if (k != kb || cr != m || c.Dim(-1) != n)
            throw new ArgumentException($"MatMulInto: {(transA ? "transpose of " : "")}{a.ShapeString} times {(transB ? "transpose of " : "")}{b.ShapeString} does not give {c.ShapeString}.");
        if (c.AsSpan().Overlaps(a.AsSpan()) || c.AsSpan().Overlaps(b.AsSpan()) || (addend is not null && c.AsSpan().Overlaps(addend.AsSpan())))
            throw new ArgumentException($"MatMulInto: the output {c.ShapeString} shares memory with an operand ({a.ShapeString}, {b.ShapeString}{(addend is null ? "" : $", addend {addend.ShapeString}")}); it must be separate.");
        // b and its version identify B's values, so a B used by products in a row (a recurrent weight) is packed once.
        Gemm.Multiply<T>(transA, transB, m, n, k, a.AsSpan(), ac, b.AsSpan(), b.Shape[1], c.AsSpan(), n, accumulate, b, b.Version,
            addend is null ? default : addend.AsSpan(), addend is null ? -1 : addend.HasShape(c.Shape) ? n : 0);
        c.MarkModified();
    }

    /// <summary>
    /// c += Σᵢ aᵢᵀ·gᵢ (c = Σᵢ aᵢᵀ·gᵢ without <paramref name="accumulate"/>) over <paramref name="pairs"/> (aᵢ (Mᵢ, K), gᵢ (Mᵢ, N), c (K, N)) as one GEMM over the pairs' rows
    /// in order, each pair read where it lies instead of stacked into two matrices first: a layer's weight gradient
    /// from its T per-step products. The same bits as stacking and multiplying.
    /// </summary>
    /// <exception cref="ArgumentException">A pair's shapes do not give c's, or c shares memory with an operand.</exception>
    internal static unsafe void AddTransposedProducts<T>(IReadOnlyList<(Tensor<T> A, Tensor<T> G)> pairs, Tensor<T> c, bool accumulate = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (c.Rank != 2) throw new ArgumentException($"AddTransposedProducts: the output must be a matrix, got {c.ShapeString}.");
        int k = c.Shape[0], n = c.Shape[1], count = pairs.Count;
        var start = new int[count + 1];
        for (int i = 0; i < count; i++)
        {
            var (a, g) = pairs[i];
            if (a.Rank != 2 || g.Rank != 2 || a.Shape[0] != g.Shape[0] || a.Shape[1] != k || g.Shape[1] != n)
                throw new ArgumentException($"AddTransposedProducts: pair {i}, transpose of {a.ShapeString} times {g.ShapeString}, does not give {c.ShapeString}.");
            if (c.AsSpan().Overlaps(a.AsSpan()) || c.AsSpan().Overlaps(g.AsSpan()))
                throw new ArgumentException($"AddTransposedProducts: the output {c.ShapeString} shares memory with pair {i}; it must be separate.");
            start[i + 1] = start[i] + a.Shape[0];
        }
        var handles = new GCHandle[2 * count];
        try
        {
            var aBase = new nint[count];
            var gBase = new nint[count];
            for (int i = 0; i < count; i++)
            {
                var (a, g) = pairs[i];
                handles[2 * i] = GCHandle.Alloc(a.Buffer, GCHandleType.Pinned);
                handles[2 * i + 1] = GCHandle.Alloc(g.Buffer, GCHandleType.Pinned);
                aBase[i] = (nint)((T*)handles[2 * i].AddrOfPinnedObject() + a.Offset);
                gBase[i] = (nint)((T*)handles[2 * i + 1].AddrOfPinnedObject() + g.Offset);
            }
            // Tensors are contiguous: every aᵢ has rows of k values, every gᵢ rows of n.
            Gemm.MultiplyPieces(k, n, new GemmRows<T>(start, aBase, k), new GemmRows<T>(start, gBase, n), c.AsSpan(), n, accumulate);
        }
        finally
        {
            foreach (var h in handles) if (h.IsAllocated) h.Free();
        }
        c.MarkModified();
    }

    internal static void CheckMatMul<T>(Tensor<T> a, Tensor<T> b, bool transA, bool transB, string op) where T : unmanaged, INumber<T>
    {
        bool ok = a.Rank >= 2 && b.Rank >= 2 && a.Dim(-1) == b.Dim(-2) && (b.Rank == 2 || a.Rank == b.Rank);
        for (int i = 0; ok && b.Rank > 2 && i < a.Rank - 2; i++) ok = a.Shape[i] == b.Shape[i];
        if (!ok)
            throw new ArgumentException($"{op}: cannot multiply {a.ShapeString} by {b.ShapeString} (need (…,M,K)·(K,N) or equal batch axes (…,M,K)·(…,K,N)).");
    }
}
