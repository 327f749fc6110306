using System.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace MiniTorch.Tests;

/// <summary>Runs an FsCheck property inside a [Fact] or [Theory] (throws with the shrunk case and seed on failure).</summary>
internal static class Props
{
    public static void Holds(Property property, int maxTest = 100) =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true), property);

    public static Arbitrary<int> Ints => ArbMap.Default.ArbFor<int>();
    public static Arbitrary<bool> Bools => ArbMap.Default.ArbFor<bool>();

    /// <summary>
    /// float64 tensors of a random shape whose values are all distinct and at least 0.2 apart (a shuffled ladder with
    /// jitter): no two tie within a central-difference step (Max/Min), and any two values differ (LayerNorm rows have
    /// a variance well above eps, away from the steep region where a central difference is inaccurate).
    /// </summary>
    public static Arbitrary<MiniTorch.Tensor<double>> Distinct =>
        Arb.From(MiniTorch.Testing.TensorGen.Shape().SelectMany(shape => MiniTorch.Testing.TensorGen.Seed.Select(seed =>
        {
            var rng = new Rng(seed);
            int n = shape.Aggregate(1, (p, s) => p * s);
            var order = rng.Permutation(n);
            var t = new MiniTorch.Tensor<double>(shape);
            var v = t.AsSpan();
            for (int i = 0; i < n; i++) v[i] = 0.3 * (order[i] - n / 2.0) + 0.1 * rng.NextDouble();
            return t;
        })));
}

/// <summary>
/// Naive scalar reference implementations (index arithmetic, one element at a time) that the kernels are compared to.
/// They share no code with MiniTorch beyond reading and writing elements through the checked indexer.
/// </summary>
internal static class Reference
{
    public static int Numel(int[] shape) => shape.Aggregate(1, (p, s) => p * s);

