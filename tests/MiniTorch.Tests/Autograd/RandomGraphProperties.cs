using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using System.Text.RegularExpressions;
using MiniTorch.Autograd;

namespace MiniTorch.Tests.Autograd;

/// <summary>
/// Random graphs against central differences: the paths where the engine adds a gradient to one that already exists,
/// or decides who owns a buffer, are exactly what single-op properties never reach. Programs are DAGs over a shared
/// weight W, inputs X (computed on) and B3 (batched), a bias b and a constant C, with fan-out, views of one base
/// (reshape, narrow + concat), computed and constant operands on either side of a matmul, batched and not.
/// A failure shrinks to a minimal program and prints it.
/// </summary>
public class RandomGraphProperties
{
    /// <summary>One instruction: an op code and three operand picks (taken modulo the candidates available).</summary>
    public sealed record Instr(int Op, int A, int B, int C);

    /// <summary>A program and the size n of its square matrices.</summary>
    public sealed record Program(int N, Instr[] Code, ulong Seed)
    {
        public override string ToString() => Run(Leaves(this), this).Text;
    }

    private const int OpCount = 16;

    private static Gen<Program> Programs =>
        from n in Gen.Choose(2, 3)
        from len in Gen.Choose(1, 9)
        from code in Gen.ArrayOf(
            from op in Gen.Choose(0, OpCount - 1)
            from a in Gen.Choose(0, 50)
            from b in Gen.Choose(0, 50)
            from c in Gen.Choose(0, 50)
            select new Instr(op, a, b, c), len)
        from seed in Gen.Choose(0, 100_000)
        select new Program(n, code, (ulong)seed);

    private static IEnumerable<Program> Shrink(Program p)
    {
        for (int i = 0; i < p.Code.Length; i++)
            if (p.Code.Length > 1) yield return p with { Code = [.. p.Code[..i], .. p.Code[(i + 1)..]] };
        if (p.N > 2) yield return p with { N = 2 };
    }

    internal static Tensor<double>[] Leaves(Program p)
    {
        var rng = new Rng(p.Seed);
        int n = p.N;
        Tensor<double> Draw(params int[] shape) => rng.Normal<double>(shape) * 0.5;
        return [Draw(n, n), Draw(n, n), Draw(2, n, n), Draw(n), Draw(n, n)]; // W, X, B3, b, C
    }

    private sealed record Value(Variable<double> V, string Name);

    /// <summary>Runs the program on leaves (the last one a constant) and returns the output and the program's text.</summary>
    internal static (Variable<double> Output, string Text) Run(IReadOnlyList<Tensor<double>> leafData, Program p, Variable<double>[]? leaves = null)
    {
        leaves ??= [.. leafData.Select((t, i) => new Variable<double>(t, i < 4))];
        string[] names = ["W", "X", "B3", "b", "C"];
        var values = leaves.Select((v, i) => new Value(v, names[i])).ToList();
        var used = new HashSet<int>();
        var text = new System.Text.StringBuilder();
        int n = p.N;

        int Pick(int choice, Func<Value, bool> ok)
        {
            var candidates = Enumerable.Range(0, values.Count).Where(i => ok(values[i])).ToList();
            int k = candidates[choice % candidates.Count];
            used.Add(k);
            return k;
        }
        bool Mat(Value v) => v.V.Rank >= 2;
        bool Two(Value v) => v.V.Rank == 2;

        foreach (var ins in p.Code)
        {
            Variable<double> r;
            string s;
            int i = Pick(ins.A, _ => true), j;
            var (a, an) = (values[i].V, values[i].Name);
            switch (ins.Op)
            {
                case 0: j = Pick(ins.B, _ => true); r = a + values[j].V; s = $"{an} + {values[j].Name}"; break;
                case 1: j = Pick(ins.B, _ => true); r = a * values[j].V; s = $"{an} * {values[j].Name}"; break;
                case 2: j = Pick(ins.B, _ => true); r = a - values[j].V; s = $"{an} - {values[j].Name}"; break;
                case 3: // matmul: a computed or constant operand on either side, batched when the left is 3-D
                    i = Pick(ins.A, Mat); (a, an) = (values[i].V, values[i].Name);
                    j = Pick(ins.B, a.Rank == 3 ? Mat : Two);
                    r = a.MatMul(values[j].V); s = $"{an} @ {values[j].Name}"; break;
                case 4: // addmm with any addend that broadcasts
                    i = Pick(ins.A, Mat); (a, an) = (values[i].V, values[i].Name);
                    j = Pick(ins.B, Two);
                    int c = Pick(ins.C, v => v.V.Rank <= a.Rank);
                    r = Ops.AddMatMul(values[c].V, a, values[j].V); s = $"addmm({values[c].Name}, {an}, {values[j].Name})"; break;
                case 5: r = a.Tanh(); s = $"tanh({an})"; break;
                case 6: r = a.Sigmoid(); s = $"sigmoid({an})"; break;
                case 7: r = a * 0.5 + 0.25; s = $"0.5 * {an} + 0.25"; break;
                case 8: r = a.Reshape(-1).Reshape(a.Data.ShapeArray); s = $"{an}.view(-1).view(shape)"; break;
                case 9: // two views of one base, joined again (a row rotation)
                    i = Pick(ins.A, Mat); (a, an) = (values[i].V, values[i].Name);
                    int k = 1 + ins.B % (n - 1);
                    r = Ops.Concat([a.Narrow(-2, k, n - k), a.Narrow(-2, 0, k)], -2); s = $"cat({an}[{k}:], {an}[:{k}])"; break;
                case 10: i = Pick(ins.A, Mat); (a, an) = (values[i].V, values[i].Name); r = a.Transpose(); s = $"{an}.T"; break;
                case 11: r = a.Square(); s = $"{an}²"; break;
                case 12:
                    i = Pick(ins.A, Mat); (a, an) = (values[i].V, values[i].Name);
                    r = a.Rank == 3 ? a.Sum(0) : a + a.Mean(0, keepDim: true); s = a.Rank == 3 ? $"{an}.sum(0)" : $"{an} + {an}.mean(0)"; break;
                case 13:
                    i = Pick(ins.A, Mat); (a, an) = (values[i].V, values[i].Name);
                    int at = ins.B % a.Dim(0);
                    r = a.Select(0, at); s = $"{an}[{at}]"; break;
                case 14:
                    i = Pick(ins.A, Two); (a, an) = (values[i].V, values[i].Name);
                    j = Pick(ins.B, Two);
                    r = Ops.Stack([a, values[j].V], 0); s = $"stack({an}, {values[j].Name})"; break;
                default: // a constant left operand times a computed right one
                    i = Pick(ins.A, Two); (a, an) = (values[i].V, values[i].Name);
                    r = values[4].V.MatMul(a); s = $"C @ {an}"; break;
            }
            string name = $"v{values.Count - leaves.Length}";
            text.Append($"{name} = {s}; ");
            values.Add(new Value(r, name));
        }
        // The output: the last value plus the sums of all values nothing consumed (each one's gradient counts).
        var output = values[^1].V;
        var extra = new List<string>();
        for (int k = leaves.Length; k < values.Count - 1; k++)
        {
            if (used.Contains(k)) continue;
            output = output + values[k].V.Sum() * 0.3;
            extra.Add(values[k].Name);
        }
        if (!Regex.IsMatch(text.ToString() + values[^1].Name, @"\b(W|X|B3|b)\b")) { output = output + values[0].V.Sum() * 0.3; extra.Add("W"); } // only constants so far
        text.Append($"out = {values[^1].Name}{string.Concat(extra.Select(e => $" + 0.3 * sum({e})"))}");
        return (output, text.ToString());
    }

