namespace MiniTorch.Tests.Tensors;

/// <summary>
/// <see cref="GemmPackCache{T}"/>: a right operand used by products in a row is packed once and reused; the results are
/// the bits of the uncached product (for 1 and 2 threads), and an in-place write to the operand makes the next product
/// use the new values. In the parallelism collection: it sets <see cref="Parallelism.MaxThreads"/>.
/// </summary>
[Collection(nameof(ParallelismCollection))]
public class GemmPackCacheTests
{
    // (64, 512)·(512, 2048): B is too large to be read in place, so it is packed, and all of it fits one packed buffer:
    // the shape of the LSTM large step's recurrent product, where the cache applies.
    private const int M = 64, K = 512, N = 2048;

    /// <summary>op(a)·op(b) through the span API, which never uses the cache.</summary>
    private static float[] Uncached(Tensor<float> a, Tensor<float> b, bool transB)
    {
        var c = new float[M * N];
        Gemm.Multiply<float>(false, transB, M, N, K, a.AsSpan(), K, b.AsSpan(), b.Shape[1], c, N, false);
        return c;
    }

    private static bool BitEqual(float[] x, ReadOnlySpan<float> y) =>
        x.Length == y.Length && x.AsSpan().SequenceEqual(y);

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void AReusedOperandIsPackedOnceAndGivesTheUncachedBits(int threads, bool transB)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            var rng = new Rng(3);
            var a = rng.Normal<float>([M, K]);
            var b = rng.Normal<float>(transB ? [N, K] : [K, N]);
            var expected = Uncached(a, b, transB);
            var c = new Tensor<float>([M, N]);
            for (int use = 0; use < 4; use++)
            {
                // First use: recorded; second: packed into the cache while computing; then reused.
                Tensor.MatMulInto(a, false, b, transB, c, accumulate: false);
                Assert.True(BitEqual(expected, c.AsSpan()), $"use {use} differs from the uncached product");
                Assert.Equal(use >= 1, GemmPackCache<float>.HoldsPacked(b, b.Version));
            }
            if (!transB) Assert.True(BitEqual(expected, a.MatMul(b).AsSpan()), "MatMul with the cached operand differs");
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>
    /// A product with few rows reads a plain B in place, unless B is a tensor the cache may hold and is larger than
    /// <see cref="GemmDriver{T}.CachedBeyondBytes"/> (a recurrent weight at every step): then it is packed once and
    /// reused, with the bits of the in-place product. A small B stays in place and out of the cache.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AFewRowProductPacksALargeNamedOperandOnceAndGivesTheInPlaceBits(int threads)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            var rng = new Rng(5);
            foreach (var (m, k, n, cached) in new[] { (32, 256, 1024, true), (16, 64, 64, false), (5, 100, 130, true) })
            {
                Assert.Equal(cached, (long)k * n * sizeof(float) > GemmDriver<float>.CachedBeyondBytes);
                var a = rng.Normal<float>([m, k]);
                var b = rng.Normal<float>([k, n]);
                var expected = new float[m * n];
                Gemm.Multiply<float>(false, false, m, n, k, a.AsSpan(), k, b.AsSpan(), n, expected, n, false); // in place, no cache
                var c = new Tensor<float>([m, n]);
                for (int use = 0; use < 3; use++)
                {
                    Tensor.MatMulInto(a, false, b, false, c, accumulate: false);
                    Assert.True(BitEqual(expected, c.AsSpan()), $"({m}, {k})·({k}, {n}) use {use} differs from the in-place product");
                    Assert.Equal(cached && use >= 1, GemmPackCache<float>.HoldsPacked(b, b.Version));
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void AnInPlaceWriteToTheOperandIsSeenByTheNextProduct()
    {
        var rng = new Rng(4);
        var a = rng.Normal<float>([M, K]);
        var b = rng.Normal<float>([K, N]);
        for (int use = 0; use < 3; use++) a.MatMul(b);
        Assert.True(GemmPackCache<float>.HoldsPacked(b, b.Version));
        var before = a.MatMul(b).AsSpan().ToArray();

        // Through the library: the version changes and the stale entry is not used.
        Tensor.AddInPlace(b, rng.Normal<float>([K, N]));
        var after = a.MatMul(b).AsSpan().ToArray();
        Assert.True(BitEqual(Uncached(a, b, false), after), "the product after AddInPlace used the stale packed operand");
        Assert.False(BitEqual(before, after));

        // Through the span, announced with MarkModified, after the new version was cached again.
        for (int use = 0; use < 3; use++) a.MatMul(b);
        Assert.True(GemmPackCache<float>.HoldsPacked(b, b.Version));
        b.AsSpan()[5 * N + 7] += 100f;
        b.MarkModified();
        Assert.True(BitEqual(Uncached(a, b, false), a.MatMul(b).AsSpan()), "the product after MarkModified used the stale packed operand");
    }

    [Fact]
    public void TheCacheHoldsABoundedNumberOfOperands()
    {
        var rng = new Rng(5);
        var a = rng.Normal<float>([M, K]);
        var kept = new List<Tensor<float>>();
        for (int i = 0; i < GemmPackCache<float>.Capacity + 4; i++)
        {
            var b = rng.Normal<float>([K, N]);
            kept.Add(b);
            a.MatMul(b);
            a.MatMul(b);
        }
        Assert.InRange(GemmPackCache<float>.Count, 1, GemmPackCache<float>.Capacity);
        Assert.InRange(GemmPackCache<float>.PackedBytes, 1, GemmPackCache<float>.MaxBytes);
        Assert.True(GemmPackCache<float>.HoldsPacked(kept[^1], kept[^1].Version), "the most recent operand was evicted");
        Assert.False(GemmPackCache<float>.HoldsPacked(kept[0], kept[0].Version), "the least recent operand was kept");
    }
}
