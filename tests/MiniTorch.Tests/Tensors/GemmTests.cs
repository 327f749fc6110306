using System.Numerics;
using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace MiniTorch.Tests.Tensors;

/// <summary>
/// <see cref="Gemm.Multiply{T}"/> against a float64 triple loop. Matrices sit in spans with row strides longer than
/// their rows; every element outside the matrices is NaN in A and B (so reading one poisons the result) and a sentinel
/// in C (which must survive). The tolerance is the worst-case bound of a length-K sum, (K+3)·eps·(Σ|a||b| + |c0|).
/// </summary>
public class GemmTests
{
    /// <summary>One product to check: sizes, transposes, accumulate, extra stride per operand, data seed.</summary>
    public sealed record Case(int M, int N, int K, bool TransA, bool TransB, bool Accumulate, int PadA, int PadB, int PadC, int Seed)
    {
        public override string ToString() =>
            $"m={M} n={N} k={K} transA={TransA} transB={TransB} accumulate={Accumulate} pads=({PadA},{PadB},{PadC}) seed={Seed}";
    }

    private const float Sentinel = 1234.5f;

    /// <summary>Runs <paramref name="g"/> and asserts every element against the reference; returns C for further checks.</summary>
    internal static T[] CheckCase<T>(Case g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)g.Seed);
        int aRows = g.TransA ? g.K : g.M, aCols = g.TransA ? g.M : g.K, lda = aCols + g.PadA;
        int bRows = g.TransB ? g.N : g.K, bCols = g.TransB ? g.K : g.N, ldb = bCols + g.PadB;
        int ldc = g.N + g.PadC;
        T[] a = Matrix<T>(rng, aRows, aCols, lda, T.NaN), b = Matrix<T>(rng, bRows, bCols, ldb, T.NaN);
        T[] c = Matrix<T>(rng, g.M, g.N, ldc, T.CreateTruncating(Sentinel));
        T[] c0 = (T[])c.Clone();

        Gemm.Multiply<T>(g.TransA, g.TransB, g.M, g.N, g.K, a, lda, b, ldb, c, ldc, g.Accumulate);

        double eps = typeof(T) == typeof(float) ? Math.Pow(2, -23) : Math.Pow(2, -52);
        for (int i = 0; i < g.M; i++)
            for (int j = 0; j < g.N; j++)
            {
                double s = 0, mag = 0;
                for (int p = 0; p < g.K; p++)
                {
                    double x = double.CreateTruncating(g.TransA ? a[p * lda + i] : a[i * lda + p]);
                    double y = double.CreateTruncating(g.TransB ? b[j * ldb + p] : b[p * ldb + j]);
                    s += x * y;
                    mag += Math.Abs(x * y);
                }
                double init = g.Accumulate ? double.CreateTruncating(c0[i * ldc + j]) : 0;
                double expected = init + s, got = double.CreateTruncating(c[i * ldc + j]);
                double tol = (g.K + 3) * eps * (mag + Math.Abs(init));
                if (!(Math.Abs(got - expected) <= tol))
                    Assert.Fail($"{typeof(T).Name} {g}: C[{i},{j}] = {got:R}, expected {expected:R} within {tol:G3}.");
            }
        for (int i = 0; i < c.Length; i++)
        {
            bool inside = i % ldc < g.N && i / ldc < g.M;
            if (!inside && !c[i].Equals(c0[i]))
                Assert.Fail($"{typeof(T).Name} {g}: element {i} outside C (stride {ldc}) was changed to {c[i]}.");
        }
        return c;
    }

    /// <summary>A rows×cols matrix of normal values at row stride ld, with <paramref name="fill"/> everywhere else
    /// (including one extra stride after the last row).</summary>
    internal static T[] Matrix<T>(Rng rng, int rows, int cols, int ld, T fill) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = new T[Math.Max(1, rows * ld + ld)];
        Array.Fill(m, fill);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) m[i * ld + j] = T.CreateTruncating(rng.NextNormal());
        return m;
    }

    private static readonly int[] OddSizes = [1, 3, 17, 33, 65];

    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void OddSizesMatchTheTripleLoop(bool ta, bool tb)
    {
        int seed = 0;
        foreach (int m in OddSizes)
            foreach (int n in OddSizes)
                foreach (int k in OddSizes)
                {
                    seed++;
                    var g = new Case(m, n, k, ta, tb, seed % 2 == 0, seed % 3, (seed / 3) % 3, (seed / 9) % 3, seed);
                    CheckCase<double>(g);
                    CheckCase<float>(g with { Accumulate = !g.Accumulate });
                }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void SizesAcrossBlockBoundariesMatchTheTripleLoop(bool ta, bool tb)
    {
        // 257 crosses several row blocks and column panels, K = 1100 several K slices; with 300 the product is large
        // enough for the parallel driver.
        (int, int, int)[] shapes = [(257, 3, 17), (3, 257, 33), (17, 33, 257), (65, 257, 257), (257, 257, 257), (300, 300, 300), (13, 40, 1100)];
        int seed = 100;
        foreach (var (m, n, k) in shapes)
        {
            seed++;
            var g = new Case(m, n, k, ta, tb, seed % 2 == 0, 1, 2, 3, seed);
            CheckCase<double>(g);
            CheckCase<float>(g with { Accumulate = !g.Accumulate, PadA = 0, PadB = 0, PadC = 0 });
        }
    }

    private static Arbitrary<Case> SmallCases()
    {
        var gen =
            from m in Gen.Choose(1, 80)
            from n in Gen.Choose(1, 80)
            from k in Gen.Choose(1, 80)
            from ta in Gen.Elements(false, true)
            from tb in Gen.Elements(false, true)
            from acc in Gen.Elements(false, true)
            from pa in Gen.Choose(0, 5)
            from pb in Gen.Choose(0, 5)
            from pc in Gen.Choose(0, 5)
            from seed in Gen.Choose(0, 1_000_000)
            select new Case(m, n, k, ta, tb, acc, pa, pb, pc, seed);
        static IEnumerable<Case> Shrink(Case g)
        {
            if (g.M > 1) yield return g with { M = g.M / 2 };
            if (g.N > 1) yield return g with { N = g.N / 2 };
            if (g.K > 1) yield return g with { K = g.K / 2 };
            if (g.PadA + g.PadB + g.PadC > 0) yield return g with { PadA = 0, PadB = 0, PadC = 0 };
            if (g.Accumulate) yield return g with { Accumulate = false };
        }
        return Arb.From(gen, Shrink);
    }

    [Property(MaxTest = 100)]
    public Property RandomSizesMatchTheTripleLoopInFloat64() =>
        Prop.ForAll(SmallCases(), g => { CheckCase<double>(g); });

    [Property(MaxTest = 100)]
    public Property RandomSizesMatchTheTripleLoopInFloat32() =>
        Prop.ForAll(SmallCases(), g => { CheckCase<float>(g); });

    [Fact]
    public void ZeroKClearsOrKeepsCAndEmptyOutputsAreAccepted()
    {
        var c = new double[] { 1, 2, 3, 4 };
        Gemm.Multiply<double>(false, false, 2, 2, 0, [], 0, [], 2, c, 2, accumulate: true);
        Assert.Equal([1.0, 2, 3, 4], c);
        Gemm.Multiply<double>(false, false, 2, 2, 0, [], 0, [], 2, c, 2, accumulate: false);
        Assert.Equal([0.0, 0, 0, 0], c);
        Gemm.Multiply<double>(false, false, 0, 3, 2, [], 2, new double[6], 3, [], 3, accumulate: false);
    }

    [Fact]
    public void InfinityInAnOperandReachesOnlyItsRowAndColumn()
    {
        // Zero padding inside partial tiles must not turn an infinity into NaN in other elements.
        int m = 13, n = 35, k = 7;
        var a = new float[m * k];
        var b = new float[k * n];
        Array.Fill(a, 1f);
        Array.Fill(b, 1f);
        a[12 * k + 3] = float.PositiveInfinity;
        var c = new float[m * n];
        Gemm.Multiply<float>(false, false, m, n, k, a, k, b, n, c, n, false);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(i == 12 ? float.PositiveInfinity : k, c[i * n + j]);
    }

    [Fact]
    public void BadArgumentsThrowNamingTheSizesBeforeWriting()
    {
        var a = new float[12];
        var b = new float[12];
        var c = new float[9];
        Array.Fill(c, 7f);

        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, -1, 3, 4, a, 4, b, 3, c, 3, false));
        Assert.Contains("m=-1", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, 3, 3, 4, a, 3, b, 3, c, 3, false));
        Assert.Contains("m=3, n=3, k=4", e.Message);
        Assert.Contains("A stored as 3×4 with row stride 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, 3, 3, 5, a, 5, b, 3, c, 3, false));
        Assert.Contains("needs a stride of at least 5 and 15 elements, but the span holds 12", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, true, 3, 3, 4, a, 4, b, 3, c, 3, false));
        Assert.Contains("B (transposed) stored as 3×4 with row stride 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, 3, 4, 4, a, 4, b, 3, c, 4, false));
        Assert.Contains("B stored as 4×4", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, 3, 3, 4, a, 4, b, 3, c, 2, false));
        Assert.Contains("C stored as 3×3 with row stride 2", e.Message);
        var shared = new float[30];
        e = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply<float>(false, false, 2, 2, 2, shared.AsSpan(0, 4), 2, shared.AsSpan(4, 4), 2, shared.AsSpan(2, 4), 2, false));
        Assert.Contains("C overlaps A", e.Message);
        Assert.All(c, x => Assert.Equal(7f, x));
    }
}

