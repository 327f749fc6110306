namespace MiniTorch;

/// <summary>
/// The K rows of a GEMM operand stored in pieces rather than as one matrix: piece s holds rows
/// [Start[s], Start[s + 1]) at address Base[s], every piece with the same row stride. A transposed A (K×M) or a plain B (K×N) given
/// this way is packed from where its rows lie, so Σᵢ aᵢᵀ·gᵢ over many small pairs is one GEMM without first copying
/// the pairs into stacked matrices. The caller keeps the pieces' memory pinned while the product runs.
/// </summary>
internal sealed unsafe class GemmRows<T> where T : unmanaged
{
    private readonly int[] _start;
    private readonly nint[] _base;

    /// <param name="start">First row of each piece, then the total row count (length pieces + 1, increasing).</param>
    /// <param name="bases">Each piece's first row.</param>
    /// <param name="ld">The pieces' row stride.</param>
    public GemmRows(int[] start, nint[] bases, nint ld)
    {
        _start = start;
        _base = bases;
        Ld = ld;
    }

    /// <summary>The pieces' row stride.</summary>
    public nint Ld { get; }

    /// <summary>All rows.</summary>
    public int Rows => _start[^1];

    /// <summary>Row <paramref name="p"/>'s address and the end (exclusive) of its piece's rows.</summary>
    public T* At(int p, out int end)
    {
        int s = Array.BinarySearch(_start, p);
        if (s < 0) s = ~s - 1;
        while (_start[s + 1] == p) s++; // past empty pieces that start here
        end = _start[s + 1];
        return (T*)_base[s] + (nint)(p - _start[s]) * Ld;
    }
}
