namespace MiniTorch;

/// <summary>
/// Checks a function's arguments against symbolic shapes such as <c>"N,T,D"</c> or <c>"D,4H"</c>, the way the
/// seed documents them. Each symbol is bound by its first occurrence (a token <c>kS</c> binds S = size / k) and every
/// later occurrence must agree; every size must be at least 1. On a mismatch the exception names the function, the
/// expected signature, every argument's actual shape and the first disagreement. The modules and the reference
/// functions validate their inputs with it; use it in your own functions and modules the same way.
/// </summary>
/// <example>
/// <code>
/// using static MiniTorch.Signature;
/// var sizes = Check("MyCell", [A("x", x, "N,D"), A("h", h, "N,H"), A("W", w, "D,3H")]);
/// int n = sizes["N"], hidden = sizes["H"];
/// </code>
/// </example>
public static class Signature
{
    /// <summary>One argument of a checked function.</summary>
    /// <param name="Name">The argument's name, as the messages should spell it.</param>
    /// <param name="Shape">Its shape (null: an omitted optional argument, skipped).</param>
    /// <param name="Spec">Its symbolic shape: comma-separated tokens, each an optional positive multiplier and a symbol ("N,T,D", "D,4H"); "" for a scalar.</param>
    public readonly record struct Arg(string Name, int[]? Shape, string Spec);

    /// <summary>A size known before the arguments are read (e.g. a module's input size).</summary>
    /// <param name="Symbol">The symbol it binds ("D").</param>
    /// <param name="Size">Its size.</param>
    /// <param name="Source">Where it comes from, for messages ("inputSize").</param>
    public readonly record struct Known(string Symbol, int Size, string Source);

    /// <summary>Shorthand for an argument.</summary>
    /// <typeparam name="T">The tensor's element type.</typeparam>
    /// <param name="name">The argument's name.</param>
    /// <param name="t">The tensor (null: an omitted optional argument).</param>
    /// <param name="spec">Its symbolic shape.</param>
    /// <returns>The argument.</returns>
    public static Arg A<T>(string name, Tensor<T>? t, string spec) where T : unmanaged, System.Numerics.INumber<T> =>
        new(name, t?.ShapeArray, spec);

    /// <summary>Validates <paramref name="args"/> in order, binding each symbol at its first occurrence.</summary>
    /// <param name="op">The function's name, which starts every message.</param>
    /// <param name="args">The arguments and their symbolic shapes.</param>
    /// <param name="known">Sizes bound before the arguments are read.</param>
    /// <returns>The bound size of every symbol.</returns>
    /// <exception cref="ArgumentException">An argument's rank or a size disagrees with the signature (the message names the
    /// function, the expected signature, every argument's shape and the first disagreement), or a spec is malformed.</exception>
    public static Dictionary<string, int> Check(string op, Arg[] args, params Known[] known)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(known);
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
            int k = j == 0 ? 1 : int.Parse(tok[..j], System.Globalization.CultureInfo.InvariantCulture);
            if (k < 1 || j == tok.Length || !char.IsLetter(tok[j]))
                throw new ArgumentException($"Signature: malformed token '{tok}' in \"{spec}\": each token is an optional positive multiplier and a symbol, such as N or 4H.", nameof(spec));
            return (k, tok[j..], tok);
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
