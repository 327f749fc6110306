using System.Numerics;
using MiniTorch.Autograd;
using MiniTorch.Autograd.Fusion;
using MiniTorch.Tests.Tensors;

namespace MiniTorch.Tests.Fusion;

/// <summary>
/// A fused op large enough to be split over threads (whole chunks of rows per thread) gives the same bits with one and
/// two threads, forward and backward; a broadcast argument's gradient (whose rows sum over all chunks) too; and a rule
/// failing on some thread surfaces as itself. In the collection that runs alone: it sets <see cref="Parallelism.MaxThreads"/>.
/// </summary>
[Collection(nameof(ParallelismCollection))]
public class FuseThreadsTests
{
    /// <summary>Values and gradients of the fused gates at <paramref name="threads"/> threads, flattened in one list.</summary>
    private static List<T[]> Run<T>(int threads, int n, int h, Rng rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            var fused = Fuse.Pointwise<T>(FuseTests.LstmGates);
            var a = rng.Normal<T>([n, 4 * h], std: 2).RequiresGrad();
            var c = rng.Normal<T>([n, h]).RequiresGrad();
            var (gh, gc) = (rng.Normal<T>([n, h]).AsVariable(), rng.Normal<T>([n, h]).AsVariable());
            var (hNext, cNext) = fused(a, c);
            (hNext * gh + cNext * gc).Sum().Backward();
            return [hNext.Data.AsSpan().ToArray(), cNext.Data.AsSpan().ToArray(), a.Grad!.AsSpan().ToArray(), c.Grad!.AsSpan().ToArray()];
        }
        finally { Parallelism.MaxThreads = saved; }
    }

    [Theory]
    [InlineData(37, 128)] // 37 rows of width 512: above the split threshold, rows not a multiple of the chunk
    [InlineData(600, 8)] // 600 rows of width 32
    public void OneAndTwoThreadsGiveTheSameBits(int n, int h)
    {
        Assert.True((long)n * 4 * h >= Plan<float>.ParallelMinElements, "the case must be large enough to split");
        var one = Run<float>(1, n, h, new Rng(7));
        var two = Run<float>(2, n, h, new Rng(7));
        for (int k = 0; k < one.Count; k++) Assert.Equal(one[k], two[k]);
        var oneD = Run<double>(1, n, h, new Rng(8));
        var twoD = Run<double>(2, n, h, new Rng(8));
        for (int k = 0; k < oneD.Count; k++) Assert.Equal(oneD[k], twoD[k]);
    }

    [Fact]
    public void ABroadcastArgumentsGradientIsTheSameWithTwoThreads()
    {
        double[] Grad(int threads)
        {
            int saved = Parallelism.MaxThreads;
            try
            {
                Parallelism.MaxThreads = threads;
                var rng = new Rng(9);
                var fused = Fuse.Pointwise<double>((x, b) => (x + b).Tanh() * b);
                var x = rng.Normal<double>([200, 256]).RequiresGrad();
                var b = rng.Normal<double>([256]).RequiresGrad();
                fused(x, b).Backward(rng.Normal<double>([200, 256]));
                return [.. b.Grad!.AsSpan(), .. x.Grad!.AsSpan()];
            }
            finally { Parallelism.MaxThreads = saved; }
        }
        Assert.Equal(Grad(1), Grad(2));
    }

    /// <summary>y = x, but throws on a value above 100 (a user's rule that validates its input).</summary>
    private sealed class Checked : UnaryRule<double>
    {
        public override string Name => "Checked";
        public override void Forward(ReadOnlySpan<double> x, Span<double> y)
        {
            for (int i = 0; i < x.Length; i++)
                y[i] = x[i] <= 100 ? x[i] : throw new ArgumentOutOfRangeException(nameof(x), x[i], "Checked: value above 100.");
        }
        public override void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> d) => g.CopyTo(d);
    }

    [Fact]
    public void ARuleThatThrowsOnTheSecondThreadSurfacesAsItsOwnException()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            var rule = new Checked();
            var fused = Fuse.Pointwise<double>(x => rule.Apply(x) * x);
            var data = new Rng(10).Normal<double>([100, 512]);
            data[99, 511] = 1000; // in the last chunk: the second thread's half
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => fused(data.RequiresGrad()));
            Assert.Contains("Checked: value above 100.", e.Message);
        }
        finally { Parallelism.MaxThreads = saved; }
    }
    /// <summary>
    /// An eager pointwise op large enough to be split (a costly rule from <see cref="PointwiseThreads.MinElements"/>
    /// elements, a cheap one from 8 times that) gives the same bits with one and two threads, forward and backward, at
    /// sizes that do not divide into whole 64-element blocks; a rule failing on the second thread surfaces as itself.
    /// </summary>
    [Theory]
    [InlineData(PointwiseThreads.MinElements + 37)]
    [InlineData(PointwiseThreads.MinElements * PointwiseThreads.CheapFactor + 5)]
    public void AnEagerPointwiseOpGivesTheSameBitsWithOneAndTwoThreads(int n)
    {
        Assert.True(PointwiseThreads.ThreadsFor(n, cheap: false) > 1 || Parallelism.MaxThreads == 1);
        List<double[]> Run(int threads)
        {
            int saved = Parallelism.MaxThreads;
            try
            {
                Parallelism.MaxThreads = threads;
                var rng = new Rng(12);
                var x = rng.Normal<double>([n], std: 2).RequiresGrad();
                var g = rng.Normal<double>([n]);
                var y = x.Tanh(); // costly: split from MinElements
                var z = y * 3.0; // cheap: split only in the larger case
                (z.Sigmoid() * g.AsVariable()).Sum().Backward();
                return [y.Data.ToArray(), z.Data.ToArray(), x.Grad!.ToArray()];
            }
            finally { Parallelism.MaxThreads = saved; }
        }
        var one = Run(1);
        var two = Run(2);
        for (int k = 0; k < one.Count; k++) Assert.Equal(one[k], two[k]);
        Assert.Equal(new Rng(12).Normal<double>([n], std: 2).ToArray().Select(Math.Tanh).ToArray(), one[0], new ToleranceComparer(4e-16));

        int saved2 = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            var data = new Rng(13).Normal<double>([n]);
            data[n - 1] = 1000; // in the second thread's range
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Checked().Apply(data.RequiresGrad()));
            Assert.Contains("Checked: value above 100.", e.Message);
        }
        finally { Parallelism.MaxThreads = saved2; }
    }

    /// <summary>
    /// A stack's and an unbind's backward over 64K elements or more copy their slices on several threads: the same
    /// gradients as one thread, with an input stacked twice (its two slices land in one buffer), unused slices zero,
    /// and an input that also gets a gradient elsewhere.
    /// </summary>
    [Fact]
    public void LargeStackAndUnbindBackwardsGiveTheSameGradientsWithTwoThreads()
    {
        List<double[]> Run(int threads)
        {
            int saved = Parallelism.MaxThreads;
            try
            {
                Parallelism.MaxThreads = threads;
                var rng = new Rng(14);
                var hs = Enumerable.Range(0, 40).Select(_ => rng.Normal<double>([32, 64]).RequiresGrad()).ToArray();
                var inputs = hs.Append(hs[3]).ToArray(); // hs[3] twice
                var y = Ops.Stack(inputs, 1); // (32, 41, 64): strided slices
                var x = rng.Normal<double>([50, 32, 48]).RequiresGrad();
                var parts = x.Unbind(0);
                var z = parts.Where((_, k) => k % 7 != 0).Aggregate((a, b) => a + b * 0.5); // slices 0, 7, ... unused
                var loss = (y * rng.Normal<double>([32, 41, 64]).AsVariable()).Sum() + (z * z).Sum() + (hs[5] * 3.0).Sum();
                loss.Backward();
                return [.. hs.Select(h => h.Grad!.ToArray()), x.Grad!.ToArray()];
            }
            finally { Parallelism.MaxThreads = saved; }
        }
        Assert.True(32L * 41 * 64 >= PointwiseThreads.MinElements * PointwiseThreads.CheapFactor, "the stack must be large enough to split");
        var one = Run(1);
        var two = Run(2);
        for (int k = 0; k < one.Count; k++) Assert.Equal(one[k], two[k]);
        Assert.All(one[^1].AsSpan(0, 32 * 48).ToArray(), v => Assert.Equal(0.0, v)); // slice 0 unused
    }

    private sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol * Math.Max(1, Math.Abs(a));
        public int GetHashCode(double x) => 0;
    }
}
