using System.Numerics;

namespace MiniTorch;

public static partial class Tensor
{
    /// <summary>
    /// True when both tensors have the same shape and every pair of elements satisfies
    /// |a - b| ≤ atol + rtol·|b| (as <c>torch.allclose</c>, without broadcasting). NaNs are unequal unless
    /// <paramref name="equalNaN"/>.
    /// </summary>
    /// <param name="a">The tensor checked.</param>
    /// <param name="b">The reference tensor.</param>
    /// <param name="rtol">The relative tolerance (non-negative).</param>
    /// <param name="atol">The absolute tolerance (non-negative).</param>
    /// <param name="equalNaN">Whether NaN equals NaN.</param>
    /// <returns>Whether the tensors are close everywhere.</returns>
    /// <exception cref="ArgumentException">A tolerance is negative or NaN.</exception>
    public static bool AllClose<T>(Tensor<T> a, Tensor<T> b, double rtol = 1e-5, double atol = 1e-8, bool equalNaN = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(rtol >= 0) || !(atol >= 0)) throw new ArgumentException($"AllClose: tolerances must be non-negative, got rtol={rtol}, atol={atol}.");
        if (!a.SameShape(b)) return false;
        ReadOnlySpan<T> x = a.AsSpan(), y = b.AsSpan();
        for (int i = 0; i < x.Length; i++)
        {
            double u = double.CreateChecked(x[i]), v = double.CreateChecked(y[i]);
            if (double.IsNaN(u) || double.IsNaN(v))
            {
                if (equalNaN && double.IsNaN(u) && double.IsNaN(v)) continue;
                return false;
            }
            if (u == v) continue; // also equal infinities
            if (double.IsInfinity(u) || double.IsInfinity(v)) return false;
            if (!(Math.Abs(u - v) <= atol + rtol * Math.Abs(v))) return false;
        }
        return true;
    }

    /// <summary>The largest |a - b| over the elements of two equally shaped tensors (NaN if any difference is NaN).</summary>
    /// <param name="a">One tensor.</param>
    /// <param name="b">The other, of the same shape.</param>
    /// <returns>The largest absolute difference (0 for empty tensors).</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static double MaxAbsDiff<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!a.SameShape(b)) throw new ArgumentException($"MaxAbsDiff: shapes {a.ShapeString} and {b.ShapeString} differ.");
        ReadOnlySpan<T> x = a.AsSpan(), y = b.AsSpan();
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = Math.Abs(double.CreateChecked(x[i]) - double.CreateChecked(y[i]));
            if (!(d <= worst)) worst = d;
        }
        return worst;
    }
}
