namespace MiniTorch;

/// <summary>
/// Process-wide limit on how many threads MiniTorch's kernels may use for one operation (currently the matrix
/// multiply in <see cref="Gemm"/>). Results never depend on it: every kernel that splits work over threads gives
/// each output element to exactly one thread and computes it in a fixed order, so the output is bit-identical for any
/// setting. Set it to 1 to keep MiniTorch on the calling thread (e.g. when the caller already runs one model per core).
/// </summary>
public static class Parallelism
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>
    /// Most threads one operation may use, the calling thread included; at least 1. Defaults to
    /// <see cref="Environment.ProcessorCount"/>. Values above the processor count are allowed but rarely help.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref _maxThreads);
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Parallelism.MaxThreads must be at least 1, got {value}.");
            Volatile.Write(ref _maxThreads, value);
        }
    }
}
