using System.Numerics;
using System.Text.RegularExpressions;

namespace MiniTorch.Nn.Checkpoint;

/// <summary>
/// PyTorch <c>state_dict</c> interop: the one place where PyTorch's parameter names and layouts are converted to this
/// library's and back. Any module tree is mapped recursively, each submodule's keys prefixed with its dotted path
/// ("encoder.weight", "rnn.weight_ih_l0"), as PyTorch names them.
/// <list type="table">
/// <listheader><term>module</term><description>PyTorch key (layout) ← ours (layout)</description></listheader>
/// <item><term><see cref="Linear{T}"/> (nn.Linear)</term><description>weight (out, in) ← weight (in, out) transposed; bias (out) ← bias</description></item>
/// <item><term><see cref="Embedding{T}"/> (nn.Embedding)</term><description>weight (V, D) ← weight, unchanged</description></item>
/// <item><term>
/// <see cref="Rnn{T}"/>, <see cref="Lstm{T}"/> (nn.RNN, nn.LSTM; and their cells nn.RNNCell, nn.LSTMCell without the
/// "_l{k}{s}" suffix)
/// </term><description>
/// weight_ih_l{k}{s} (G·H, D) ← Wx_l{k}{s} (D, G·H) transposed; weight_hh_l{k}{s} (G·H, H) ← Wh_l{k}{s} (H, G·H)
/// transposed; bias_ih_l{k}{s} + bias_hh_l{k}{s} (G·H) ← b_l{k}{s} (G·H): loading sums the two biases, saving writes b
/// into bias_ih and zeros into bias_hh (PyTorch adds them, so the module computes the same function). s is "" or
/// "_reverse". The LSTM's gate blocks are reordered: PyTorch's i, f, g, o rows are our i, f, o, g columns.
/// </description></item>
/// <item><term>GRU layers and cells (nn.GRU, nn.GRUCell)</term><description>
/// as above with G = 3 (r, z, n, the same order in both), but the two biases stay apart: bias_ih ← bx, bias_hh ← bh
/// </description></item>
/// <item><term>any other module</term><description>its own parameters under their own names, unchanged</description></item>
/// </list>
/// Loading checks every key, shape and dtype first and changes nothing on any error (the message names each key at
/// fault with the shape expected); the key set must match exactly (PyTorch's <c>strict=True</c>).
/// </summary>
public static class TorchStateDict
{
    /// <summary>The "minitorch.kind" metadata value of files written by <see cref="SaveTorch{T}"/>.</summary>
    public const string Kind = "torch";

