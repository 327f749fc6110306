using System.Numerics;

namespace MiniTorch;

public static partial class Tensor
{
    /// <summary>
    /// The reduced QR decomposition of a matrix (<c>torch.linalg.qr</c>, mode 'reduced'): A = Q·R with Q (m, k) having
    /// orthonormal columns and R (k, n) upper triangular, k = min(m, n). Computed with Householder reflections in
    /// float64 whatever <typeparamref name="T"/> is; the signs are fixed so R's diagonal is non-negative (which makes
    /// the decomposition unique for a full-rank A).
    /// </summary>
    /// <param name="a">A matrix (rank 2).</param>
    /// <returns>Q and R.</returns>
    /// <exception cref="ArgumentException">The input is not a matrix.</exception>
    public static (Tensor<T> Q, Tensor<T> R) Qr<T>(this Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Rank != 2) throw new ArgumentException($"Qr: needs a matrix (rank 2), got shape {a.ShapeString}.");
        int m = a.Shape[0], n = a.Shape[1], k = Math.Min(m, n);
        var w = new double[m * n];                       // A, overwritten by R above the diagonal
        ReadOnlySpan<T> src = a.AsSpan();
        for (int i = 0; i < w.Length; i++) w[i] = double.CreateChecked(src[i]);
        var vs = new double[k][];                        // the Householder vectors (on rows j..m-1)
        for (int j = 0; j < k; j++)
        {
            double norm = 0;
            for (int i = j; i < m; i++) norm += w[i * n + j] * w[i * n + j];
            norm = Math.Sqrt(norm);
            var v = new double[m - j];
            vs[j] = v;
            if (norm == 0) continue;                     // a zero column: H = I
            double alpha = w[j * n + j] > 0 ? -norm : norm;  // reflect onto -sign(x0)·|x| e1 (no cancellation)
            for (int i = j; i < m; i++) v[i - j] = w[i * n + j];
            v[0] -= alpha;
            double vn = 0;
            foreach (double e in v) vn += e * e;
            vn = Math.Sqrt(vn);
            for (int i = 0; i < v.Length; i++) v[i] /= vn;
            for (int c = j; c < n; c++)                  // W[j:, c] -= 2 v (vᵀ W[j:, c])
            {
                double dot = 0;
                for (int i = j; i < m; i++) dot += v[i - j] * w[i * n + c];
                for (int i = j; i < m; i++) w[i * n + c] -= 2 * v[i - j] * dot;
            }
        }
        var q = new double[m * k];                       // Q = H_0 … H_{k-1} · I[:, :k]
        for (int i = 0; i < k; i++) q[i * k + i] = 1;
        for (int j = k - 1; j >= 0; j--)
        {
            var v = vs[j];
            for (int c = 0; c < k; c++)
            {
                double dot = 0;
                for (int i = j; i < m; i++) dot += v[i - j] * q[i * k + c];
                for (int i = j; i < m; i++) q[i * k + c] -= 2 * v[i - j] * dot;
            }
        }
        var qt = new Tensor<T>(m, k);
        var rt = new Tensor<T>(k, n);
        Span<T> qs = qt.AsSpan(), rs = rt.AsSpan();
        for (int j = 0; j < k; j++)
        {
            double sign = w[j * n + j] < 0 ? -1 : 1;     // flip row j of R and column j of Q together
            for (int c = j; c < n; c++) rs[j * n + c] = T.CreateChecked(sign * w[j * n + c]);
            for (int i = 0; i < m; i++) qs[i * k + j] = T.CreateChecked(sign * q[i * k + j]);
        }
        return (qt, rt);
    }
}
