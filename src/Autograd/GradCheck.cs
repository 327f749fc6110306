using System.Globalization;
using System.Text;

namespace MiniTorch.Autograd;

/// <summary>One input's comparison of the autograd gradient with central differences.</summary>
/// <param name="Index">Position of the input.</param>
/// <param name="RelError">CS231n's rel_error: max |a-n| / max(1e-8, |a|+|n|) over elements.</param>
/// <param name="ScaledError">max |a-n| / max |n| (max |a-n| when n is all zero).</param>
/// <param name="Analytic">The autograd gradient.</param>
/// <param name="Numeric">The central-difference gradient.</param>
public sealed record InputGradReport(int Index, double RelError, double ScaledError, Tensor<double> Analytic, Tensor<double> Numeric);

/// <summary>The result of <c>GradCheck.Run</c>: one report per checked input.</summary>
public sealed class GradCheckReport
{
    internal GradCheckReport(IReadOnlyList<InputGradReport> inputs, ulong seed, double step)
    {
        Inputs = inputs;
        Seed = seed;
        Step = step;
    }

    /// <summary>Per-input reports (only the inputs that were checked).</summary>
    public IReadOnlyList<InputGradReport> Inputs { get; }
    /// <summary>The seed of the random upstream gradient.</summary>
    public ulong Seed { get; }
    /// <summary>The finite-difference step.</summary>
    public double Step { get; }
    /// <summary>Largest rel_error over the inputs.</summary>
    public double MaxRelError => Inputs.Count == 0 ? 0 : Inputs.Max(r => r.RelError);
    /// <summary>Largest scaled error over the inputs.</summary>
    public double MaxScaledError => Inputs.Count == 0 ? 0 : Inputs.Max(r => r.ScaledError);

    /// <summary>Throws a <see cref="GradCheckException"/> (with this report) unless every scaled error is below <paramref name="tolerance"/>.</summary>
    /// <param name="tolerance">The largest scaled error accepted.</param>
    /// <returns>This report, for chaining.</returns>
    /// <exception cref="GradCheckException">An input's scaled error is at or above the tolerance; the message lists every input.</exception>
    public GradCheckReport AssertScaledErrorBelow(double tolerance)
    {
        if (!(MaxScaledError < tolerance)) throw new GradCheckException($"gradient check failed: scaled error {MaxScaledError:G3} is not below {tolerance:G3}\n{this}");
        return this;
    }

    /// <summary>One line per input with both errors; the full tensors of any failing input are in <see cref="Inputs"/>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"GradCheck (h={Step:G3}, upstream seed={Seed})"));
        foreach (var r in Inputs)
            sb.Append(CultureInfo.InvariantCulture, $"\n  input {r.Index} {r.Analytic.ShapeString}: rel_error={r.RelError:G3} scaled_error={r.ScaledError:G3}");
        return sb.ToString();
    }
}

/// <summary>Thrown by <see cref="GradCheckReport.AssertScaledErrorBelow"/>.</summary>
/// <param name="message">The report of the failing check.</param>
public sealed class GradCheckException(string message) : Exception(message);