    /// <summary>
    /// The module's parameters as PyTorch's <c>state_dict</c> would hold them (names, shapes, gate order; new tensors,
    /// not views of the parameters).
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="module">Any module tree.</param>
    /// <returns>The tensors by PyTorch key, in the module's parameter order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="module"/> is null.</exception>
    public static Dictionary<string, Tensor<T>> ToTorchStateDict<T>(this Module<T> module) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(module);
        var state = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        foreach (var key in Map(module))
            state[key.TorchName] = key.SummedInto ? Tensor.Zeros<T>(key.TorchShape) : key.ToTorch(key.Parameter.Data);
        return state;
    }

    /// <summary>
    /// Loads PyTorch's <c>state_dict</c> (<paramref name="state"/>, PyTorch's names and layouts) into the module. Every
    /// key of the module must be present with PyTorch's shape, and no other key; everything is checked before any
    /// parameter changes.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="module">Any module tree.</param>
    /// <param name="state">The tensors by PyTorch key.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// Keys missing, unexpected or of the wrong shape (the message names each, with the shape expected); the module is
    /// unchanged.
    /// </exception>
    public static void LoadTorchStateDict<T>(this Module<T> module, IReadOnlyDictionary<string, Tensor<T>> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state);
        var (own, problems) = Convert(module, state);
        if (problems.Count > 0) throw new ArgumentException(Describe(module, problems), nameof(state));
        module.LoadStateDict(own);
    }

    /// <summary>
    /// Saves the module as PyTorch's <c>state_dict</c> (see <see cref="ToTorchStateDict{T}"/>) to a safetensors file,
    /// atomically, as <c>safetensors.torch.load_file</c> reads it (metadata "format" = "pt" and "minitorch.kind" =
    /// "torch" besides <paramref name="metadata"/>).
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="module">Any module tree.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="dtype">The dtype to store ("F32" to give a float64 model to PyTorch as float32); null: <typeparamref name="T"/>'s.</param>
    /// <param name="metadata">Optional metadata (no "minitorch." keys).</param>
    /// <exception cref="ArgumentException">A reserved metadata key or an unconvertible <paramref name="dtype"/>; nothing is written.</exception>
    public static void SaveTorch<T>(this Module<T> module, string path, string? dtype = null, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = module.ToTorchStateDict();
        var md = CheckpointExtensions.Metadata(metadata, ("kind", Kind));
        md.TryAdd("format", "pt");
        Safetensors.Save(path, state, md, dtype);
    }

    /// <summary>
    /// Loads a PyTorch <c>state_dict</c> saved as safetensors (<c>safetensors.torch.save_file(model.state_dict(), path)</c>)
    /// into the module, as <see cref="LoadTorchStateDict{T}(Module{T}, IReadOnlyDictionary{string, Tensor{T}})"/>.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="module">Any module tree.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="convertDType">
    /// Whether tensors of another floating-point dtype (e.g. a float32 file into a float64 model, F16, BF16) are
    /// converted; otherwise they are an error naming the tensor and both dtypes.
    /// </param>
    /// <exception cref="CheckpointException">
    /// The file is not valid safetensors, holds something else (a MiniTorch module or training checkpoint), has a
    /// tensor of another dtype (without <paramref name="convertDType"/>), or keys missing, unexpected or of the wrong
    /// shape. The module is unchanged.
    /// </exception>
    public static void LoadTorch<T>(this Module<T> module, string path, bool convertDType = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(module);
        Dictionary<string, Tensor<T>> state;
        using (var file = SafetensorsFile.Open(path))
        {
            CheckpointExtensions.CheckKind(path, file.Metadata, Kind);
            state = file.ReadAll<T>(convertDType);
        }
        var (own, problems) = Convert(module, state);
        if (problems.Count > 0) throw new CheckpointException(path, problems.Count == 1 ? problems[0].Key : null, Describe(module, problems));
        module.LoadStateDict(own);
    }

    /// <summary>How one PyTorch tensor relates to one of the module's parameters.</summary>
    internal enum Layout
    {
        /// <summary>The same tensor.</summary>
        Same,
        /// <summary>A matrix stored transposed (Linear's weight).</summary>
        Transposed,
        /// <summary>PyTorch's (G·H, K) gate rows are our (K, G·H) gate columns, blocks reordered.</summary>
        GateRows,
        /// <summary>A (G·H,) bias, blocks reordered.</summary>
        GateVector,
    }

    /// <summary>
    /// One key of PyTorch's state_dict: the parameter it belongs to, its layout and PyTorch's shape. For a gate layout,
    /// <see cref="Order"/>[j] is the PyTorch block that our block j holds. <see cref="SummedInto"/>: the second bias
    /// (bias_hh) of a recurrent layer with one bias, which loading adds into it and saving writes as zeros.
    /// </summary>
    internal sealed record TorchKey<T>(string TorchName, string OwnName, Variable<T> Parameter, Layout Layout, int[] TorchShape,
        int[] Order, bool SummedInto, string? GateNote) where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>A tensor of this key in PyTorch's layout, in ours.</summary>
        public Tensor<T> ToOwn(Tensor<T> torch) => Layout switch
        {
            Layout.Same => torch.Clone(),
            Layout.Transposed => torch.Transpose(),
            Layout.GateRows => Reorder(torch, Order).Transpose(),
            _ => Reorder(torch, Order),
        };

        /// <summary>A tensor in our layout, in PyTorch's for this key.</summary>
        public Tensor<T> ToTorch(Tensor<T> own) => Layout switch
        {
            Layout.Same => own.Clone(),
            Layout.Transposed => own.Transpose(),
            Layout.GateRows => Reorder(own.Transpose(), Inverse(Order)),
            _ => Reorder(own, Inverse(Order)),
        };

        // Block j of the result is block order[j] of x, along axis 0.
        private static Tensor<T> Reorder(Tensor<T> x, int[] order)
        {
            int h = x.Dim(0) / order.Length;
            return Tensor.Concat(order.Select(b => x.Narrow(0, b * h, h)).ToArray(), 0);
        }

        private static int[] Inverse(int[] order)
        {
            var inv = new int[order.Length];
            for (int j = 0; j < order.Length; j++) inv[order[j]] = j;
            return inv;
        }
    }

    private static readonly Regex RecurrentName = new(@"^(Wx|Wh|b|bx|bh)(_l\d+(?:_reverse)?)?$", RegexOptions.CultureInvariant);

    /// <summary>Every PyTorch key of the module tree, in parameter order.</summary>
    internal static List<TorchKey<T>> Map<T>(Module<T> module) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var keys = new List<TorchKey<T>>();
        Collect(module, "", keys);
        return keys;
    }

    private static void Collect<T>(Module<T> m, string prefix, List<TorchKey<T>> keys) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (name, p) in m.NamedParameters().Where(p => !p.Name.Contains('.')))
        {
            TorchKey<T> Key(string torch, Layout layout, int[] shape, int[]? order = null, bool summed = false, string? note = null) =>
                new(prefix + torch, prefix + name, p, layout, shape, order ?? [0], summed, note);

            var match = RecurrentName.Match(name);
            if (m is Linear<T> && name == "weight")
                keys.Add(Key("weight", Layout.Transposed, [p.Data.Dim(1), p.Data.Dim(0)]));
            else if (m is RecurrentBase<T> r && match.Success)
            {
                bool lstm = m is Lstm<T> or LstmCell<T>, cell = m is RnnCell<T> or LstmCell<T>;
                string suffix = match.Groups[2].Success ? match.Groups[2].Value : cell ? "" : "_l0";
                int gh = p.Data.Dim(-1), gates = gh / r.HiddenSize;
                int[] order = lstm ? [0, 1, 3, 2] : Enumerable.Range(0, gates).ToArray();
                string note = $"{Init.Kind(m)}: {gates} gate block{(gates == 1 ? "" : "s")}{(lstm ? " (i, f, g, o)" : "")} of hidden_size {r.HiddenSize}";
                switch (match.Groups[1].Value)
                {
                    case "Wx":
                        keys.Add(Key("weight_ih" + suffix, Layout.GateRows, [gh, p.Data.Dim(0)], order, note: note));
                        break;
                    case "Wh":
                        keys.Add(Key("weight_hh" + suffix, Layout.GateRows, [gh, p.Data.Dim(0)], order, note: note));
                        break;
                    case "b":
                        keys.Add(Key("bias_ih" + suffix, Layout.GateVector, [gh], order, note: note));
                        keys.Add(Key("bias_hh" + suffix, Layout.GateVector, [gh], order, summed: true, note: note));
                        break;
                    case "bx":
                        keys.Add(Key("bias_ih" + suffix, Layout.GateVector, [gh], order, note: note));
                        break;
                    default:
                        keys.Add(Key("bias_hh" + suffix, Layout.GateVector, [gh], order, note: note));
                        break;
                }
            }
            else keys.Add(Key(name, Layout.Same, p.Data.ShapeArray));
        }
        foreach (var (name, child) in m.NamedChildren()) Collect(child, prefix + name + ".", keys);
    }

    /// <summary>The state in our names and layouts, or the problems (key, sentence) that prevent it.</summary>
    private static (Dictionary<string, Tensor<T>> Own, List<(string Key, string Problem)> Problems) Convert<T>(Module<T> module,
        IReadOnlyDictionary<string, Tensor<T>> state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var keys = Map(module);
        var problems = new List<(string, string)>();
        foreach (var k in keys)
        {
            if (!state.TryGetValue(k.TorchName, out var t))
                problems.Add((k.TorchName, $"missing {k.TorchName} {Shapes.Str(k.TorchShape)}"));
            else if (t is null)
                problems.Add((k.TorchName, $"{k.TorchName} is null, {Shapes.Str(k.TorchShape)} expected"));
            else if (!t.HasShape(k.TorchShape))
                problems.Add((k.TorchName, $"{k.TorchName}: shape {t.ShapeString} in the state, {Shapes.Str(k.TorchShape)} expected{GateHint(k, t)}"));
        }
        var known = keys.Select(k => k.TorchName).ToHashSet(StringComparer.Ordinal);
        foreach (var name in state.Keys.Where(n => !known.Contains(n)).Order(StringComparer.Ordinal))
            problems.Add((name, $"unexpected {name} {state[name]?.ShapeString} (the module has no such key)"));
        var own = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        if (problems.Count > 0) return (own, problems);
        foreach (var k in keys)
        {
            var t = k.ToOwn(state[k.TorchName]);
            own[k.OwnName] = own.TryGetValue(k.OwnName, out var first) ? first + t : t;
        }
        return (own, problems);
    }

    // For a recurrent weight or bias whose gate axis is a multiple of H, how many gate blocks the state holds.
    private static string GateHint<T>(TorchKey<T> k, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k.GateNote is null || t.Rank != k.TorchShape.Length) return "";
        int h = k.TorchShape[0] / k.Order.Length;
        return t.Dim(0) % h == 0 && t.Dim(0) != k.TorchShape[0]
            ? $" ({k.GateNote}; the state's {t.Dim(0)} rows are {t.Dim(0) / h} blocks: weights of another kind of recurrent layer?)"
            : $" ({k.GateNote})";
    }

    private static string Describe<T>(Module<T> module, List<(string Key, string Problem)> problems) where T : unmanaged, IFloatingPointIeee754<T> =>
        $"LoadTorchStateDict ({Init.Kind(module)}): {problems.Count} problem{(problems.Count == 1 ? "" : "s")}, nothing loaded: "
        + string.Join("; ", problems.Select(p => p.Problem)) + ".";
}
