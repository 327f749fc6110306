using System.Numerics;

namespace MiniTorch;

/// <summary>
/// The blocked loop nest of <see cref="Gemm"/> (the Goto/BLIS scheme). K is cut into KC-deep slices and N into
/// NC-wide column blocks. For a slice, op(B) is packed into NR-column panels (KC×NR, kept in L1 while it is used), the
/// rows of op(A) are taken in MC-tall blocks (kept in L2), and every MR×NR tile of C gets the slice's
/// contribution from a register-tile kernel. Operands that the kernels can stream in place are not packed: op(A) is
/// read in place when plain (MR rows of A are MR streams along k; only a remainder shorter than the smallest tile is
/// packed) and packed when transposed, and a plain B is read in place while K·N is small enough for its rows to stay in cache.
/// <para>
/// Threads (<see cref="GemmWorkers"/>) split C into tasks: ranges of rows, or ranges of column panels when op(A) has few rows. Row tasks share the
/// packed B: each panel is packed by whichever task needs it first, the others wait for it, so one product costs one
/// fork-join and B is packed once.
/// </para>
/// <para>
/// Determinism: the K slices depend on K alone, slices are added in order, and each tile kernel computes every
/// element as a multiply-add chain in k order (fused, except on the x64 SSE path without FMA, where every tile of that
/// path rounds product and sum separately) followed by one add into C. An element's value therefore depends
/// neither on the tile it falls in nor on which thread computes it: the output is bit-identical for any thread count.
/// </para>
/// </summary>
internal static unsafe class GemmDriver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int MR = GemmKernels<T>.MR;
    private static readonly int NR = GemmKernels<T>.NR;

    // Blocking and policy constants, chosen by measurement on an AVX-512 Xeon (48 KB L1d, 2 MB L2 per core) with
    // benchmarks/MiniTorch.Benchmarks (`matmul`, processor time per product); the results are not sensitive to them
    // within about a factor of two.

    /// <summary>Depth of a K slice (balanced: K is cut into ceil(K/KC) nearly equal slices).</summary>
    internal const int KC = 512;

    /// <summary>Rows of op(A) per block (a multiple of every MR).</summary>
    internal const int MC = 144;

    /// <summary>Columns of op(B) per block.</summary>
    internal const int NC = 4096;

    /// <summary>Products with fewer multiply-adds than this run on one thread.</summary>
    internal const long ParallelMinWork = 1 << 21;

    /// <summary>Most elements of packed B held at once (the K slices of one column block are packed together).</summary>
    internal const long MaxPackedB = 4 << 20;

    /// <summary>
    /// Operand size (elements) up to which a plain B is read in place: beyond it its rows no longer
    /// stay in cache and packing them into contiguous panels pays.
    /// </summary>
    internal const long InPlaceLimit = 1 << 19;

    /// <summary>
    /// A plain B that the pack cache may hold (the caller names its tensor) and that is larger than this is packed even
    /// for a product with few rows, where it would otherwise be read in place: packed once for the products that use
    /// it in a row (a recurrent weight at every step), its panels stream contiguously instead of one row of storage
    /// apart (with a power-of-two row, a few L1 sets). Measured (LSTM medium training step, H = 256, per-step products
    /// 32×256·256×1024, interleaved runs of one build, quiet machine): 1 thread 43-45 ms packed vs 49-52 ms in place,
    /// 2 threads 32-37 vs 35-43 ms; RNN medium (256×256 weight) equal within the noise.
    /// </summary>
    internal const long CachedBeyondBytes = 48 * 1024;

    /// <summary>The operands of one product.</summary>
    /// <remarks>
    /// C = op(A)·op(B), plus C's own values when <paramref name="accumulate"/>, or else plus the addend D at
    /// <paramref name="d"/> (row stride <paramref name="ldd"/>; 0 adds one row to every row) when it is not null: the
    /// first K slice's tiles add it as they store, so C = D + op(A)·op(B) takes no separate pass to copy D into C.
    /// With <paramref name="aPieces"/> (a transposed A) or <paramref name="bPieces"/> (a plain B), that operand's K rows
    /// are held in pieces and packed from them (a, b and their strides unused).
    /// </remarks>
    internal readonly struct Problem(bool transA, bool transB, int m, int n, int k, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool accumulate,
        T* d = null, nint ldd = 0, GemmRows<T>? aPieces = null, GemmRows<T>? bPieces = null)
    {
        public readonly GemmRows<T>? APieces = aPieces, BPieces = bPieces;
        public readonly bool TransA = transA, TransB = transB, Accumulate = accumulate;
        public readonly T* D = accumulate ? c : d;
        public readonly nint Ldd = accumulate ? ldc : ldd;
        public readonly int M = m, N = n, K = k;
        public readonly T* A = a, B = b, C = c;
        public readonly nint Lda = lda, Ldb = ldb, Ldc = ldc;
    }

    /// <summary>How many threads a product of this size uses when <paramref name="maxThreads"/> are allowed.</summary>
    internal static int ThreadsFor(int m, int n, int k, int maxThreads) =>
        (long)m * n * k < ParallelMinWork ? 1 : Math.Max(1, maxThreads);

    /// <summary>
    /// Whether op(A) is packed by MC-row blocks rather than read in place. A plain A is always read in place (MR rows
    /// of it are MR streams along k); a transposed A is always packed: read in place, each k step of a tile reads MR
    /// values one whole row of storage further on, and with a power-of-two row (M = 256 floats: 1 KB) those lines
    /// fall into a few L1 sets and evict each other (measured, `matmul --trans TN`, single thread, min of 4 interleaved
    /// runs on a busy machine: 256×1024×1600 13.4-15.2 ms in place vs 9.6-13.1 ms packed; 64×256×16 0.0087-0.0129 vs
    /// 0.0075-0.0089 ms; 128×1024×1600, 32×256×256 and 64×64×240 equal within the noise). A recurrent layer's weight
    /// gradients (hᵀ·g, xᵀ·g) are all such products.
    /// </summary>
    private static bool PackA(in Problem pr) => pr.TransA;

    /// <summary>
    /// Whether a plain (not transposed) B is read in place rather than packed (a partial last panel still is): when it
    /// is small enough to stay in cache, or when op(A) has so few rows that packing would not be repaid.
    /// </summary>
    private static bool DirectB(in Problem pr) => !pr.TransB && pr.BPieces is null && ((long)pr.K * pr.N <= InPlaceLimit || pr.M <= 4 * MR);

    /// <summary>
    /// Runs the product on up to <paramref name="maxThreads"/> threads (the calling thread included). With
    /// <paramref name="bKey"/> (the tensor B belongs to, at <paramref name="bVersion"/>), a B that would be packed is
    /// packed through <see cref="GemmPackCache{T}"/>: once for the products that use it in a row.
    /// </summary>
    public static void Run(in Problem pr, int maxThreads, object? bKey = null, int bVersion = 0)
    {
        int threads = ThreadsFor(pr.M, pr.N, pr.K, maxThreads);
        var job = Job.Rent();
        GemmPackCache<T>.Entry? entry = null;
        bool complete = false;
        try
        {
            job.Start(pr, threads, bKey is not null && GemmPackCache<T>.Enabled);
            if (bKey is not null && job.WholeBInOneGroup)
            {
                entry = GemmPackCache<T>.Lookup(bKey, bVersion, pr.TransB, pr.K, pr.N, pr.Ldb, job.PackedBLength, out bool ready);
                if (entry is not null) job.UsePackedB(entry.Packed, ready);
            }
            for (int jc = 0; jc < pr.N; jc += NC)
                for (int q0 = 0; q0 < job.Slices; q0 += job.SlicesPerGroup)
                    job.Block(jc, q0, Math.Min(job.Slices, q0 + job.SlicesPerGroup));
            complete = true;
        }
        finally
        {
            if (entry is not null) GemmPackCache<T>.Release(entry, complete);
            job.Return();
        }
    }

    /// <summary>
    /// One product in progress: its plan, the current column block and group of K slices, and the state of each packed
    /// B panel (0 not packed, 1 being packed, 2 ready). Kept per calling thread, so a steady state allocates nothing.
    /// </summary>
    private sealed class Job
    {
        [ThreadStatic] private static Job? t_cached;
        private readonly Action<int> _task;
        private Problem _pr;
        private int _threads, _kcMax, _sliceStride, _jc, _nc, _q0, _q1, _panels, _fullPanels, _rowsPerTask, _panelsPerTask, _rowTasks, _tasks;
        private bool _directB, _packA, _prepacked;
        private int[] _state = [];
        private T* _bp;

        public int Slices, SlicesPerGroup;

        private Job() => _task = RunTask;

        public static Job Rent()
        {
            var j = t_cached ?? new Job();
            t_cached = null;
            return j;
        }

        /// <summary>
        /// Whether B is packed (not read in place) and all of it fits one group of K slices in one column block, so the
        /// packed panels of the whole product are one buffer of <see cref="PackedBLength"/> elements that can be kept.
        /// </summary>
        public bool WholeBInOneGroup => !_directB && _pr.N <= NC && SlicesPerGroup == Slices;

        /// <summary>Elements of the packed B buffer (all slices of the one column block).</summary>
        public int PackedBLength => Slices * _sliceStride;

        /// <summary>Packs B into (or, when <paramref name="ready"/>, reads it already packed from) <paramref name="packed"/>.</summary>
        public void UsePackedB(T* packed, bool ready)
        {
            _bp = packed;
            _prepacked = ready;
        }

        public void Return()
        {
            _pr = default;
            _bp = null;
            _prepacked = false;
            t_cached = this;
        }

        /// <summary>Plans a product on <paramref name="threads"/> threads; <paramref name="cacheable"/>: B may be held by the pack cache.</summary>
        public void Start(in Problem pr, int threads, bool cacheable = false)
        {
            _pr = pr;
            _threads = threads;
            Slices = (pr.K + KC - 1) / KC;
            _kcMax = (pr.K + Slices - 1) / Slices;
            _directB = DirectB(pr) && !(cacheable && (long)pr.K * pr.N * sizeof(T) > CachedBeyondBytes);
            _packA = PackA(pr);
            int panelsMax = (Math.Min(NC, pr.N) + NR - 1) / NR;
            // With B read in place only a partial last panel is packed, into one slot per slice.
            _sliceStride = _kcMax * (_directB ? 1 : panelsMax) * NR;
            SlicesPerGroup = (int)Math.Clamp(MaxPackedB / _sliceStride, 1, Slices);
            _bp = GemmBuffers<T>.B(SlicesPerGroup * _sliceStride);
            if (_state.Length < SlicesPerGroup * panelsMax) _state = new int[SlicesPerGroup * panelsMax];
        }

        /// <summary>Computes K slices [q0, q1) of the column block at jc.</summary>
        public void Block(int jc, int q0, int q1)
        {
            _jc = jc;
            _nc = Math.Min(NC, _pr.N - jc);
            _panels = (_nc + NR - 1) / NR;
            _fullPanels = _directB ? _nc / NR : 0;
            (_q0, _q1) = (q0, q1);
            Array.Clear(_state, 0, (q1 - q0) * _panels);
            int microRows = (_pr.M + MR - 1) / MR;
            _rowsPerTask = _pr.M;
            _panelsPerTask = _panels;
            if (_threads > 1)
            {
                // Row tasks (about MC rows each, their count a multiple of the thread count) or one range of column
                // panels per thread. Row tasks share B; column tasks each pack their own panels, which spares moving
                // packed panels between cores but repeats the packing of A when A must be packed. Measured: columns
                // win when B is packed and they spread the work at least as evenly; rows win when B is read in place.
                int tasks = RoundUp(Math.Clamp((_pr.M + MC - 1) / MC, _threads, 4096), _threads);
                int rows = (microRows + tasks - 1) / tasks * MR;
                int rowTasks = (_pr.M + rows - 1) / rows;
                double rowSpread = (double)((rowTasks + _threads - 1) / _threads) * rows * _threads / _pr.M;
                int panelsEach = (_panels + _threads - 1) / _threads;
                double colSpread = (double)panelsEach * NR * _threads / _nc;
                bool rowsOk = microRows >= 2 * _threads, colsOk = _panels >= 2 * _threads;
                bool preferRows = _packA || (_directB ? rowSpread <= colSpread * 1.05 : rowSpread < colSpread);
                if (rowsOk && (!colsOk || preferRows)) _rowsPerTask = rows;
                else if (colsOk || _panels > 1) _panelsPerTask = panelsEach;
                else _rowsPerTask = rows;
            }
            _rowTasks = (_pr.M + _rowsPerTask - 1) / _rowsPerTask;
            _tasks = _rowTasks * ((_panels + _panelsPerTask - 1) / _panelsPerTask);
            GemmWorkers.Run(_task, _tasks, _threads);
        }

        private void RunTask(int t)
        {
            int mr = MR, nr = NR, kcMax = _kcMax;
            int ri = t % _rowTasks, si = t / _rowTasks;
            int i0 = ri * _rowsPerTask, i1 = Math.Min(_pr.M, i0 + _rowsPerTask);
            int s0 = si * _panelsPerTask, s1 = Math.Min(_panels, s0 + _panelsPerTask), ns = s1 - s0;
            // Row tasks sharing the panels start at different ones, so they pack different panels first.
            int sStart = _rowTasks > 1 ? ri * ns / _rowTasks : 0;
            bool packA = _packA;
            T* ap = GemmBuffers<T>.A((packA ? RoundUp(Math.Min(MC, i1 - i0), mr) : mr) * kcMax);
            ref readonly Problem pr = ref _pr;
            for (int q = _q0; q < _q1; q++)
            {
                int pc = q * kcMax, kc = Math.Min(kcMax, pr.K - pc);
                // The first slice adds the addend (C itself when accumulating; none: C is overwritten), later ones C.
                T* dq = q == 0 ? pr.D : pr.C;
                nint ldd = q == 0 ? pr.Ldd : pr.Ldc;
                T* bq = _bp + (nint)(q - _q0) * _sliceStride;
                for (int ic = i0; ic < i1; ic += MC)
                {
                    // A plain A is read in place, in full MR-row tiles and then shorter row-mode tiles down to the
                    // smallest; what is left (a partial panel), or the whole block of a transposed A, is packed.
                    int mc = Math.Min(MC, i1 - ic);
                    int inPlace = packA ? 0 : GemmKernels<T>.RowsInPlace(mc);
                    if (inPlace < mc) GemmPack<T>.A(pr.TransA, pr.A, pr.Lda, ic + inPlace, mc - inPlace, pc, kc, ap, mr, pr.APieces);
                    for (int u = 0; u < ns; u++)
                    {
                        int s = s0 + (sStart + u) % ns;
                        int j = s * nr, ncols = Math.Min(nr, _nc - j);
                        T* bs;
                        nint bKs;
                        if (s < _fullPanels)
                        {
                            bs = pr.B + (nint)pc * pr.Ldb + _jc + j;
                            bKs = pr.Ldb;
                        }
                        else
                        {
                            bs = _directB ? bq : bq + (nint)s * kc * nr;
                            bKs = nr;
                            Ensure(q, s, pc, kc, bs);
                        }
                        T* cs = pr.C + (nint)ic * pr.Ldc + _jc + j;
                        T* ds = dq == null ? null : dq + (nint)ic * ldd + _jc + j;
                        int ir = 0;
                        foreach (int h in GemmKernels<T>.RowHeights) // the same tiles RowsInPlace counted, tallest first
                            for (; ir + h <= inPlace; ir += h)
                                GemmKernels<T>.TileRows(kc, pr.A + (nint)(ic + ir) * pr.Lda + pc, pr.Lda, bs, bKs, cs + ir * pr.Ldc, pr.Ldc, h, ncols,
                                    ds == null ? null : ds + ir * ldd, ldd);
                        for (; ir < mc; ir += mr)
                            GemmKernels<T>.Tile(kc, ap + (nint)(ir - inPlace) * kc, mr, bs, bKs, cs + ir * pr.Ldc, pr.Ldc,
                                Math.Min(mr, mc - ir), ncols, ds == null ? null : ds + ir * ldd, ldd);
                    }
                }
            }
        }

        /// <summary>Makes sure panel s of slice q is packed at <paramref name="dst"/>: packs it, or waits for the task packing it.</summary>
        private void Ensure(int q, int s, int pc, int kc, T* dst)
        {
            if (_prepacked) return;
            ref int st = ref _state[(q - _q0) * _panels + s];
            if (Volatile.Read(ref st) == 2) return;
            if (Interlocked.CompareExchange(ref st, 1, 0) == 0)
            {
                GemmPack<T>.B(_pr.TransB, _pr.B, _pr.Ldb, pc, kc, _jc, _nc, dst - (nint)s * kc * NR, NR, s, s + 1, _pr.BPieces);
                Volatile.Write(ref st, 2);
                return;
            }
            var spin = new SpinWait();
            while (Volatile.Read(ref st) != 2) spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    internal static int RoundUp(int x, int m) => (x + m - 1) / m * m;
}
