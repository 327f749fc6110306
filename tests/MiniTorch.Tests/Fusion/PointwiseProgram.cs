using System.Globalization;
using System.Numerics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MiniTorch.Autograd;
using MiniTorch.Autograd.Functions;
using MiniTorch.Testing;

namespace MiniTorch.Tests.Fusion;

/// <summary>The instructions of a random pointwise program (domain care is part of each op's meaning, see <see cref="PointwiseProgram"/>).</summary>
public enum POp
{
    Exp, Log, Tanh, Sigmoid, Relu, Square, Sqrt, Pow, Neg, Scale, AddScalar, Add, Sub, Mul, Div, Narrow, Concat,
    Abs, Sin, Cos, LeakyRelu, Gelu, GeluTanh, Clamp, Maximum, Minimum,
}

/// <summary>One instruction: an op over earlier values (arguments first, then instructions), with its constants.</summary>
public sealed record PInstr(POp Op, int[] Args, double C = 0, double P = 0, int Start = 0, int Length = 0);

/// <summary>An argument: its leading axes (a suffix of the rows' shape with some axes 1, or none: a bias row) and its width.</summary>
public sealed record PArg(int[] Lead, int Width);

/// <summary>
/// A random pointwise program over the primitive set: a DAG (values may be used many times), last-axis narrows and
/// concats, broadcast bias rows, constants, 1-4 outputs. The ops whose domain is restricted are generated so that
/// every value stays in it, whatever the inputs: log, sqrt and pow act on x² + c (c ≥ 0.25), a divisor is b² + c, relu
/// acts only on an argument (whose values are kept ≥ 0.25 away from its kink), and exp, sin and cos only on a value
/// bounded by 3 (cos(u) of a u up to 100 turns so fast that central differences with h = 1e-5 miss by 1e-6).
/// Every value's magnitude bound stays below 100, so central differences stay accurate. The other kinked ops (abs and
/// leaky_relu at 0, clamp at its bounds, maximum/minimum where the operands tie) act on any value: <see cref="Inputs"/>
/// draws again when a value lands within <see cref="KinkGap"/> of a kink without sitting exactly on it (an exact hit
/// comes from a constant or from two equal expressions, where both one-sided derivatives agree).
/// </summary>
public sealed record PointwiseProgram(int[] Rows, PArg[] Args, PInstr[] Body, int[] Outputs, ulong Seed, int ChunkElements)
{
    /// <summary>Argument values: |x| in [0.25, 2].</summary>
    public static ValueDomain Values { get; } = ValueDomain.AwayFromZero(0.25, 2);

    private const double MaxBound = 100;

    /// <summary>The argument shapes.</summary>
    public int[][] ArgShapes => Args.Select(a => a.Lead.Append(a.Width).ToArray()).ToArray();

    /// <summary>How far (at least) an operand of a kinked op stays from its kink, unless exactly on it (see <see cref="Inputs"/>).</summary>
    public const double KinkGap = 1e-3;

    /// <summary>
    /// The arguments' values (float64), from <see cref="Seed"/>: the first draw that puts no kinked op's operand
    /// within <see cref="KinkGap"/> of its kink (a central difference with h = 1e-5 then never straddles one).
    /// </summary>
    public Tensor<double>[] Inputs()
    {
        var rng = new Rng(Seed);
        Tensor<double>[] x = [];
        for (int attempt = 0; attempt < 100; attempt++)
        {
            x = ArgShapes.Select(s => Values.Fill(s, rng)).ToArray();
            if (!NearKink(x)) break;
        }
        return x;
    }

    /// <summary>Whether some kinked op meets an operand closer than <see cref="KinkGap"/> to its kink (but not on it).</summary>
    private bool NearKink(Tensor<double>[] inputs)
    {
        static bool Near(Tensor<double> d) => d.ToArray().Any(e => e != 0 && Math.Abs(e) < KinkGap);
        using var _ = GradMode.NoGrad();
        var v = RunAll(inputs.Select(t => t.AsVariable()).ToArray());
        for (int i = 0; i < Body.Length; i++)
        {
            var s = Body[i];
            var x = v[s.Args[0]];
            bool near = s.Op switch
            {
                POp.Abs or POp.LeakyRelu => Near(x.Data),
                POp.Clamp => (double.IsFinite(s.C) && Near((x - s.C).Data)) || (double.IsFinite(s.P) && Near((x - s.P).Data)),
                POp.Maximum or POp.Minimum => Near((x - v[s.Args[1]]).Data),
                _ => false,
            };
            if (near) return true;
        }
        return false;
    }

