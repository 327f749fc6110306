namespace MiniTorch.Examples.LongDependency;

/// <summary>
/// The adding problem (Hochreiter and Schmidhuber, 1997): each step of a sequence of length T carries a value in
/// [0, 1] and a marker; exactly two steps are marked, one in each half, and the target is the sum of the two marked
/// values. Predicting the mean (1.0) scores an MSE of Var(U + U') = 1/6 ≈ 0.167, so a model beats that only by carrying
/// the first marked value across the sequence.
/// </summary>
public static class AddingProblem
{
    /// <summary>MSE of always predicting the mean target.</summary>
    public const double BaselineMse = 1.0 / 6.0;

    /// <summary>A batch: inputs (N, T, 2) with (value, marker) per step and targets (N, 1).</summary>
    public static (Tensor<double> Inputs, Tensor<double> Targets) Batch(int n, int length, Rng rng)
    {
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(length), $"AddingProblem: sequence length must be >= 2, got {length}.");
        var x = new Tensor<double>(n, length, 2);
        var y = new Tensor<double>(n, 1);
        var xs = x.AsSpan();
        var ys = y.AsSpan();
        int half = length / 2;
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < length; t++) xs[(i * length + t) * 2] = rng.NextDouble();
            int first = rng.NextInt(half), second = half + rng.NextInt(length - half);
            xs[(i * length + first) * 2 + 1] = 1;
            xs[(i * length + second) * 2 + 1] = 1;
            ys[i] = xs[(i * length + first) * 2] + xs[(i * length + second) * 2];
        }
        return (x, y);
    }
}