/// <summary>Thread-count independence; in one collection run alone, since it sets <see cref="Parallelism.MaxThreads"/>.</summary>
[Collection(nameof(ParallelismCollection))]
public class GemmParallelTests
{
    [Fact]
    public void LargeProductsUseTheParallelPathAndMatchTheTripleLoop()
    {
        Assert.Equal(2, GemmDriver<float>.ThreadsFor(300, 300, 300, 2));
        Assert.Equal(1, GemmDriver<float>.ThreadsFor(300, 300, 300, 1));
        Assert.Equal(1, GemmDriver<float>.ThreadsFor(16, 64, 256, 2));
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            GemmTests.CheckCase<float>(new GemmTests.Case(300, 300, 300, false, false, false, 0, 0, 0, 7));
            GemmTests.CheckCase<double>(new GemmTests.Case(300, 300, 300, true, true, true, 1, 1, 1, 8));
            // Few rows: the work is split over column panels instead of rows; more columns than one column block.
            GemmTests.CheckCase<float>(new GemmTests.Case(7, 2100, 200, false, true, true, 0, 3, 1, 9));
            // A plain B and a transposed A this large are packed rather than read in place.
            GemmTests.CheckCase<double>(new GemmTests.Case(60, 1100, 500, false, false, true, 2, 1, 0, 10));
            GemmTests.CheckCase<float>(new GemmTests.Case(601, 30, 1000, true, false, false, 1, 0, 2, 11));
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    public static TheoryData<int, int, int, bool, bool> Shapes => new()
    {
        { 300, 300, 300, false, false }, { 300, 300, 300, true, true }, { 129, 517, 290, false, true },
        { 7, 2100, 200, true, false }, { 1030, 40, 70, false, false }, { 60, 1100, 500, false, false }, { 60, 300, 1100, false, false }, { 601, 40, 1000, true, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OutputIsBitIdenticalForOneAndTwoThreadsAndAcrossRuns(int m, int n, int k, bool ta, bool tb)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            var f1 = Run<float>(1, m, n, k, ta, tb);
            var d1 = Run<double>(1, m, n, k, ta, tb);
            for (int rep = 0; rep < 3; rep++)
            {
                Assert.True(BitEqual(f1, Run<float>(2, m, n, k, ta, tb)), $"float32 differs with 2 threads (run {rep})");
                Assert.True(BitEqual(d1, Run<double>(2, m, n, k, ta, tb)), $"float64 differs with 2 threads (run {rep})");
            }
            Assert.True(BitEqual(f1, Run<float>(1, m, n, k, ta, tb)), "float32 differs between two 1-thread runs");
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>
    /// A row of C is the same bits whatever the product's row count, for a plain and a transposed A: rows fall into
    /// full MR-row tiles, into the shorter row-mode tiles that read a plain A's last rows in place, or into a packed
    /// remainder, and every one of those computes an element as the same multiply-add chain. Every M from 1 to
    /// 3·MR + 1 is compared with the first M rows of a (3·MR + 1)-row product, and with the triple loop.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RowsGetTheSameBitsWhateverTileHeightComputesThem(bool transA)
    {
        int mr = GemmKernels<float>.MR, mMax = 3 * mr + 1, n = 2 * GemmKernels<float>.NR + 3, k = 37;
        var rng = new Rng(11);
        float[] full = rng.Normal<float>([mMax * k]).ToArray(), b = rng.Normal<float>([k * n]).ToArray();
        float[] reference = new float[mMax * n];
        Gemm.Multiply<float>(transA, false, mMax, n, k, full, transA ? mMax : k, b, n, reference, n, false);
        for (int m = 1; m <= mMax; m++)
        {
            // The first m rows of op(A): a plain A's first m rows, or the first m columns of a transposed one.
            var a = new float[m * k];
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++) a[transA ? p * m + i : i * k + p] = transA ? full[p * mMax + i] : full[i * k + p];
            var c = new float[m * n];
            Gemm.Multiply<float>(transA, false, m, n, k, a, transA ? m : k, b, n, c, n, false);
            Assert.True(BitEqual(reference.AsSpan(0, m * n).ToArray(), c), $"m={m} (MR={mr}, row tiles {string.Join(",", GemmKernels<float>.RowHeights)}): rows differ from the same rows of an m={mMax} product");
            GemmTests.CheckCase<float>(new GemmTests.Case(m, n, k, transA, false, m % 2 == 0, 0, 0, 0, m));
        }
    }

    [Fact]
    public void ConcurrentCallersGetTheSameBitsAsOneThread()
    {
        // Several threads run parallel products at once: one gets the worker pool, the others run on their own.
        int saved = Parallelism.MaxThreads;
        try
        {
            var expected = Run<float>(1, 150, 170, 160, false, true);
            Parallelism.MaxThreads = 2;
            var failures = 0;
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                for (int r = 0; r < 10; r++)
                {
                    var rng = new Rng(5);
                    var a = rng.Normal<float>([150 * 160]).ToArray();
                    var b = rng.Normal<float>([160 * 170]).ToArray();
                    var c = rng.Normal<float>([150 * 170]).ToArray();
                    Gemm.Multiply<float>(false, true, 150, 170, 160, a, 160, b, 160, c, 170, accumulate: true);
                    if (!BitEqual(expected, c)) Interlocked.Increment(ref failures);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Equal(0, failures);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void WorkerPoolUsesAtMostTheAllowedThreadsAndRethrowsTaskErrors()
    {
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        var ran = new int[64];
        GemmWorkers.Run(t => { seen[Environment.CurrentManagedThreadId] = true; Thread.SpinWait(20_000); ran[t]++; }, 64, 2);
        Assert.All(ran, x => Assert.Equal(1, x));
        Assert.InRange(seen.Count, 1, 2);

        var e = Assert.Throws<AggregateException>(() => GemmWorkers.Run(t => { if (t == 3) throw new InvalidOperationException("task 3"); }, 8, 2));
        Assert.Equal("task 3", e.InnerException!.Message);

        var again = new int[16];
        GemmWorkers.Run(t => again[t]++, 16, 2);
        Assert.All(again, x => Assert.Equal(1, x));
    }

    /// <summary>
    /// C = D + op(A)·op(B) with the addend read by the tiles as they store C gives the bits of copying D into C and then
    /// accumulating the product: a full addend (row stride above N) and a bias row (stride 0), sizes across tile, panel
    /// and K-slice boundaries (K = 600: two slices, only the first adds D), every transpose, 1 and 2 threads, and K = 0.
    /// Elements of C outside the matrix are untouched.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1, false, false)]
    [InlineData(31, 70, 37, false, false)]
    [InlineData(33, 65, 600, false, true)]
    [InlineData(29, 47, 45, true, false)]
    [InlineData(300, 300, 300, true, true)]
    [InlineData(17, 33, 0, false, false)]
    public void AnAddendReadByTheTilesGivesTheBitsOfCopyThenAccumulate(int m, int n, int k, bool ta, bool tb)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Parallelism.MaxThreads = threads;
                AddendCase<float>(m, n, k, ta, tb);
                AddendCase<double>(m, n, k, ta, tb);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private static void AddendCase<T>(int m, int n, int k, bool ta, bool tb) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(11);
        int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 3;
        var a = GemmTests.Matrix(rng, ta ? k : m, ta ? m : k, lda, T.NaN);
        var b = GemmTests.Matrix(rng, tb ? n : k, tb ? k : n, ldb, T.NaN);
        foreach (int ldd in new[] { n + 5, 0 })
        {
            var d = ldd == 0 ? GemmTests.Matrix(rng, 1, n, n, T.NaN) : GemmTests.Matrix(rng, m, n, ldd, T.NaN);
            var expected = new T[m * ldc + ldc];
            Array.Fill(expected, T.CreateTruncating(-7.0));
            var actual = (T[])expected.Clone();
            for (int i = 0; i < m; i++) d.AsSpan(i * ldd, n).CopyTo(expected.AsSpan(i * ldc, n));
            Gemm.Multiply<T>(ta, tb, m, n, k, a, lda, b, ldb, expected, ldc, accumulate: true);
            Gemm.Multiply<T>(ta, tb, m, n, k, a, lda, b, ldb, actual, ldc, accumulate: false, null, 0, d, ldd);
            Assert.True(BitEqual(expected, actual), $"{typeof(T).Name} m={m} n={n} k={k} ta={ta} tb={tb} ldd={ldd}: C = D + A·B differs from copy-then-accumulate");
        }
    }

    /// <summary>
    /// Σᵢ aᵢᵀ·gᵢ packed from the pairs where they lie gives the bits of stacking them and multiplying: pieces of
    /// uneven heights (an empty one among them), K across slice boundaries (pieces straddling them), widths across
    /// tile and panel edges, 1 and 2 threads, float and double; and the output is accumulated into.
    /// </summary>
    [Theory]
    [InlineData(new[] { 3 }, 5, 7)]
    [InlineData(new[] { 0, 0, 3, 0, 0, 0, 4, 0 }, 5, 7)]
    [InlineData(new[] { 16, 16, 16, 0, 16 }, 64, 256)]
    [InlineData(new[] { 200, 1, 300, 211, 7 }, 29, 33)]
    [InlineData(new[] { 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32 }, 130, 260)]
    public void ProductsReadWhereTheyLieGiveTheBitsOfStackingThem(int[] heights, int k, int n)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Parallelism.MaxThreads = threads;
                PiecesCase<float>(heights, k, n);
                PiecesCase<double>(heights, k, n);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private static void PiecesCase<T>(int[] heights, int k, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(17);
        var pairs = heights.Select(h => (rng.Normal<T>([h, k]), rng.Normal<T>([h, n]))).ToList();
        var start = rng.Normal<T>([k, n]);
        var expected = start.Clone();
        Tensor.MatMulInto(Tensor.Concat(pairs.Select(p => p.Item1).ToList(), 0), true, Tensor.Concat(pairs.Select(p => p.Item2).ToList(), 0), false, expected, accumulate: true);
        var actual = start.Clone();
        Tensor.AddTransposedProducts(pairs, actual);
        Assert.True(BitEqual(expected.ToArray(), actual.ToArray()), $"{typeof(T).Name} heights [{string.Join(", ", heights)}] k={k} n={n}: differs from stacking");
    }

    [Fact]
    public void ProductsReadWhereTheyLieAreCheckedBeforeAnythingIsWritten()
    {
        var c = Tensor.Full(7.0, 3, 2);
        var e = Assert.Throws<ArgumentException>(() => Tensor.AddTransposedProducts([(Tensor.Ones<double>(4, 3), Tensor.Ones<double>(4, 2)), (Tensor.Ones<double>(4, 3), Tensor.Ones<double>(5, 2))], c));
        Assert.Equal("AddTransposedProducts: pair 1, transpose of (4, 3) times (5, 2), does not give (3, 2).", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.AddTransposedProducts([(c, Tensor.Ones<double>(3, 2))], Tensor.Full(0.0, 3)));
        Assert.Equal("AddTransposedProducts: the output must be a matrix, got (3,).", e.Message);
        var big = Tensor.Full(7.0, 4, 2);
        e = Assert.Throws<ArgumentException>(() => Tensor.AddTransposedProducts([(Tensor.Ones<double>(2, 2), big.Narrow(0, 1, 2))], big.Narrow(0, 0, 2)));
        Assert.Equal("AddTransposedProducts: the output (2, 2) shares memory with pair 0; it must be separate.", e.Message);
        Assert.All(c.ToArray(), x => Assert.Equal(7.0, x));
        Assert.All(big.ToArray(), x => Assert.Equal(7.0, x));
    }

    [Fact]
    public void AnAddendIsCheckedBeforeAnythingIsWritten()
    {
        var a = new float[6];
        var b = new float[6];
        var c = new float[4];
        Array.Fill(c, 7f);
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, 2, 2, 3, a, 3, b, 2, c, 2, true, null, 0, new float[4], 2));
        Assert.Equal("Gemm: an addend D is given, so C is overwritten (accumulate must be false).", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, 2, 2, 3, a, 3, b, 2, c, 2, false, null, 0, new float[3], 2));
        Assert.Equal("Gemm (m=2, n=2, k=3): the addend D stored as 2×2 with row stride 2 needs a stride of 0 or at least 2 and 4 elements, but the span holds 3.", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, 2, 2, 3, a, 3, b, 2, c, 2, false, null, 0, new float[4], 1));
        Assert.Contains("row stride 1 needs a stride of 0 or at least 2", e.Message);
        var shared = new float[8];
        Array.Fill(shared, 7f);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(false, false, 2, 2, 3, a, 3, b, 2, shared.AsSpan(0, 4), 2, false, null, 0, shared.AsSpan(3, 4), 2));
        Assert.Equal("Gemm (m=2, n=2, k=3): the addend D overlaps C; the output must be separate memory.", e.Message);
        Assert.All(c, x => Assert.Equal(7f, x));
        Assert.All(shared, x => Assert.Equal(7f, x));
    }

    [Fact]
    public void MaxThreadsRejectsLessThanOne()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = 0);
        Assert.Contains("at least 1", e.Message);
        Assert.True(Parallelism.MaxThreads >= 1);
    }

    private static T[] Run<T>(int threads, int m, int n, int k, bool ta, bool tb) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parallelism.MaxThreads = threads;
        var rng = new Rng(5);
        var a = rng.Normal<T>([m * k]).ToArray();
        var b = rng.Normal<T>([k * n]).ToArray();
        var c = rng.Normal<T>([m * n]).ToArray();
        Gemm.Multiply<T>(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, c, n, accumulate: true);
        return c;
    }

    private static bool BitEqual<T>(T[] x, T[] y) where T : unmanaged =>
        MemoryMarshal.AsBytes(x.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(y.AsSpan()));
}

/// <summary>Tests that change process-wide settings run in this collection, never beside other tests.</summary>
[CollectionDefinition(nameof(ParallelismCollection), DisableParallelization = true)]
public class ParallelismCollection;
