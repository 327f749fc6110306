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
/// Policy (per tensor, version and layout: a tensor used as B plain and transposed has two entries): the first product with a given (tensor, version, layout) only records it; the second packs it into a new
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
    /// <summary>Arrays of removed entries kept for reuse (a recurrent pass's transposed weight is a new tensor each pass).</summary>
    private const int FreeArrays = 2;

    private static readonly List<Entry> s_entries = [];
    private static readonly List<T[]> s_free = [];
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
        public bool Ready, Removed;
        public int Users;
        public long Stamp;

        public bool Matches(object key, int version, bool transB, int k, int n, nint ldb) =>
            ReferenceEquals(Key.Target, key) && Version == version && TransB == transB && K == k && N == n && Ldb == ldb;

        public long Bytes => Array is null ? 0 : (long)Array.Length * sizeof(T);
    }

    /// <summary>
    /// The entry for B = <paramref name="key"/> at <paramref name="version"/>, or null to run uncached (first sighting,
    /// or another thread is still packing it). <paramref name="ready"/>: the entry holds the packed panels; otherwise
    /// the caller packs into it. A returned entry must be given back with <see cref="Release"/> after the product.
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
                if (e.Version != version)
                {
                    Remove(e); // stale: written in place since
                    i--;
                    continue;
                }
                if (!e.Matches(key, version, transB, k, n, ldb)) continue; // another layout of the same tensor
                e.Stamp = now;
                if (e.Ready) { ready = true; e.Users++; return e; }
                if (e.Array is not null) return null; // being packed by another thread
                // Second sighting: let this product pack into it (an array of a removed entry if one is free).
                if ((long)length * sizeof(T) > MaxBytes / 2) return null;
                Trim(keep: e);
                int need = length + Align / sizeof(T);
                int f = s_free.FindIndex(a => a.Length >= need);
                if (f >= 0) { e.Array = s_free[f]; s_free.RemoveAt(f); }
                else e.Array = GC.AllocateUninitializedArray<T>(need, pinned: true);
                nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(e.Array));
                e.Packed = (T*)((p + Align - 1) & ~(nint)(Align - 1));
                e.Users++;
                return e;
            }
            s_entries.Add(new Entry(key, version, transB, k, n, ldb) { Stamp = now });
            Trim(keep: null);
            return null;
        }
    }

    /// <summary>
    /// Ends a product's use of <paramref name="e"/> (from <see cref="Lookup"/>): <paramref name="complete"/> says that
    /// the product ran to its end, so an entry it packed holds the whole operand and is reusable; otherwise an entry
    /// it was packing is dropped.
    /// </summary>
    public static void Release(Entry e, bool complete)
    {
        lock (s_lock)
        {
            if (complete) e.Ready = true;
            else if (!e.Ready) Remove(e);
            if (--e.Users == 0 && e.Removed) Recycle(e);
        }
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
        lock (s_lock)
        {
            s_entries.Clear();
            s_free.Clear();
        }
    }

    /// <summary>Evicts entries of collected tensors, then the least recently used, until within the bounds.</summary>
    private static void Trim(Entry? keep)
    {
        foreach (var e in s_entries.FindAll(e => e != keep && !e.Key.IsAlive)) Remove(e);
        long bytes = 0;
        foreach (var e in s_entries) bytes += e.Bytes;
        while (s_entries.Count > Capacity || bytes > MaxBytes)
        {
            Entry? oldest = null;
            foreach (var e in s_entries)
                if (e != keep && (oldest is null || e.Stamp < oldest.Stamp)) oldest = e;
            if (oldest is null) break;
            bytes -= oldest.Bytes;
            Remove(oldest);
        }
    }

    /// <summary>Takes an entry out of the cache; its array is reused once no product reads it any more.</summary>
    private static void Remove(Entry e)
    {
        if (e.Removed) return;
        s_entries.Remove(e);
        e.Removed = true;
        if (e.Users == 0) Recycle(e);
    }

    /// <summary>Keeps a removed entry's array for a later entry (at most <see cref="FreeArrays"/> of them).</summary>
    private static void Recycle(Entry e)
    {
        if (e.Array is { } a && s_free.Count < FreeArrays) s_free.Add(a);
        e.Array = null;
        e.Packed = null;
    }
}
