using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MiniTorch.Autograd;

namespace MiniTorch.Testing;

/// <summary>
/// The property "the autograd gradient matches central differences", built on <c>GradCheck.Run</c>: in float64,
/// the function's output is contracted with a random normal upstream gradient (seeded from the input values, so a
/// replayed case sees the same upstream), and each input's autograd gradient must be within <c>tolerance</c> scaled error
/// (max |analytic - numeric| / max |numeric|) of the central-difference gradient. An input whose gradients differ by
/// at most <see cref="DefaultAbsoluteTolerance"/> everywhere also passes: where the true gradient is (nearly) zero, the
/// scaled error compares noise with noise (at x = 0, x³'s central difference is h² = 1e-10, not 0).
/// </summary>
/// <example>
/// Property-testing a user-defined op (a <see cref="Function{T}"/> subclass <c>Cube</c>) with FsCheck.Xunit:
/// <code>
/// [Property(Arbitrary = [typeof(MiniTorchArbitraries)], MaxTest = 50)]
/// public Property CubeGradient(Tensor&lt;double&gt; x) =&gt;
///     GradientProperty.Check(v =&gt; new Cube().Apply(v[0]), x);
///
/// // or, choosing the inputs explicitly (a divisor kept away from zero):
/// [Property(MaxTest = 50)]
/// public Property DivGradient() =&gt;
///     Prop.ForAll(TensorArb.BroadcastPair(b: ValueDomain.AwayFromZero()), p =&gt; GradientProperty.Check(v =&gt; v[0] / v[1], p.A, p.B));
/// </code>
/// On failure FsCheck prints the shrunk case, the replay seed and this property's label: the input shapes, the
/// GradCheck report (rel_error and scaled error per input) and the worst element of each failing input.
/// </example>
public static class GradientProperty
{
    /// <summary>The default bound on the scaled error, 1e-7.</summary>
    public const double DefaultTolerance = 1e-7;

    /// <summary>Absolute differences up to this (1e-9) are central-difference noise (h = 1e-5 gives O(h²) = 1e-10 truncation).</summary>
    public const double DefaultAbsoluteTolerance = 1e-9;

    /// <summary>The property for <paramref name="f"/> at <paramref name="inputs"/>, with the default tolerance, checking every input.</summary>
    /// <param name="f">The function: builds its output from the input variables with ops.</param>
    /// <param name="inputs">The point at which the gradient is checked (not modified).</param>
    /// <returns>A property that holds when every input passes; its label describes a failure.</returns>
    public static Property Check(Func<Variable<double>[], Variable<double>> f, params Tensor<double>[] inputs) =>
        Check(f, inputs, DefaultTolerance);

    /// <summary>
    /// The property for <paramref name="f"/> at <paramref name="inputs"/>: true when every checked input's scaled error
    /// is below <paramref name="tolerance"/>; otherwise false, labelled with a readable report.
    /// </summary>
    /// <param name="f">The function under test; it receives one variable per input and must be deterministic.</param>
    /// <param name="inputs">The point at which the gradient is checked (not modified).</param>
    /// <param name="tolerance">Bound on the scaled error.</param>
    /// <param name="wrt">Which inputs to check (all by default).</param>
    /// <param name="absoluteTolerance">An input also passes when max |analytic - numeric| is at most this.</param>
    /// <returns>A property that holds when every input passes; its label describes a failure.</returns>
    public static Property Check(Func<Variable<double>[], Variable<double>> f, IReadOnlyList<Tensor<double>> inputs,
        double tolerance = DefaultTolerance, IReadOnlyList<bool>? wrt = null, double absoluteTolerance = DefaultAbsoluteTolerance)
    {
        var report = Run(f, inputs, wrt);
        bool ok = Passes(report, tolerance, absoluteTolerance);
        return ok.Label(ok ? "gradient matches central differences" : Describe(inputs, report, tolerance, absoluteTolerance));
    }

