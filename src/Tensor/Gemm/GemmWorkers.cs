using System.Diagnostics;

namespace MiniTorch;

/// <summary>
/// A small pool of background threads that run the tasks of one parallel product at a time, with the calling thread
/// taking part. Unlike Parallel.For it allocates nothing per call, and its workers spin while a product runs and for
/// 50 µs after it ends before they sleep, so back-to-back products start without a wake-up. Tasks are claimed one by one from a shared counter, so
/// any thread may run any task: callers must make results independent of that (GEMM tasks write disjoint tiles).
/// <para>
/// One product uses the pool at a time; a caller that finds it busy (another thread's product) runs its tasks itself.
/// The claim word packs (generation, task count, next task), so a worker that wakes late for an old product can never
/// claim a task of a newer one.
/// </para>
/// </summary>
internal static class GemmWorkers
{
    private const int GenBits = 24, TaskBits = 16, NextBits = 24;
    private const long NextMask = (1L << NextBits) - 1, TaskMask = (1L << TaskBits) - 1;

    /// <summary>Most tasks one dispatch may have.</summary>
    public const int MaxTasks = (1 << TaskBits) - 1;

    private static readonly object Gate = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly List<Thread> Threads = new();
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs

    private static long _claim;          // generation | tasks | next
    private static Action<int>? _body;
    private static int _done, _joined, _helpers, _sleepers, _generation, _active;
    private static long _lastEnd;
    private static Exception? _error;

    /// <summary>
    /// Runs body(0..tasks-1) on the calling thread and up to <paramref name="threads"/>-1 workers; returns when all
    /// tasks have finished. Rethrows the first exception a task threw. A task must not call <see cref="Run"/>.
    /// </summary>
    public static void Run(Action<int> body, int tasks, int threads)
    {
        if (tasks <= 0) return;
        if (threads <= 1 || tasks == 1 || tasks > MaxTasks || !Monitor.TryEnter(Gate))
        {
            for (int t = 0; t < tasks; t++) body(t);
            return;
        }
        try
        {
            int helpers = Math.Min(threads, tasks) - 1;
            while (Threads.Count < helpers)
            {
                var th = new Thread(WorkerLoop) { IsBackground = true, Name = $"MiniTorch GEMM worker {Threads.Count + 1}" };
                Threads.Add(th);
                th.Start();
            }
            _body = body;
            _error = null;
            Volatile.Write(ref _done, 0);
            Volatile.Write(ref _joined, 0);
            Volatile.Write(ref _helpers, helpers);
            int gen = _generation = (_generation + 1) & ((1 << GenBits) - 1);
            Volatile.Write(ref _active, 1);
            Volatile.Write(ref _claim, ((long)gen << (TaskBits + NextBits)) | ((long)tasks << NextBits));
            int sleeping = Volatile.Read(ref _sleepers);
            if (sleeping > 0) Wake.Release(Math.Min(sleeping, helpers));

            RunClaims(gen);
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < tasks) spin.SpinOnce(sleep1Threshold: -1);
            _body = null;
            Volatile.Write(ref _lastEnd, Stopwatch.GetTimestamp());
            Volatile.Write(ref _active, 0);
            if (_error is { } e) throw new AggregateException("A GEMM task failed.", e);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    /// <summary>Claims and runs tasks of generation <paramref name="gen"/> until none is left.</summary>
    private static void RunClaims(int gen)
    {
        while (true)
        {
            long v = Volatile.Read(ref _claim);
            if ((int)(v >> (TaskBits + NextBits)) != gen) return;
            long next = v & NextMask, tasks = (v >> NextBits) & TaskMask;
            if (next >= tasks) return;
            if (Interlocked.CompareExchange(ref _claim, v + 1, v) != v) continue;
            // The claim succeeded while the generation was current, and it cannot end before this task is counted,
            // so _body is this generation's.
            try
            {
                _body!((int)next);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            finally
            {
                Interlocked.Increment(ref _done);
            }
        }
    }

    private static void WorkerLoop()
    {
        int seen = 0;
        while (true)
        {
            // Wait for a generation we have not served: spin briefly, then sleep on the semaphore.
            // The spin lasts while a product runs (its caller may publish the next one right after) and SpinTicks
            // beyond the end of the last one.
            int gen;
            long start = Stopwatch.GetTimestamp();
            while ((gen = Generation()) == seen)
            {
                long now = Stopwatch.GetTimestamp();
                if (Volatile.Read(ref _active) == 0 && now - Math.Max(start, Volatile.Read(ref _lastEnd)) > SpinTicks) break;
                Thread.SpinWait(20);
            }
            if (gen == seen)
            {
                Interlocked.Increment(ref _sleepers);
                if ((gen = Generation()) == seen) Wake.Wait();
                Interlocked.Decrement(ref _sleepers);
                continue;
            }
            seen = gen;
            // Join only while the product wants more helpers (Parallelism.MaxThreads is honoured).
            if (Interlocked.Increment(ref _joined) <= Volatile.Read(ref _helpers)) RunClaims(gen);
        }
    }

    private static int Generation() => (int)(Volatile.Read(ref _claim) >> (TaskBits + NextBits));
}
