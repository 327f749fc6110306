namespace MiniTorch.Testing;

/// <summary>
/// The ranks and axis sizes the shape generators draw from (inclusive ranges). The default, rank 1-4 with sizes 1-5,
/// keeps every generated tensor at 625 elements or fewer, so a gradient check by central differences stays cheap.
/// </summary>
/// <example>
/// <code>
/// TensorArb.Tensor(ShapeOptions.Default.WithRanks(2, 4));   // matrices and up
/// TensorArb.Shape(new ShapeOptions(1, 2, 1, 3));            // small batch shapes
/// </code>
/// </example>
public sealed record ShapeOptions
{
    /// <summary>Rank 1-4, sizes 1-5.</summary>
    public static ShapeOptions Default { get; } = new();

    /// <summary>Creates options; throws <see cref="ArgumentOutOfRangeException"/> unless 0 ≤ min ≤ max for both ranges.</summary>
    /// <param name="minRank">Smallest rank (0 allows scalars).</param>
    /// <param name="maxRank">Largest rank (at most 8).</param>
    /// <param name="minSize">Smallest axis size (0 allows empty tensors).</param>
    /// <param name="maxSize">Largest axis size.</param>
    public ShapeOptions(int minRank = 1, int maxRank = 4, int minSize = 1, int maxSize = 5)
    {
        if (minRank < 0 || maxRank < minRank || maxRank > 8)
            throw new ArgumentOutOfRangeException(nameof(maxRank), $"ShapeOptions: rank range [{minRank}, {maxRank}] must satisfy 0 <= min <= max <= 8.");
        if (minSize < 0 || maxSize < minSize)
            throw new ArgumentOutOfRangeException(nameof(maxSize), $"ShapeOptions: size range [{minSize}, {maxSize}] must satisfy 0 <= min <= max.");
        MinRank = minRank; MaxRank = maxRank; MinSize = minSize; MaxSize = maxSize;
    }

    /// <summary>Smallest rank.</summary>
    public int MinRank { get; }
    /// <summary>Largest rank.</summary>
    public int MaxRank { get; }
    /// <summary>Smallest axis size.</summary>
    public int MinSize { get; }
    /// <summary>Largest axis size.</summary>
    public int MaxSize { get; }

    /// <summary>These options with another rank range.</summary>
    /// <param name="min">The smallest rank.</param>
    /// <param name="max">The largest rank.</param>
    /// <returns>These options with other ranks.</returns>
    public ShapeOptions WithRanks(int min, int max) => new(min, max, MinSize, MaxSize);

    /// <summary>These options with another size range.</summary>
    /// <param name="min">The smallest axis size.</param>
    /// <param name="max">The largest axis size.</param>
    /// <returns>These options with other sizes.</returns>
    public ShapeOptions WithSizes(int min, int max) => new(MinRank, MaxRank, min, max);

    /// <summary>True when <paramref name="shape"/> lies within these ranges.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>Whether its rank and sizes are within these options.</returns>
    public bool Allows(ReadOnlySpan<int> shape)
    {
        if (shape.Length < MinRank || shape.Length > MaxRank) return false;
        foreach (int s in shape) if (s < MinSize || s > MaxSize) return false;
        return true;
    }

    /// <summary>For example <c>rank 1..4, sizes 1..5</c>.</summary>
    /// <returns>The ranges as text.</returns>
    public override string ToString() => $"rank {MinRank}..{MaxRank}, sizes {MinSize}..{MaxSize}";
}