/// <summary>
/// Checks autograd gradients against central differences in float64 (as <c>torch.autograd.gradcheck</c>). The function's
/// output y is contracted with a random normal upstream gradient G, so every output element counts with a different
/// weight: the analytic side is y.Backward(G), the numeric side is (φ(x+h) - φ(x-h)) / 2h with φ = Σ G⊙f(x).
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Compares gradients of <paramref name="f"/> at <paramref name="inputs"/>. <paramref name="wrt"/> selects the
    /// inputs to check (all by default). The inputs are copied; f must be deterministic.
    /// </summary>
    /// <param name="f">The function: builds its output from the given input variables with ops.</param>
    /// <param name="inputs">The point to check at (copied).</param>
    /// <param name="step">The finite-difference step h.</param>
    /// <param name="seed">Seed of the random upstream gradient.</param>
    /// <param name="wrt">Which inputs to check, one flag per input; null for all.</param>
    /// <returns>Both errors per checked input.</returns>
    /// <exception cref="ArgumentException"><paramref name="wrt"/> has the wrong length.</exception>
    public static GradCheckReport Run(Func<Variable<double>[], Variable<double>> f, IReadOnlyList<Tensor<double>> inputs,
        double step = 1e-5, ulong seed = 0, IReadOnlyList<bool>? wrt = null)
    {
        if (wrt is not null && wrt.Count != inputs.Count)
            throw new ArgumentException($"GradCheck: wrt has {wrt.Count} entries for {inputs.Count} inputs.");
        bool Checked(int i) => wrt is null || wrt[i];
        var leaves = inputs.Select((t, i) => new Variable<double>(t.Clone(), Checked(i), $"input{i}")).ToArray();
        var indices = Enumerable.Range(0, inputs.Count).Where(Checked).ToArray();
        return Compare(() => f(leaves), indices.Select(i => leaves[i]).ToArray(), indices, step, seed);
    }

    /// <summary>
    /// Compares the gradients of <paramref name="f"/> with respect to existing leaf variables, such as a module's
    /// parameters (<c>GradCheck.Run(() =&gt; model.Loss(x), model.Parameters().ToList())</c>). Their values are
    /// perturbed in place and restored exactly, and their <see cref="Variable{T}.Grad"/> is left as it was.
    /// Report indices are positions in <paramref name="wrt"/>.
    /// </summary>
    /// <param name="f">The function: builds its output from the variables in <paramref name="wrt"/> (and any others).</param>
    /// <param name="wrt">Leaf variables that require grad, each at most once.</param>
    /// <param name="step">The finite-difference step h.</param>
    /// <param name="seed">Seed of the random upstream gradient.</param>
    /// <returns>Both errors per variable, indexed by position in <paramref name="wrt"/>.</returns>
    /// <exception cref="ArgumentException">A variable is not a leaf requiring grad, or is listed twice.</exception>
    public static GradCheckReport Run(Func<Variable<double>> f, IReadOnlyList<Variable<double>> wrt, double step = 1e-5, ulong seed = 0)
    {
        for (int i = 0; i < wrt.Count; i++)
        {
            if (!wrt[i].IsLeaf || !wrt[i].RequiresGrad)
                throw new ArgumentException($"GradCheck: wrt[{i}] ({wrt[i].Name ?? "unnamed"}, {wrt[i].Data.ShapeString}) must be a leaf that requires grad.");
            for (int j = 0; j < i; j++)
                if (ReferenceEquals(wrt[i], wrt[j])) throw new ArgumentException($"GradCheck: wrt[{j}] and wrt[{i}] are the same variable.");
        }
        return Compare(f, wrt, Enumerable.Range(0, wrt.Count).ToArray(), step, seed);
    }

    private static GradCheckReport Compare(Func<Variable<double>> f, IReadOnlyList<Variable<double>> wrt, int[] indices, double step, ulong seed)
    {
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), $"GradCheck: step must be positive, got {step}.");
        var y = f();
        var upstream = new Rng(seed).Normal<double>(y.Data.ShapeArray);
        // Autograd.Grad leaves every .Grad as it was; an input the output does not depend on has a zero gradient.
        var grads = y.RequiresGrad ? Autograd.Grad([y], wrt, [upstream], allowUnused: true) : new Tensor<double>?[wrt.Count];
        var analytic = new Tensor<double>[wrt.Count];
        for (int i = 0; i < wrt.Count; i++) analytic[i] = grads[i] ?? new Tensor<double>(wrt[i].Data.ShapeArray);

        double Phi()
        {
            using var _ = GradMode.NoGrad();
            var output = f().Data;
            if (!output.SameShape(upstream))
                throw new InvalidOperationException($"GradCheck: the function's output shape changed from {upstream.ShapeString} to {output.ShapeString}.");
            return System.Numerics.Tensors.TensorPrimitives.Dot<double>(output.AsSpan(), upstream.AsSpan());
        }

        var reports = new List<InputGradReport>();
        for (int i = 0; i < wrt.Count; i++)
        {
            var numeric = new Tensor<double>(wrt[i].Data.ShapeArray);
            var x = wrt[i].Data.AsSpan();
            var n = numeric.AsSpan();
            for (int j = 0; j < x.Length; j++)
            {
                double old = x[j];
                try
                {
                    x[j] = old + step; double plus = Phi();
                    x[j] = old - step; double minus = Phi();
                    n[j] = (plus - minus) / (2 * step);
                }
                finally { x[j] = old; }
            }
            reports.Add(new InputGradReport(indices[i], RelError(analytic[i].AsSpan(), n), ScaledError(n, analytic[i].AsSpan()), analytic[i], numeric));
        }
        return new GradCheckReport(reports, seed, step);
    }

    /// <summary>CS231n's rel_error: max over elements of |a-b| / max(1e-8, |a|+|b|).</summary>
    /// <param name="a">One set of values.</param>
    /// <param name="b">The other, of the same length.</param>
    /// <returns>max |a - b| / max(1e-8, |a| + |b|) over the elements.</returns>
    public static double RelError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        CheckLengths(a.Length, b.Length, "RelError");
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double e = Math.Abs(a[i] - b[i]) / Math.Max(1e-8, Math.Abs(a[i]) + Math.Abs(b[i]));
            if (!(e <= worst)) worst = e; // NaN propagates as the worst
        }
        return worst;
    }

    /// <summary>max |expected-actual| / max |expected|; the plain max difference when expected is all zero.</summary>
    /// <param name="expected">The reference values.</param>
    /// <param name="actual">The values checked, of the same length.</param>
    /// <returns>max |expected - actual| / max |expected|.</returns>
    public static double ScaledError(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        CheckLengths(expected.Length, actual.Length, "ScaledError");
        double diff = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (!(d <= diff)) diff = d;
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return scale > 0 ? diff / scale : diff;
    }

    private static void CheckLengths(int a, int b, string op)
    {
        if (a != b) throw new ArgumentException($"{op}: the tensors have {a} and {b} elements.");
    }
}
