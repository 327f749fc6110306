namespace MiniTorch;

/// <summary>Special functions that System.Math lacks, in float64.</summary>
public static class Special
{
    /// <summary>
    /// The error function erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt, within 4 units in the last place of float64. Below |x| = 2 from
    /// the series erf(x) = (2/√π)·e^(−x²)·Σₙ 2ⁿx^(2n+1)/(1·3·…·(2n+1)), whose terms are all of one sign (no
    /// cancellation); from 2 on as 1 − erfc(x) with erfc from its continued fraction
    /// erfc(x) = (e^(−x²)/√π) / (x + (1/2)/(x + 1/(x + (3/2)/(x + …)))); beyond 6 erf rounds to ±1. NaN gives NaN.
    /// </summary>
    /// <param name="x">The argument.</param>
    /// <returns>erf(x).</returns>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        if (a > 6) return Math.Sign(x);
        if (a >= 2)
        {
            double f = a;                                  // the continued fraction, evaluated from a fixed depth
            for (int n = 120; n >= 1; n--) f = a + n / 2.0 / f;
            return Math.CopySign(1 - Math.Exp(-a * a) / Math.Sqrt(Math.PI) / f, x);
        }
        double z2 = 2 * a * a, term = a, sum = a;
        for (int n = 1; term > 1e-17 * sum; n++)
        {
            term *= z2 / (2 * n + 1);
            sum += term;
        }
        return Math.CopySign(2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum, x);
    }
}