    private int Count => Args.Length + Body.Length;

    /// <summary>Runs the program with the ordinary ops (eagerly, or traced inside Fuse.Pointwise).</summary>
    public Variable<T>[] Run<T>(Variable<T>[] args) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = RunAll(args);
        return Outputs.Select(o => v[o]).ToArray();
    }

    /// <summary>Every value of the program: the arguments, then one per instruction.</summary>
    private Variable<T>[] RunAll<T>(Variable<T>[] args) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = new Variable<T>[Count];
        for (int i = 0; i < Args.Length; i++) v[i] = args[i];
        T K(double x) => T.CreateChecked(x);
        Variable<T> Pos(Variable<T> x, double c) => x.Square() + K(c); // x² + c > 0
        for (int i = 0; i < Body.Length; i++)
        {
            var s = Body[i];
            var a = s.Args.Select(j => v[j]).ToArray();
            v[Args.Length + i] = s.Op switch
            {
                POp.Exp => a[0].Exp(),
                POp.Log => Pos(a[0], s.C).Log(),
                POp.Tanh => a[0].Tanh(),
                POp.Sigmoid => a[0].Sigmoid(),
                POp.Relu => a[0].Relu(),
                POp.Square => a[0].Square(),
                POp.Sqrt => Pos(a[0], s.C).Sqrt(),
                POp.Pow => Pos(a[0], s.C).Pow(K(s.P)),
                POp.Neg => -a[0],
                POp.Scale => a[0] * K(s.C),
                POp.AddScalar => a[0] + K(s.C),
                POp.Add => a[0] + a[1],
                POp.Sub => a[0] - a[1],
                POp.Mul => a[0] * a[1],
                POp.Div => a[0] / Pos(a[1], s.C),
                POp.Narrow => a[0].Narrow(-1, s.Start, s.Length),
                POp.Abs => a[0].Abs(),
                POp.Sin => a[0].Sin(),
                POp.Cos => a[0].Cos(),
                POp.LeakyRelu => a[0].LeakyRelu(s.C),
                POp.Gelu => a[0].Gelu(),
                POp.GeluTanh => a[0].Gelu(GeluApproximation.Tanh),
                POp.Clamp => a[0].Clamp(double.IsFinite(s.C) ? s.C : null, double.IsFinite(s.P) ? s.P : null),
                POp.Maximum => a[0].Maximum(a[1]),
                POp.Minimum => a[0].Minimum(a[1]),
                _ => Ops.Concat(a, -1),
            };
        }
        return v;
    }

    /// <summary>Each value's width, whether it spans all rows, and its magnitude bound; null when the program breaks a rule.</summary>
    private (int Width, bool Full, double Bound, int[] Lead)[]? Analyse()
    {
        var info = new (int Width, bool Full, double Bound, int[] Lead)[Count];
        int rows = Shapes.Numel(Rows, "rows");
        for (int i = 0; i < Args.Length; i++) info[i] = (Args[i].Width, Shapes.Numel(Args[i].Lead, "lead") == rows, 2, Args[i].Lead);
        for (int i = 0; i < Body.Length; i++)
        {
            var s = Body[i];
            if (s.Args.Any(j => j < 0 || j >= Args.Length + i)) return null;
            var a = s.Args.Select(j => info[j]).ToArray();
            int w = a[0].Width;
            var lead = a[0].Lead;
            foreach (var x in a.Skip(1))
            {
                if (s.Op == POp.Concat && !x.Lead.SequenceEqual(lead)) return null; // concat does not broadcast
                lead = Shapes.Broadcast(lead, x.Lead, "lead");
            }
            bool full = Shapes.Numel(lead, "lead") == rows;
            double b = a[0].Bound, c = Math.Abs(s.C);
            double bound;
            switch (s.Op)
            {
                case POp.Exp: if (b > 3) return null; bound = Math.Exp(b); break;
                case POp.Log: bound = Math.Max(Math.Abs(Math.Log(c)), Math.Log(b * b + c)); break;
                case POp.Tanh or POp.Sigmoid: bound = 1; break;
                case POp.Relu: if (s.Args[0] >= Args.Length) return null; bound = b; break;
                case POp.Square: bound = b * b; break;
                case POp.Sqrt: bound = Math.Sqrt(b * b + c); break;
                case POp.Pow: bound = Math.Pow(b * b + c, s.P); break;
                case POp.Neg: bound = b; break;
                case POp.Scale: bound = b * c; break;
                case POp.AddScalar: bound = b + c; break;
                case POp.Add or POp.Sub or POp.Mul or POp.Div or POp.Maximum or POp.Minimum:
                    if (a[1].Width != w) return null;
                    bound = s.Op switch
                    {
                        POp.Mul => b * a[1].Bound,
                        POp.Div => b / c,
                        POp.Maximum or POp.Minimum => Math.Max(b, a[1].Bound),
                        _ => b + a[1].Bound,
                    };
                    break;
                case POp.Abs or POp.Gelu or POp.GeluTanh: bound = b; break; // |gelu(x)| ≤ |x|
                case POp.Sin or POp.Cos: if (b > 3) return null; bound = 1; break; // faster oscillation defeats central differences
                case POp.LeakyRelu: if (!(s.C is > 0 and <= 1)) return null; bound = b; break;
                case POp.Clamp:
                    if (double.IsNaN(s.C) || double.IsNaN(s.P) || !(s.C <= s.P) || (double.IsInfinity(s.C) && double.IsInfinity(s.P))) return null;
                    bound = Math.Max(b, Math.Max(double.IsFinite(s.C) ? Math.Abs(s.C) : 0, double.IsFinite(s.P) ? Math.Abs(s.P) : 0));
                    break;
                case POp.Narrow:
                    if (s.Start < 0 || s.Length < 1 || s.Start + s.Length > w) return null;
                    w = s.Length; bound = b; break;
                default: w = a.Sum(x => x.Width); bound = a.Max(x => x.Bound); break;
            }
            if (s.Op is POp.Log or POp.Sqrt or POp.Pow or POp.Div && s.C < 0.25) return null;
            if (!(bound <= MaxBound)) return null;
            info[Args.Length + i] = (w, full, bound, lead);
        }
        if (Outputs.Length is < 1 or > 4 || Outputs.Any(o => o < 0 || o >= Count || !info[o].Full)) return null;
        return info;
    }

    /// <summary>Whether the program keeps every rule of the generator (shrinking keeps only such programs).</summary>
    public bool IsValid => Rows.Length >= 1 && Args.Length >= 1 && Analyse() is not null;

    /// <summary>Random programs: rows of rank 1-2 and sizes 1-4, 1-4 arguments of width 1-5, 1-8 instructions, 1-4 outputs.</summary>
    public static Gen<PointwiseProgram> Gen() => TensorGen.Seed.Select(Build);

    /// <summary>Random programs that shrink to minimal ones (see <see cref="Shrink"/>).</summary>
    public static Arbitrary<PointwiseProgram> Arb() => FsCheck.Fluent.Arb.From(Gen(), Shrink);

    private static PointwiseProgram Build(ulong seed)
    {
        var rng = new Rng(seed);
        int R(int n) => rng.NextInt(n);
        var rows = Enumerable.Range(0, 1 + R(2)).Select(_ => 1 + R(4)).ToArray();
        var args = new List<PArg>();
        int nArgs = 1 + R(4);
        for (int i = 0; i < nArgs; i++)
        {
            int width = 1 + R(5);
            if (i == 0 || R(3) > 0) { args.Add(new PArg(rows, width)); continue; }
            // a bias row (W,), or the rows' shape with some axes 1
            var lead = R(2) == 0 ? [] : rows.Select(d => R(2) == 0 ? 1 : d).ToArray();
            args.Add(new PArg(lead, width));
        }
        var ops = Enum.GetValues<POp>();
        var p = new PointwiseProgram(rows, args.ToArray(), [], [0], seed, 1 + R(48));
        int length = 1 + R(8);
        for (int tries = 0; p.Body.Length < length && tries < 200; tries++)
        {
            var op = ops[R(ops.Length)];
            int count = p.Count;
            int Pick() => R(count);
            int[] operands = op switch
            {
                POp.Add or POp.Sub or POp.Mul or POp.Div or POp.Maximum or POp.Minimum => [Pick(), Pick()],
                POp.Concat => Enumerable.Range(0, 2 + R(2)).Select(_ => Pick()).ToArray(),
                POp.Relu => [R(args.Count)],
                _ => [Pick()],
            };
            double c = op switch
            {
                POp.Log or POp.Sqrt or POp.Pow or POp.Div => 0.25 + R(8) * 0.25,
                POp.Scale or POp.AddScalar => (R(9) - 4) * 0.5,
                POp.LeakyRelu => new[] { 0.01, 0.2, 0.5, 1 }[R(4)],
                POp.Clamp => new[] { double.NegativeInfinity, -1, -0.5, 0 }[R(4)], // the lower bound (none: -inf)
                _ => 0,
            };
            double pw = op switch
            {
                POp.Pow => new[] { 0.5, 1.5, 2, 3, -0.5 }[R(5)],
                POp.Clamp => c == double.NegativeInfinity ? new[] { 0, 0.5, 1 }[R(3)] : new[] { double.PositiveInfinity, 0.5, 1 }[R(3)], // the upper bound
                _ => 0,
            };
            int start = 0, len = 0;
            if (op == POp.Narrow)
            {
                int w = p.Analyse()![operands[0]].Width;
                start = R(w);
                len = 1 + R(w - start);
            }
            var candidate = p with { Body = [.. p.Body, new PInstr(op, operands, c, pw, start, len)] };
            if (candidate.Analyse() is { } info && info[^1].Width <= 12) p = candidate;
        }
        // 1-4 outputs among the values that span all rows, the last instruction's first when it does.
        var fin = p.Analyse()!;
        var full = Enumerable.Range(0, p.Count).Where(i => fin[i].Full).ToList();
        var outputs = new List<int>();
        if (fin[^1].Full) outputs.Add(p.Count - 1);
        int want = 1 + R(4);
        while (outputs.Count < want) outputs.Add(full[R(full.Count)]);
        return p with { Outputs = outputs.ToArray() };
    }

    /// <summary>
    /// Smaller programs: fewer outputs, an instruction replaced by one of its operands (its uses rewired), fewer or
    /// smaller rows, simpler constants; unused instructions and arguments removed. Only valid programs are offered.
    /// </summary>
    public static IEnumerable<PointwiseProgram> Shrink(PointwiseProgram p)
    {
        foreach (var q in Candidates(p))
        {
            var c = q.Prune();
            if (c.IsValid && !c.SameAs(p)) yield return c;
        }
    }

    private bool SameAs(PointwiseProgram o) => ToString() == o.ToString() && ChunkElements == o.ChunkElements;

    private static IEnumerable<PointwiseProgram> Candidates(PointwiseProgram p)
    {
        for (int o = 0; o < p.Outputs.Length && p.Outputs.Length > 1; o++)
            yield return p with { Outputs = p.Outputs.Where((_, i) => i != o).ToArray() };
        for (int i = p.Body.Length - 1; i >= 0; i--)
            foreach (int operand in p.Body[i].Args.Distinct())
                yield return p.Replace(p.Args.Length + i, operand);
        for (int d = 0; d < p.Rows.Length; d++)
        {
            if (p.Rows.Length > 1) yield return p.MapRows(r => r.Where((_, i) => i != d).ToArray());
            if (p.Rows[d] > 1) yield return p.MapRows(r => r.Select((x, i) => i == d ? 1 : x).ToArray());
        }
        for (int i = 0; i < p.Body.Length; i++)
        {
            var s = p.Body[i];
            if (s.Op is POp.Scale or POp.AddScalar && s.C != 1) yield return p.With(i, s with { C = 1 });
            if (s.Op is POp.Log or POp.Sqrt or POp.Pow or POp.Div && s.C != 1) yield return p.With(i, s with { C = 1 });
            if (s.Op is POp.Pow && s.P != 2) yield return p.With(i, s with { P = 2 });
        }
        if (p.ChunkElements != 64) yield return p with { ChunkElements = 64 };
    }

    private PointwiseProgram With(int i, PInstr s) => this with { Body = Body.Select((x, j) => j == i ? s : x).ToArray() };

    /// <summary>Every use of value <paramref name="from"/> now reads <paramref name="to"/>.</summary>
    private PointwiseProgram Replace(int from, int to) => this with
    {
        Body = Body.Select(s => s with { Args = s.Args.Select(a => a == from ? to : a).ToArray() }).ToArray(),
        Outputs = Outputs.Select(o => o == from ? to : o).ToArray(),
    };

    private PointwiseProgram MapRows(Func<int[], int[]> f)
    {
        var rows = f(Rows);
        return this with
        {
            Rows = rows,
            Args = Args.Select(a => a with { Lead = a.Lead.Length == 0 ? [] : a.Lead.SequenceEqual(Rows) ? rows : f(a.Lead) }).ToArray(),
        };
    }

    /// <summary>The program without instructions and arguments no output reaches (argument 0 always stays).</summary>
    private PointwiseProgram Prune()
    {
        var live = new bool[Count];
        foreach (int o in Outputs) if (o >= 0 && o < Count) live[o] = true;
        for (int i = Body.Length - 1; i >= 0; i--)
            if (live[Args.Length + i]) foreach (int a in Body[i].Args) if (a >= 0 && a < Count) live[a] = true;
        live[0] = true;
        var map = new int[Count];
        int next = 0;
        for (int i = 0; i < Count; i++) map[i] = live[i] ? next++ : -1;
        return this with
        {
            Args = Args.Where((_, i) => live[i]).ToArray(),
            Body = Body.Where((_, i) => live[Args.Length + i]).Select(s => s with { Args = s.Args.Select(a => a >= 0 && a < Count ? map[a] : -1).ToArray() }).ToArray(),
            Outputs = Outputs.Select(o => o >= 0 && o < Count ? map[o] : -1).ToArray(),
        };
    }

    /// <summary>The program as text: argument shapes, then one line per shared value and per output, e.g.
    /// <c>h0 = (tanh(a[:, 0:2]) * sigmoid(a[:, 2:4])) + 0.5</c>.</summary>
    public override string ToString()
    {
        var uses = new int[Count];
        foreach (var s in Body) foreach (int a in s.Args) if (a >= 0 && a < Count) uses[a]++;
        var isOutput = new bool[Count];
        foreach (int o in Outputs) if (o >= 0 && o < Count) isOutput[o] = true;
        var text = new string[Count];
        var sb = new StringBuilder();
        string rows = string.Join(", ", Rows.Select(_ => ":"));
        for (int i = 0; i < Args.Length; i++)
        {
            text[i] = ((char)('a' + i)).ToString();
            sb.Append(text[i]).Append(": ").Append(Shapes.Str(ArgShapes[i])).Append(i < Args.Length - 1 ? ", " : "\n");
        }
        string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
        for (int i = 0; i < Body.Length; i++)
        {
            var s = Body[i];
            var a = s.Args.Select(j => j >= 0 && j < Count ? text[j] ?? "?" : "?").ToArray();
            string e = s.Op switch
            {
                POp.Log => $"log({a[0]}² + {F(s.C)})",
                POp.Sqrt => $"sqrt({a[0]}² + {F(s.C)})",
                POp.Pow => $"({a[0]}² + {F(s.C)}) ** {F(s.P)}",
                POp.Square => $"{a[0]}²",
                POp.Neg => $"-{a[0]}",
                POp.Scale => $"({a[0]} * {F(s.C)})",
                POp.AddScalar => $"({a[0]} + {F(s.C)})",
                POp.Add => $"({a[0]} + {a[1]})",
                POp.Sub => $"({a[0]} - {a[1]})",
                POp.Mul => $"({a[0]} * {a[1]})",
                POp.Div => $"({a[0]} / ({a[1]}² + {F(s.C)}))",
                POp.LeakyRelu => $"leaky_relu({a[0]}, {F(s.C)})",
                POp.GeluTanh => $"gelu_tanh({a[0]})",
                POp.Clamp => $"clamp({a[0]}, {(double.IsFinite(s.C) ? F(s.C) : "None")}, {(double.IsFinite(s.P) ? F(s.P) : "None")})",
                POp.Maximum => $"maximum({a[0]}, {a[1]})",
                POp.Minimum => $"minimum({a[0]}, {a[1]})",
                POp.Narrow => $"{a[0]}[{rows}, {s.Start}:{s.Start + s.Length}]",
                POp.Concat => $"concat({string.Join(", ", a)})",
                _ => $"{s.Op.ToString().ToLowerInvariant()}({a[0]})",
            };
            int id = Args.Length + i;
            if (uses[id] >= 2 || uses[id] == 1 && isOutput[id]) { text[id] = "t" + i; sb.Append(text[id]).Append(" = ").Append(e).Append('\n'); }
            else text[id] = e;
        }
        for (int o = 0; o < Outputs.Length; o++)
            sb.Append('h').Append(o).Append(" = ").Append(Outputs[o] >= 0 && Outputs[o] < Count ? text[Outputs[o]] : "?").Append('\n');
        sb.Append("(seed ").Append(Seed).Append(", chunk ").Append(ChunkElements).Append(')');
        return sb.ToString();
    }
}
