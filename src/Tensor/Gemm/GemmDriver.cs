using System.Numerics;

namespace MiniTorch;

/// <summary>
/// The blocked loop nest of <see cref="Gemm"/> (the Goto/BLIS scheme): for each NC-wide column block of op(B) and
/// each KC-deep slice of K, op(B) is packed once into NR-column panels; then for each MC-tall row block of op(A), that
/// block is packed into MR-row panels and every MR×NR tile of C gets the slice's contribution from the tile kernel.
/// A tile of packed B (KC×NR) stays in L1 while the packed A block (MC×KC) streams from L2.
/// <para>
/// Determinism: the K slices depend on K alone and each tile kernel computes every element as a fused
/// multiply-add chain in k order followed by one add into C, so the value of an element depends neither on the tile it
/// falls in nor on which thread computes it; threads only split the tiles of C among themselves.
/// </para>
/// </summary>
internal static unsafe class GemmDriver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int MR = GemmKernels<T>.MR;
    private static readonly int NR = GemmKernels<T>.NR;

    /// <summary>Depth of a K slice (balanced: K is cut into ceil(K/KC) nearly equal slices).</summary>
    internal static int KC = Env("GEMM_KC", 256);

    /// <summary>Rows of op(A) per packed block.</summary>
    internal static int MC = Env("GEMM_MC", 144);

    /// <summary>Columns of op(B) per packed panel block.</summary>
    internal static int NC = Env("GEMM_NC", 2048);

    /// <summary>Products with fewer multiply-adds than this run on one thread.</summary>
    internal static long ParallelMinWork = Env("GEMM_PMIN", 1 << 21);

    internal static bool DirectB = Env("GEMM_DIRECTB", 0) == 1;

    private static int Env(string name, int dflt) => int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : dflt;

    /// <summary>The operands of one product.</summary>
    internal readonly struct Problem(bool transA, bool transB, int m, int n, int k, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool accumulate)
    {
        public readonly bool TransA = transA, TransB = transB, Accumulate = accumulate;
        public readonly int M = m, N = n, K = k;
        public readonly T* A = a, B = b, C = c;
        public readonly nint Lda = lda, Ldb = ldb, Ldc = ldc;
    }

    /// <summary>How many threads a product of this size uses when <paramref name="maxThreads"/> are allowed.</summary>
    internal static int ThreadsFor(int m, int n, int k, int maxThreads) =>
        (long)m * n * k < ParallelMinWork ? 1 : Math.Max(1, maxThreads);

    /// <summary>Runs the product on up to <paramref name="maxThreads"/> threads (the calling thread included).</summary>
    public static void Run(in Problem pr, int maxThreads)
    {
        int threads = ThreadsFor(pr.M, pr.N, pr.K, maxThreads);
        int kSlices = (pr.K + KC - 1) / KC, kcMax = (pr.K + kSlices - 1) / kSlices;
        int ncMax = Math.Min(NC, pr.N);
        bool direct = DirectB && !pr.TransB;
        T* bp = direct ? null : GemmBuffers<T>.B(kcMax * RoundUp(ncMax, NR));
        Job? job = threads > 1 ? Job.Rent() : null;
        try
        {
            for (int jc = 0; jc < pr.N; jc += NC)
            {
                int nc = Math.Min(NC, pr.N - jc), panels = (nc + NR - 1) / NR;
                for (int q = 0; q < kSlices; q++)
                {
                    int pc = q * kcMax, kc = Math.Min(kcMax, pr.K - pc);
                    bool overwrite = !pr.Accumulate && q == 0;
                    if (job is null)
                    {
                        if (!direct) GemmPack<T>.B(pr.TransB, pr.B, pr.Ldb, pc, kc, jc, nc, bp, NR, 0, panels);
                        Compute(pr, jc, nc, pc, kc, bp, 0, pr.M, 0, panels, overwrite);
                    }
                    else job.Slice(pr, threads, jc, nc, pc, kc, bp, overwrite);
                }
            }
        }
        finally
        {
            job?.Return();
        }
    }

    /// <summary>
    /// One product's parallel state: the current (column block, K slice) and how its work is cut into tasks. A task
    /// is a range of rows (so each A block is packed once) or, when op(A) has too few rows, a range of B panels.
    /// </summary>
    private sealed class Job
    {
        [ThreadStatic] private static Job? t_cached;
        private readonly Action<int> _packB, _compute;
        private readonly ParallelOptions _options = new();
        private Problem _pr;
        private int _jc, _nc, _pc, _kc, _panels, _tasks, _rowsPerTask, _panelsPerTask;
        private T* _bp;
        private bool _overwrite;

        private Job()
        {
            _packB = PackB;
            _compute = ComputeTask;
        }

        public static Job Rent()
        {
            var j = t_cached ?? new Job();
            t_cached = null;
            return j;
        }

        public void Return() => t_cached = this;

        public void Slice(in Problem pr, int threads, int jc, int nc, int pc, int kc, T* bp, bool overwrite)
        {
            (_pr, _jc, _nc, _pc, _kc, _overwrite) = (pr, jc, nc, pc, kc, overwrite);
            _bp = bp;
            _panels = (nc + NR - 1) / NR;
            _options.MaxDegreeOfParallelism = threads;
            if (bp != null)
            {
                _panelsPerTask = (_panels + threads - 1) / threads;
                Parallel.For(0, (_panels + _panelsPerTask - 1) / _panelsPerTask, _options, _packB);
            }
            int microRows = (pr.M + MR - 1) / MR;
            if (microRows >= 2 * threads)
            {
                // Row tasks of about MC rows, their count a multiple of the thread count for balance.
                int tasks = RoundUp(Math.Max(threads, (pr.M + MC - 1) / MC), threads);
                _rowsPerTask = ((microRows + tasks - 1) / tasks) * MR;
                _panelsPerTask = _panels;
            }
            else
            {
                _rowsPerTask = pr.M;
                _panelsPerTask = (_panels + threads - 1) / threads;
            }
            _tasks = ((pr.M + _rowsPerTask - 1) / _rowsPerTask) * ((_panels + _panelsPerTask - 1) / _panelsPerTask);
            Parallel.For(0, _tasks, _options, _compute);
            _pr = default;
        }

        private void PackB(int t)
        {
            int s0 = t * _panelsPerTask, s1 = Math.Min(_panels, s0 + _panelsPerTask);
            GemmPack<T>.B(_pr.TransB, _pr.B, _pr.Ldb, _pc, _kc, _jc, _nc, _bp, NR, s0, s1);
        }

        private void ComputeTask(int t)
        {
            int rowTasks = (_pr.M + _rowsPerTask - 1) / _rowsPerTask;
            int ri = t % rowTasks, si = t / rowTasks;
            int i0 = ri * _rowsPerTask, s0 = si * _panelsPerTask;
            Compute(_pr, _jc, _nc, _pc, _kc, _bp, i0, Math.Min(_pr.M, i0 + _rowsPerTask), s0, Math.Min(_panels, s0 + _panelsPerTask), _overwrite);
        }
    }

    /// <summary>
    /// Adds the K slice [pc, pc+kc) of rows [i0, i1) × panels [s0, s1) of the column block at jc, with op(B) already
    /// packed in <paramref name="bp"/>, or, when it is null, read in place (B not transposed; only a partial last
    /// panel is packed, into the calling thread's buffer). Packs its own A blocks into the calling thread's buffer.
    /// </summary>
    internal static void Compute(in Problem pr, int jc, int nc, int pc, int kc, T* bp, int i0, int i1, int s0, int s1, bool overwrite)
    {
        int mr = MR, nr = NR;
        int amax = RoundUp(Math.Min(MC, i1 - i0), mr) * kc;
        T* ap = GemmBuffers<T>.A(amax + (bp == null ? kc * nr : 0));
        T* tail = ap + amax;
        bool direct = bp == null;
        int fullPanels = nc / nr;
        if (direct && s1 > fullPanels) GemmPack<T>.B(false, pr.B, pr.Ldb, pc, kc, jc + fullPanels * nr, nc - fullPanels * nr, tail, nr, 0, 1);
        for (int ic = i0; ic < i1; ic += MC)
        {
            int mc = Math.Min(MC, i1 - ic);
            GemmPack<T>.A(pr.TransA, pr.A, pr.Lda, ic, mc, pc, kc, ap, mr);
            for (int s = s0; s < s1; s++)
            {
                int j = s * nr, ncols = Math.Min(nr, nc - j);
                T* bs = !direct ? bp + (nint)s * kc * nr : s < fullPanels ? pr.B + (nint)pc * pr.Ldb + jc + j : tail;
                nint bKs = direct && s < fullPanels ? pr.Ldb : nr;
                T* cs = pr.C + (nint)ic * pr.Ldc + jc + j;
                for (int ir = 0; ir < mc; ir += mr)
                    GemmKernels<T>.Tile(kc, ap + (nint)ir * kc, mr, bs, bKs, cs + ir * pr.Ldc, pr.Ldc,
                        Math.Min(mr, mc - ir), ncols, overwrite);
            }
        }
    }

    internal static int RoundUp(int x, int m) => (x + m - 1) / m * m;
}