    [Property(MaxTest = 150)]
    public Property GraphGradientsMatchCentralDifferences() => Prop.ForAll(Arb.From(Programs, Shrink), p =>
    {
        var data = Leaves(p);
        var report = GradCheck.Run(v => Run(data, p, [.. v.Select((x, i) => i < 4 ? x : x.Detach())]).Output, data,
            seed: p.Seed, wrt: [true, true, true, true, false]);
        // A gradient that cancels to zero (sum(B3.T) - sum(B3)) has no scale: there the absolute difference counts.
        static bool Close(InputGradReport r) => r.ScaledError < 1e-7 || MaxAbsDiff(r) < 1e-9;
        static double MaxAbsDiff(InputGradReport r) => r.Analytic.AsSpan().ToArray().Zip(r.Numeric.AsSpan().ToArray(), (a, n) => Math.Abs(a - n)).Max();
        return report.Inputs.All(Close).Label($"{p}: worst scaled error {report.Inputs.Max(r => r.ScaledError):E2}");
    });

    [Property(MaxTest = 60)]
    public Property GradAndBackwardAgreeAndAreReproducible() => Prop.ForAll(Arb.From(Programs, Shrink), p =>
    {
        var data = Leaves(p);
        Tensor<double>[] ViaBackward()
        {
            var leaves = data.Select((t, i) => new Variable<double>(t, i < 4)).ToArray();
            var y = Run(data, p, leaves).Output;
            y.Backward(new Rng(p.Seed + 1).Normal<double>(y.Data.ShapeArray));
            return [.. leaves.Take(4).Select(l => l.Grad ?? new Tensor<double>(l.Data.ShapeArray))];
        }
        var leavesG = data.Select((t, i) => new Variable<double>(t, i < 4)).ToArray();
        var yG = Run(data, p, leavesG).Output;
        var viaGrad = MiniTorch.Autograd.Autograd.Grad([yG], leavesG.Take(4).ToArray(), [new Rng(p.Seed + 1).Normal<double>(yG.Data.ShapeArray)], allowUnused: true);
        var first = ViaBackward();
        var second = ViaBackward();
        bool same = true;
        for (int k = 0; k < 4; k++)
        {
            same &= first[k].AsSpan().SequenceEqual(second[k].AsSpan()); // bit-reproducible
            same &= first[k].AsSpan().SequenceEqual((viaGrad[k] ?? new Tensor<double>(data[k].ShapeArray)).AsSpan());
        }
        return same.Label(p.ToString());
    });
}