    public static int[] Unravel(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = flat % shape[d]; flat /= shape[d]; }
        return idx;
    }

    /// <summary>The index into an operand of <paramref name="shape"/> for output index <paramref name="outIdx"/> under numpy broadcasting.</summary>
    public static int[] BroadcastIndex(int[] outIdx, int[] shape)
    {
        int pad = outIdx.Length - shape.Length;
        var idx = new int[shape.Length];
        for (int d = 0; d < shape.Length; d++) idx[d] = shape[d] == 1 ? 0 : outIdx[d + pad];
        return idx;
    }

    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            r[i] = da == 1 ? db : da;
        }
        return r;
    }

    public static Tensor<T> Map<T>(Tensor<T> x, Func<T, T> f) where T : unmanaged, INumber<T>
    {
        var y = new Tensor<T>(x.ShapeArray);
        for (int i = 0; i < x.Length; i++) { var ix = Unravel(i, x.ShapeArray); y[ix] = f(x[ix]); }
        return y;
    }

    public static Tensor<T> Zip<T>(Tensor<T> a, Tensor<T> b, Func<T, T, T> f) where T : unmanaged, INumber<T>
    {
        var shape = BroadcastShape(a.ShapeArray, b.ShapeArray);
        var y = new Tensor<T>(shape);
        for (int i = 0; i < y.Length; i++)
        {
            var o = Unravel(i, shape);
            y[o] = f(a[BroadcastIndex(o, a.ShapeArray)], b[BroadcastIndex(o, b.ShapeArray)]);
        }
        return y;
    }

    /// <summary>Applies <paramref name="f"/> to the values along <paramref name="axis"/> (non-negative) for every other index.</summary>
    public static Tensor<TOut> Reduce<T, TOut>(Tensor<T> x, int axis, bool keepDim, Func<T[], TOut> f)
        where T : unmanaged, INumber<T> where TOut : unmanaged, INumber<TOut>
    {
        var shape = x.ShapeArray;
        var outShape = shape.ToList();
        if (keepDim) outShape[axis] = 1; else outShape.RemoveAt(axis);
        var y = new Tensor<TOut>(outShape.ToArray());
        var keptShape = (int[])shape.Clone(); keptShape[axis] = 1;
        for (int i = 0; i < Numel(keptShape); i++)
        {
            var idx = Unravel(i, keptShape);
            var values = new T[shape[axis]];
            for (int k = 0; k < values.Length; k++) { idx[axis] = k; values[k] = x[idx]; }
            idx[axis] = 0;
            var outIdx = keepDim ? idx : idx.Where((_, d) => d != axis).ToArray();
            y[outIdx] = f(values);
        }
        return y;
    }

    public static Tensor<T> Permute<T>(Tensor<T> x, int[] axes) where T : unmanaged, INumber<T>
    {
        var shape = axes.Select(a => x.Shape[a]).ToArray();
        var y = new Tensor<T>(shape);
        for (int i = 0; i < y.Length; i++)
        {
            var o = Unravel(i, shape);
            var src = new int[x.Rank];
            for (int d = 0; d < axes.Length; d++) src[axes[d]] = o[d];
            y[o] = x[src];
        }
        return y;
    }

    /// <summary>Elementwise comparison: |actual - expected| ≤ tolerance · scale (scale defaults to max(1, |expected|)).</summary>
    public static void Close(Tensor<double> expected, Tensor<double> actual, double tolerance, Tensor<double>? scale = null, string what = "")
    {
        Assert.Equal(expected.ShapeArray, actual.ShapeArray);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected.AsSpan()[i], a = actual.AsSpan()[i];
            double s = scale is null ? Math.Max(1, Math.Abs(e)) : Math.Max(scale.AsSpan()[i], double.Epsilon);
            if (!(Math.Abs(a - e) <= tolerance * s))
                Assert.Fail($"{what}: element {i} of {expected.ShapeString}: expected {e:R}, got {a:R} (|diff| {Math.Abs(a - e):G3} > {tolerance:G3} * {s:G3})");
        }
    }

    /// <summary>|actual - expected| within <paramref name="ulps"/> units in the last place of expected (exact for 0).</summary>
    public static void WithinUlps<T>(Tensor<T> expected, Tensor<T> actual, int ulps, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.ShapeArray, actual.ShapeArray);
        for (int i = 0; i < expected.Length; i++)
        {
            T e = expected.AsSpan()[i], a = actual.AsSpan()[i];
            T ulp = T.BitIncrement(T.Abs(e)) - T.Abs(e);
            if (!(T.Abs(a - e) <= T.CreateChecked(ulps) * ulp))
                Assert.Fail($"{what}: element {i}: expected {e:R}, got {a:R} ({T.Abs(a - e) / ulp:G3} ulps > {ulps})");
        }
    }

    /// <summary>The spacing of floating-point numbers at 1 (machine epsilon), whatever the receiver's value.</summary>
    public static double Ulp1(this double _) => Math.BitIncrement(1.0) - 1.0;
    public static double Ulp1(this float _) => MathF.BitIncrement(1f) - 1f;

    public static Tensor<double> ToDouble(this Tensor<float> x) => Tensor.Cast<float, double>(x);
    public static Tensor<float> ToFloat(this Tensor<double> x) => Tensor.Cast<double, float>(x);
}

/// <summary>A user-defined op, y = x³, whose backward uses dy/dx = slope·x² (3 is right; anything else is a bug to catch).</summary>
internal sealed class Cube(double slope = 3) : MiniTorch.Autograd.Function<double>
{
    private Tensor<double> _x = null!;
    protected override Tensor<double> Forward(Tensor<double>[] x) { _x = x[0]; return x[0] * x[0] * x[0]; }
    protected internal override void Backward(Tensor<double> g, MiniTorch.Autograd.Gradients<double> grads) => grads.Accumulate(0, g * _x * _x * slope);
}

/// <summary>
/// This test run fills every tensor the library allocates without zeroing (results its kernels overwrite) with NaN, so
/// a kernel that leaves an element unwritten fails the tests that read it instead of passing on whatever memory held.
/// </summary>
internal static class PoisonUninitializedStorage
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void TurnOn() => UninitializedPoison.Enabled = true;
}

/// <summary>Runs code on a new thread (so per-thread state such as the gradient pool starts empty) and rethrows its failure.</summary>
internal static class FreshThread
{
    public static T Run<T>(Func<T> f)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() => { try { result = f(); } catch (Exception e) { error = e; } });
        t.Start();
        t.Join();
        if (error is not null) throw new InvalidOperationException("on the fresh thread", error);
        return result;
    }
}
