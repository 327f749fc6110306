namespace MiniTorch.Autograd;

/// <summary>
/// How a pointwise computation is split over threads (the fused plan's walks and the eager pointwise ops alike): whole
/// ranges per thread, so every element is computed exactly as on one thread, on <see cref="GemmWorkers"/>' pool (its
/// workers are awake between the products of a step).
/// </summary>
internal static class PointwiseThreads
{
    /// <summary>
    /// Elements from which an eager op with a costly rule (tanh, sigmoid, exp: not <see cref="UnaryRule{T}.IsCheap"/>) is
    /// split over <see cref="Parallelism.MaxThreads"/> threads; a cheap one needs <see cref="CheapFactor"/> times as many.
    /// Below it the fork and join would cost about what the second thread saves.
    /// </summary>
    internal const int MinElements = 1 << 13;

    /// <summary>How many times more elements a cheap rule needs before it is split.</summary>
    internal const int CheapFactor = 8;

    /// <summary>Threads for an eager pointwise op over <paramref name="n"/> elements.</summary>
    internal static int ThreadsFor(long n, bool cheap) =>
        n >= (cheap ? (long)MinElements * CheapFactor : MinElements) ? Parallelism.MaxThreads : 1;

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) cut into <paramref name="threads"/>
    /// ranges, each on its own thread (one range on the calling thread when threads is 1); a failing range's exception
    /// is rethrown as it is.
    /// </summary>
    internal static void Split(int count, int threads, Action<int, int> body)
    {
        if (threads <= 1 || count < 2) { body(0, count); return; }
        threads = Math.Min(threads, count);
        try { GemmWorkers.Run(t => body((int)((long)t * count / threads), (int)((long)(t + 1) * count / threads)), threads, threads); }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, length) over the elements [0, <paramref name="n"/>) on
    /// <paramref name="threads"/> threads, in ranges whose starts are multiples of 64 elements (whole cache lines); on
    /// one thread that is one call over all of them (none when there are none).
    /// </summary>
    internal static void ForElements(int n, int threads, Action<int, int> body)
    {
        const int Align = 64;
        int blocks = (n + Align - 1) / Align;
        Split(blocks, threads, (b0, b1) =>
        {
            int start = b0 * Align, end = Math.Min(n, b1 * Align);
            if (end > start) body(start, end - start);
        });
    }
}