    /// <summary>
    /// The same check outside FsCheck: returns the report, or throws a <see cref="GradCheckException"/> whose message
    /// holds the input shapes and the report when some scaled error is not below <paramref name="tolerance"/>.
    /// </summary>
    /// <param name="f">The function: builds its output from the input variables with ops.</param>
    /// <param name="inputs">The point at which the gradient is checked (not modified).</param>
    /// <param name="tolerance">Bound on the scaled error.</param>
    /// <param name="wrt">Which inputs to check (all by default).</param>
    /// <param name="absoluteTolerance">An input also passes when max |analytic - numeric| is at most this.</param>
    /// <returns>The report of a passing check.</returns>
    /// <exception cref="GradCheckException">An input fails; the message holds the shapes and the report.</exception>
    public static GradCheckReport Assert(Func<Variable<double>[], Variable<double>> f, IReadOnlyList<Tensor<double>> inputs,
        double tolerance = DefaultTolerance, IReadOnlyList<bool>? wrt = null, double absoluteTolerance = DefaultAbsoluteTolerance)
    {
        var report = Run(f, inputs, wrt);
        if (!Passes(report, tolerance, absoluteTolerance)) throw new GradCheckException(Describe(inputs, report, tolerance, absoluteTolerance));
        return report;
    }

    private static bool Fails(InputGradReport r, double tolerance, double absoluteTolerance) =>
        !(r.ScaledError < tolerance) && !(MaxAbsDifference(r) <= absoluteTolerance);

    private static bool Passes(GradCheckReport report, double tolerance, double absoluteTolerance) =>
        !report.Inputs.Any(r => Fails(r, tolerance, absoluteTolerance));

    private static double MaxAbsDifference(InputGradReport r)
    {
        ReadOnlySpan<double> a = r.Analytic.AsSpan(), n = r.Numeric.AsSpan();
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs(a[i] - n[i]);
            if (!(d <= worst)) worst = d; // NaN counts as the worst
        }
        return worst;
    }

    private static GradCheckReport Run(Func<Variable<double>[], Variable<double>> f, IReadOnlyList<Tensor<double>> inputs, IReadOnlyList<bool>? wrt)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        return GradCheck.Run(f, inputs, seed: SeedOf(inputs), wrt: wrt);
    }

    /// <summary>A seed that depends on every input value and shape (FNV-1a over their bits).</summary>
    private static ulong SeedOf(IReadOnlyList<Tensor<double>> inputs)
    {
        ulong h = 14695981039346656037UL;
        void Mix(ulong v) { h ^= v; h *= 1099511628211UL; }
        foreach (var t in inputs)
        {
            foreach (int s in t.Shape) Mix((ulong)s);
            foreach (double v in t.AsSpan()) Mix(BitConverter.DoubleToUInt64Bits(v));
        }
        return h;
    }

    /// <summary>The failure text: shapes, tolerance, the GradCheck report, and each failing input's worst element.</summary>
    /// <param name="inputs">The inputs that were checked.</param>
    /// <param name="report">Their gradient check report.</param>
    /// <param name="tolerance">The scaled-error bound applied.</param>
    /// <param name="absoluteTolerance">The absolute bound applied.</param>
    /// <returns>The text.</returns>
    public static string Describe(IReadOnlyList<Tensor<double>> inputs, GradCheckReport report, double tolerance,
        double absoluteTolerance = DefaultAbsoluteTolerance)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"gradient check failed: scaled error {report.MaxScaledError:G3} is not below {tolerance:G3} (nor max |difference| <= {absoluteTolerance:G3}) for inputs of shapes {string.Join(", ", inputs.Select(t => t.ShapeString))}\n");
        sb.Append(report);
        foreach (var r in report.Inputs.Where(r => Fails(r, tolerance, absoluteTolerance)))
        {
            ReadOnlySpan<double> a = r.Analytic.AsSpan(), n = r.Numeric.AsSpan();
            int worst = 0;
            for (int i = 1; i < a.Length; i++)
                if (!(Math.Abs(a[i] - n[i]) <= Math.Abs(a[worst] - n[worst]))) worst = i;
            if (a.Length > 0)
                sb.Append(CultureInfo.InvariantCulture, $"\n  input {r.Index}: worst at flat index {worst}: autograd {a[worst]:G10} vs numeric {n[worst]:G10}");
        }
        return sb.ToString();
    }
}
