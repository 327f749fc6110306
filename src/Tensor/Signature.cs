namespace MiniTorch;

/// <summary>
/// Checks a function's arguments against symbolic shapes such as <c>"N,T,D"</c> or <c>"D,4H"</c>, the way the
/// seed documents them. Each symbol is bound by its first occurrence (a token <c>kS</c> binds S = size / k) and every
/// later occurrence must agree; every size must be at least 1. On a mismatch the exception names the function, the
/// expected signature, every argument's actual shape and the first disagreement.
/// </summary>
internal static class Signature
{
    /// <summary>One argument: its name as the seed spells it, its shape (null: an omitted optional argument), its spec.</summary>
    internal readonly record struct Arg(string Name, int[]? Shape, string Spec);

    /// <summary>A size known before the arguments are read (e.g. a module's input size).</summary>
    internal readonly record struct Known(string Symbol, int Size, string Source);

    /// <summary>Shorthand for an argument.</summary>
    internal static Arg A<T>(string name, Tensor<T>? t, string spec) where T : unmanaged, System.Numerics.INumber<T> =>
        new(name, t?.ShapeArray, spec);

    /// <summary>Validates <paramref name="args"/>; returns the bound sizes by symbol.</summary>
    internal static Dictionary<string, int> Check(string op, Arg[] args, params Known[] known)
    {
        var bound = new Dictionary<string, (int Size, string Source)>();
        foreach (var k in known) bound[k.Symbol] = (k.Size, k.Source);
        foreach (var arg in args)
        {
            if (arg.Shape is null) continue;
            var tokens = Tokens(arg.Spec);
            if (arg.Shape.Length != tokens.Length)
                Fail(op, args, $"{arg.Name} must have rank {tokens.Length} {Paren(arg.Spec)}, got rank {arg.Shape.Length}");
            for (int i = 0; i < tokens.Length; i++)
            {
                var (k, sym, _) = tokens[i];
                int size = arg.Shape[i];
                if (size < 1) Fail(op, args, $"{arg.Name} axis {i} ({tokens[i].Text}) has size {size}; every size must be at least 1");
                if (bound.TryGetValue(sym, out var b))
                {
                    if (size != k * b.Size)
                        Fail(op, args, $"{arg.Name} axis {i} is {size} but {tokens[i].Text} = {k * b.Size} ({sym} = {b.Size} from {b.Source})");
                }
                else
                {
                    if (size % k != 0) Fail(op, args, $"{arg.Name} axis {i} is {size}, not a multiple of {k} ({tokens[i].Text})");
                    bound[sym] = (size / k, arg.Name);
                }
            }
        }
        return bound.ToDictionary(p => p.Key, p => p.Value.Size);
    }

    private static (int K, string Symbol, string Text)[] Tokens(string spec)
    {
        if (spec.Length == 0) return [];
        return spec.Split(',').Select(tok =>
        {
            int j = 0;
            while (j < tok.Length && char.IsDigit(tok[j])) j++;
            return (j == 0 ? 1 : int.Parse(tok[..j], System.Globalization.CultureInfo.InvariantCulture), tok[j..], tok);
        }).ToArray();
    }

    private static string Paren(string spec) => spec.Contains(',') ? $"({spec.Replace(",", ", ")})" : $"({spec},)";

    private static void Fail(string op, Arg[] args, string what)
    {
        string expected = string.Join(", ", args.Select(a => $"{a.Name} {Paren(a.Spec)}"));
        string got = string.Join(", ", args.Select(a => $"{a.Name} {(a.Shape is null ? "(omitted)" : Shapes.Str(a.Shape))}"));
        throw new ArgumentException($"{op}: {what}. Expected {expected}; got {got}.");
    }
}
