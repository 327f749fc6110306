using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MiniTorch;

/// <summary>
/// Packed right operands kept across products: a matrix B used by many products in a row (a recurrent weight at
/// every time step of the forward, the engine's transposed weight at every step of the backward) is packed into the
/// kernels' panel layout once and reused, instead of once per product. The key is the tensor object and its
/// <see cref="Tensor{T}.Version"/>: an in-place write through the library (or <see cref="Tensor{T}.MarkModified"/>
/// after a write through <see cref="Tensor{T}.AsSpan"/>) makes the entry stale, and it is replaced.
/// <para>
/// Policy: the first product with a given (tensor, version, layout) only records it; the second packs it into a new
/// entry while computing (panels packed by the product's own threads); later ones reuse it. At most
/// <see cref="Capacity"/> entries and <see cref="MaxBytes"/> bytes are held (least recently used first out; entries
/// whose tensor was collected go first); keys are held weakly. The packed values are exactly those a product would
/// pack for itself, so results are bit-identical with and without the cache.
/// </para>
/// </summary>
internal static unsafe class GemmPackCache<T> where T : unmanaged
{
    /// <summary>Most entries (packed or only sighted) held at once.</summary>
    internal const int Capacity = 8;

    /// <summary>Most bytes of packed operands held at once.</summary>
    internal const long MaxBytes = 64L << 20;

    /// <summary>
    /// Off when the environment variable MINITORCH_GEMM_PACK_CACHE is "0" at start-up: for measuring the cache's effect
    /// with the benchmark program (interleaved runs of one build with and without it).
    /// </summary>
    internal static readonly bool Enabled = Environment.GetEnvironmentVariable("MINITORCH_GEMM_PACK_CACHE") != "0";

    private const int Align = 64;
    private static readonly List<Entry> s_entries = [];
    private static readonly Lock s_lock = new();
    private static long s_clock;

    /// <summary>One operand: its identity and layout, and (after the second sighting) its packed panels.</summary>
    internal sealed class Entry(object key, int version, bool transB, int k, int n, nint ldb)
    {
        public readonly WeakReference Key = new(key);
        public readonly int Version = version, K = k, N = n;
        public readonly bool TransB = transB;
        public readonly nint Ldb = ldb;
        public T[]? Array;
        public T* Packed;
        public bool Ready;
        public long Stamp;

        public bool Matches(object key, int version, bool transB, int k, int n, nint ldb) =>
            ReferenceEquals(Key.Target, key) && Version == version && TransB == transB && K == k && N == n && Ldb == ldb;

        public long Bytes => Array is null ? 0 : (long)Array.Length * sizeof(T);
    }

    /// <summary>
    /// The entry for B = <paramref name="key"/> at <paramref name="version"/>, or null to run uncached (first sighting,
    /// or another thread is still packing it). <paramref name="ready"/>: the entry holds the packed panels; otherwise
    /// the caller packs into it and then calls <see cref="Filled"/> (or <see cref="Abandon"/> if the product failed).
    /// </summary>
    public static Entry? Lookup(object key, int version, bool transB, int k, int n, nint ldb, int length, out bool ready)
    {
        ready = false;
        if (!Enabled) return null;
        lock (s_lock)
        {
            long now = ++s_clock;
            for (int i = 0; i < s_entries.Count; i++)
            {
                var e = s_entries[i];
                if (!ReferenceEquals(e.Key.Target, key)) continue;
                if (!e.Matches(key, version, transB, k, n, ldb))
                {
                    s_entries.RemoveAt(i--); // stale (written in place since) or another layout of the same tensor
                    continue;
                }
                e.Stamp = now;
                if (e.Ready) { ready = true; return e; }
                if (e.Array is not null) return null; // being packed by another thread
                // Second sighting: allocate and let this product pack into it.
                if ((long)length * sizeof(T) > MaxBytes / 2) return null;
                e.Array = GC.AllocateUninitializedArray<T>(length + Align / sizeof(T), pinned: true);
                nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(e.Array));
                e.Packed = (T*)((p + Align - 1) & ~(nint)(Align - 1));
                Trim(keep: e);
                return e;
            }
            s_entries.Add(new Entry(key, version, transB, k, n, ldb) { Stamp = now });
            Trim(keep: null);
            return null;
        }
    }

    /// <summary>Marks an entry the caller has packed completely as reusable.</summary>
    public static void Filled(Entry e)
    {
        lock (s_lock) e.Ready = true;
    }

    /// <summary>Drops an entry whose packing did not complete.</summary>
    public static void Abandon(Entry e)
    {
        lock (s_lock) s_entries.Remove(e);
    }

    /// <summary>Whether a packed, reusable entry exists for <paramref name="key"/> at <paramref name="version"/> (for tests).</summary>
    internal static bool HoldsPacked(object key, int version)
    {
        lock (s_lock) return s_entries.Exists(e => ReferenceEquals(e.Key.Target, key) && e.Version == version && e.Ready);
    }

    /// <summary>Entries held (packed or only sighted), for tests.</summary>
    internal static int Count
    {
        get { lock (s_lock) return s_entries.Count; }
    }

    /// <summary>Bytes of packed operands held, for tests.</summary>
    internal static long PackedBytes
    {
        get { lock (s_lock) return s_entries.Sum(e => e.Bytes); }
    }

    /// <summary>Empties the cache (for tests).</summary>
    internal static void Clear()
    {
        lock (s_lock) s_entries.Clear();
    }

    /// <summary>Evicts entries of collected tensors, then the least recently used, until within the bounds.</summary>
    private static void Trim(Entry? keep)
    {
        s_entries.RemoveAll(e => e != keep && !e.Key.IsAlive);
        long bytes = 0;
        foreach (var e in s_entries) bytes += e.Bytes;
        while (s_entries.Count > Capacity || bytes > MaxBytes)
        {
            Entry? oldest = null;
            foreach (var e in s_entries)
                if (e != keep && (oldest is null || e.Stamp < oldest.Stamp)) oldest = e;
            if (oldest is null) break;
            s_entries.Remove(oldest);
            bytes -= oldest.Bytes;
        }
    }
}
