using System.Numerics;

namespace MiniTorch;

/// <summary>
/// A seeded, deterministic random number generator (xoshiro256** seeded through splitmix64).
/// The same seed gives the same stream on every machine and .NET version; MiniTorch never uses a hidden global RNG.
/// Not thread-safe: give each thread its own.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    /// <summary>Creates a generator from <paramref name="seed"/>.</summary>
    /// <param name="seed">Any 64-bit value; equal seeds give equal streams.</param>
    public Rng(ulong seed)
    {
        Seed = seed;
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>The seed this generator started from.</summary>
    public ulong Seed { get; }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    /// <returns>64 uniformly random bits.</returns>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1).</summary>
    /// <returns>A value in [0, 1) with 53 random bits.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="n"/>).</summary>
    /// <param name="n">The exclusive upper bound (positive).</param>
    /// <returns>A value in [0, n).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not positive.</exception>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"NextInt: bound must be positive, got {n}.");
        // Lemire's multiply-shift with rejection: unbiased.
        ulong range = (ulong)n;
        while (true)
        {
            ulong r = NextUInt64() >> 32;
            ulong m = r * range;
            if ((uint)m >= (uint)((1UL << 32) % range)) return (int)(m >> 32);
        }
    }

    /// <summary>A standard normal sample (Box-Muller).</summary>
    /// <returns>A sample of N(0, 1).</returns>
    public double NextNormal()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A tensor of normal samples with the given mean and standard deviation.</summary>
    /// <param name="shape">The size of each axis.</param>
    /// <param name="mean">The mean of the distribution.</param>
    /// <param name="std">The standard deviation of the distribution.</param>
    /// <returns>A new tensor of samples.</returns>
    public Tensor<T> Normal<T>(int[] shape, double mean = 0, double std = 1) where T : unmanaged, INumber<T>
    {
        var t = new Tensor<T>(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateChecked(mean + std * NextNormal());
        return t;
    }

    /// <summary>A tensor of uniform samples in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <param name="shape">The size of each axis.</param>
    /// <param name="low">The inclusive lower bound.</param>
    /// <param name="high">The exclusive upper bound (at least <paramref name="low"/>).</param>
    /// <returns>A new tensor of samples.</returns>
    /// <exception cref="ArgumentException"><paramref name="high"/> is below <paramref name="low"/>.</exception>
    public Tensor<T> Uniform<T>(int[] shape, double low = 0, double high = 1) where T : unmanaged, INumber<T>
    {
        if (!(high >= low)) throw new ArgumentException($"Uniform: high ({high}) must be >= low ({low}).");
        var t = new Tensor<T>(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateChecked(low + (high - low) * NextDouble());
        return t;
    }

    /// <summary>An int tensor of uniform integers in [0, <paramref name="high"/>).</summary>
    /// <param name="shape">The size of each axis.</param>
    /// <param name="high">The exclusive upper bound (positive).</param>
    /// <returns>A new int tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="high"/> is not positive.</exception>
    public Tensor<int> Integers(int[] shape, int high)
    {
        if (high <= 0) throw new ArgumentOutOfRangeException(nameof(high), $"Integers: high must be positive (values lie in [0, high)), got {high}.");
        var t = new Tensor<int>(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = NextInt(high);
        return t;
    }

    /// <summary>A random permutation of 0..n-1 (Fisher-Yates).</summary>
    /// <param name="n">The number of elements (at least 0).</param>
    /// <returns>A new array holding each of 0..n-1 once.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    public int[] Permutation(int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"Permutation: n must be >= 0, got {n}.");
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) { int j = NextInt(i + 1); (p[i], p[j]) = (p[j], p[i]); }
        return p;
    }
}
