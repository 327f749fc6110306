using System.Buffers;
using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Autograd.Fusion;

/// <summary>
/// A traced pointwise function compiled for one set of input shapes. Every value is a stack of rows of one width (the
/// last axis); the rows are the broadcast of the inputs' leading axes. Forward and backward each walk the rows once, in
/// chunks of a few rows: every node of the expression graph is evaluated on the chunk (one span call per node, so the
/// primitives' rules vectorise over chunk × width), with intermediates in a small scratch area, not in full tensors.
/// <para>
/// Backward applies each node's own rule (<see cref="UnaryRule{T}.Backward"/>, <see cref="BinaryRule{T}.Backward"/>) in
/// reverse order. Values the rules read come from the inputs, the outputs, or are saved by the forward when they are
/// expensive (a transcendental's result); cheap ones (sums, products, narrows) are recomputed on the chunk.
/// </para>
/// </summary>
internal sealed class Plan<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private enum Store { Input, Output, Saved, Scratch }

    private readonly TraceNode<T>[] _nodes;
    private readonly Store[] _store;
    private readonly int[] _slot;          // input index, output index, saved index, or scratch offset (per chunk row: × rows)
    private readonly int[][] _inputShapes;
    private readonly int[]?[] _inputRows;   // per input: null when its rows are the plan's rows, else row r -> input row
    private readonly int[] _outputs;        // output index -> node
    private readonly int[] _savedNodes;     // saved index -> node
    private readonly int[] _recompute;      // scratch nodes the backward needs, in forward order
    private readonly bool[] _isOutput;
    private readonly ulong[] _dependsOn;    // inputs each node depends on (bit i: input i)
    private readonly int _scratchWidth;     // Σ widths of scratch nodes
    private readonly int _maxWidth;

    /// <summary>How many elements of the widest value a chunk of rows holds (the scratch stays in the first cache levels).</summary>
    public const int DefaultChunkElements = 2048;

    public int Rows { get; }
    public int ChunkRows { get; }
    public int[][] OutputShapes { get; }
    public int InputCount => _inputShapes.Length;
    public int[] SavedWidths => _savedNodes.Select(n => _nodes[n].Width).ToArray();

    public Plan(List<TraceNode<T>> traced, int[] outputNodes, string what, int chunkElements = DefaultChunkElements)
    {
        // Keep only what the outputs reach (inputs always stay: their positions are fixed).
        var live = new bool[traced.Count];
        foreach (int o in outputNodes) live[o] = true;
        for (int n = traced.Count - 1; n >= 0; n--)
            if (live[n] || traced[n].Kind == NodeKind.Input) { live[n] = true; foreach (int a in traced[n].Args) live[a] = true; }
        var map = new int[traced.Count];
        var nodes = new List<TraceNode<T>>();
        for (int n = 0; n < traced.Count; n++)
        {
            if (!live[n]) continue;
            map[n] = nodes.Count;
            var t = traced[n];
            nodes.Add(t.Args.Length == 0 ? t : new TraceNode<T>
            {
                Kind = t.Kind, Shape = t.Shape, Args = t.Args.Select(a => map[a]).ToArray(), Unary = t.Unary, Binary = t.Binary, Index = t.Index,
            });
        }
        _nodes = nodes.ToArray();
        _outputs = outputNodes.Select(o => map[o]).ToArray();
        int count = _nodes.Length;

        var inputs = _nodes.Where(n => n.Kind == NodeKind.Input).OrderBy(n => n.Index).ToArray();
        if (inputs.Length > 64) throw new ArgumentException($"{what}: at most 64 arguments, got {inputs.Length}.");
        _inputShapes = inputs.Select(n => n.Shape).ToArray();

        // The rows: the broadcast of every value's leading axes.
        int[] rowShape = [];
        foreach (var n in _nodes) rowShape = Shapes.Broadcast(rowShape, n.Shape.AsSpan(0, n.Shape.Length - 1), what);
        Rows = Shapes.Numel(rowShape, what);
        _inputRows = inputs.Select(n => RowsOf(n.Shape, rowShape)).ToArray();
        OutputShapes = _outputs.Select(o => _nodes[o].Shape).ToArray();
        for (int i = 0; i < _outputs.Length; i++)
        {
            var s = _nodes[_outputs[i]].Shape;
            if (Shapes.Numel(s.AsSpan(0, s.Length - 1), what) != Rows)
                throw new ArgumentException($"{what}: output {i} has shape {Shapes.Str(s)}, but the function runs over rows {Shapes.Str(rowShape)}; every output must span all rows (combine it with a full-size argument).");
        }

        _isOutput = new bool[count];
        foreach (int o in _outputs) _isOutput[o] = true;
        _dependsOn = new ulong[count];
        for (int n = 0; n < count; n++)
        {
            if (_nodes[n].Kind == NodeKind.Input) _dependsOn[n] = 1UL << _nodes[n].Index;
            foreach (int a in _nodes[n].Args) _dependsOn[n] |= _dependsOn[a];
        }

        // Which values the backward reads (directly, by the rules), then what recomputing the missing ones needs.
        var needed = new bool[count];
        for (int n = 0; n < count; n++)
        {
            var node = _nodes[n];
            RuleUses uses = node.Kind switch
            {
                NodeKind.Unary => node.Unary!.HasConstantDerivative(out _) ? RuleUses.None : node.Unary!.Uses,
                NodeKind.Binary => node.Binary!.HasConstantDerivative(0, out _) && node.Binary!.HasConstantDerivative(1, out _) ? RuleUses.None : node.Binary!.Uses,
                _ => RuleUses.None,
            };
            if ((uses & RuleUses.Output) != 0) needed[n] = true;
            if ((uses & RuleUses.Input) != 0) foreach (int a in node.Args) needed[a] = true;
        }
        _store = new Store[count];
        _slot = new int[count];
        var saved = new List<int>();
        var recompute = new List<int>();
        for (int n = count - 1; n >= 0; n--)
        {
            var node = _nodes[n];
            if (node.Kind == NodeKind.Input && _inputRows[node.Index] is null) { _store[n] = Store.Input; _slot[n] = node.Index; continue; }
            int outIndex = Array.IndexOf(_outputs, n);
            if (outIndex >= 0) { _store[n] = Store.Output; _slot[n] = outIndex; continue; }
            bool cheap = node.Kind switch
            {
                NodeKind.Unary => node.Unary!.IsCheap,
                NodeKind.Binary => node.Binary!.IsCheap,
                _ => true, // narrow, concat, a broadcast input's rows: copies
            };
            if (needed[n] && !cheap) { _store[n] = Store.Saved; saved.Add(n); continue; }
            _store[n] = Store.Scratch;
            if (needed[n]) { recompute.Add(n); foreach (int a in node.Args) needed[a] = true; }
        }
        saved.Reverse();
        recompute.Reverse();
        _savedNodes = saved.ToArray();
        for (int i = 0; i < _savedNodes.Length; i++) _slot[_savedNodes[i]] = i;
        _recompute = recompute.ToArray();
        int offset = 0;
        for (int n = 0; n < count; n++)
            if (_store[n] == Store.Scratch) { _slot[n] = offset; offset += _nodes[n].Width; }
        _scratchWidth = offset;
        _maxWidth = Math.Max(1, _nodes.Max(n => n.Width));
        ChunkRows = Math.Clamp(chunkElements / _maxWidth, 1, Math.Max(1, Rows));
    }

    /// <summary>For an input whose leading axes broadcast to <paramref name="rowShape"/>: row r's input row (null: the same rows).</summary>
    private static int[]? RowsOf(int[] shape, int[] rowShape)
    {
        var lead = shape.AsSpan(0, shape.Length - 1);
        if (Shapes.Numel(lead, "rows") == Shapes.Numel(rowShape, "rows")) return null;
        var strides = Shapes.BroadcastStrides(lead, rowShape);
        int rows = Shapes.Numel(rowShape, "rows");
        var map = new int[rows];
        var idx = new int[rowShape.Length];
        int at = 0;
        for (int r = 0; r < rows; r++)
        {
            map[r] = at;
            for (int d = rowShape.Length - 1; d >= 0; d--)
            {
                at += strides[d];
                if (++idx[d] < rowShape[d]) break;
                idx[d] = 0; at -= strides[d] * rowShape[d];
            }
        }
        return map;
    }

    public bool Accepts(Tensor<T>[] inputs)
    {
        if (inputs.Length != _inputShapes.Length) return false;
        for (int i = 0; i < inputs.Length; i++) if (!inputs[i].HasShape(_inputShapes[i])) return false;
        return true;
    }

    /// <summary>The state of one forward or backward walk: the tensors and the chunk's scratch.</summary>
    private ref struct Walk
    {
        public Tensor<T>[] Inputs, Outputs, Saved;
        public Span<T> Scratch;  // scratch nodes' values: node n at [_slot[n] * rows ..]
        public int R0, Rows;     // the chunk
    }

    private Span<T> Value(scoped ref Walk w, int n)
    {
        int width = _nodes[n].Width;
        return _store[n] switch
        {
            Store.Input => w.Inputs[_slot[n]].AsSpan().Slice(w.R0 * width, w.Rows * width),
            Store.Output => w.Outputs[_slot[n]].AsSpan().Slice(w.R0 * width, w.Rows * width),
            Store.Saved => w.Saved[_slot[n]].AsSpan().Slice(w.R0 * width, w.Rows * width),
            _ => w.Scratch.Slice(_slot[n] * ChunkRows, w.Rows * width),
        };
    }

    /// <summary>Computes node <paramref name="n"/> on the chunk from its arguments' values.</summary>
    private void Evaluate(ref Walk w, int n)
    {
        var node = _nodes[n];
        var y = Value(ref w, n);
        int width = node.Width;
        switch (node.Kind)
        {
            case NodeKind.Input: // a broadcast input: gather its rows
                {
                    var x = w.Inputs[node.Index].AsSpan();
                    var rows = _inputRows[node.Index]!;
                    for (int j = 0; j < w.Rows; j++) x.Slice(rows[w.R0 + j] * width, width).CopyTo(y.Slice(j * width, width));
                    break;
                }
            case NodeKind.Unary: node.Unary!.Forward(Value(ref w, node.Args[0]), y); break;
            case NodeKind.Binary: node.Binary!.Forward(Value(ref w, node.Args[0]), Value(ref w, node.Args[1]), y); break;
            case NodeKind.Narrow:
                {
                    var x = Value(ref w, node.Args[0]);
                    int wx = _nodes[node.Args[0]].Width;
                    for (int j = 0; j < w.Rows; j++) x.Slice(j * wx + node.Index, width).CopyTo(y.Slice(j * width, width));
                    break;
                }
            case NodeKind.Concat:
                {
                    int at = 0;
                    foreach (int a in node.Args)
                    {
                        var x = Value(ref w, a);
                        int wa = _nodes[a].Width;
                        for (int j = 0; j < w.Rows; j++) x.Slice(j * wa, wa).CopyTo(y.Slice(j * width + at, wa));
                        at += wa;
                    }
                    break;
                }
        }
    }

    /// <summary>
    /// Rows × widest value from which a walk is split over up to <see cref="Parallelism.MaxThreads"/> threads (whole
    /// chunks per thread, so every element is computed exactly as on one thread). Below it the fork and join would
    /// cost about what the second thread saves.
    /// </summary>
    internal const int ParallelMinElements = 1 << 14;

    private int Chunks => (Rows + ChunkRows - 1) / ChunkRows;

    private int ThreadsFor(int chunks) =>
        chunks >= 2 && (long)Rows * _maxWidth >= ParallelMinElements ? Math.Min(Parallelism.MaxThreads, chunks) : 1;

    /// <summary>Runs the function: fills <paramref name="outputs"/> and the saved values.</summary>
    public void Forward(Tensor<T>[] inputs, Tensor<T>[] outputs, Tensor<T>[] saved)
    {
        int chunks = Chunks;
        PointwiseThreads.Split(chunks, ThreadsFor(chunks), (c0, c1) => ForwardChunks(inputs, outputs, saved, c0, c1));
    }

    private void ForwardChunks(Tensor<T>[] inputs, Tensor<T>[] outputs, Tensor<T>[] saved, int c0, int c1)
    {
        var rent = ArrayPool<T>.Shared.Rent(Math.Max(1, _scratchWidth * ChunkRows));
        try
        {
            var w = new Walk { Inputs = inputs, Outputs = outputs, Saved = saved, Scratch = rent };
            for (int c = c0; c < c1; c++)
            {
                w.R0 = c * ChunkRows;
                w.Rows = Math.Min(ChunkRows, Rows - w.R0);
                for (int n = 0; n < _nodes.Length; n++)
                    if (_store[n] != Store.Input) Evaluate(ref w, n);
            }
        }
        finally { ArrayPool<T>.Shared.Return(rent); }
    }

    /// <summary>The state of one backward walk: a forward walk's state plus the gradients (adjoints) of the chunk.</summary>
    private ref struct Back
    {
        public Walk W;
        public Span<T> Adjoints, Temp;
        public int[] AdjSlot;          // chunk slot of each node's adjoint (-1: none, or an input's gradient buffer)
        public Tensor<T>?[] Buffers;   // the inputs' gradient buffers
        public bool[] Written;         // whether a node's adjoint holds a value yet in this chunk
    }

    private Span<T> Adj(scoped ref Back b, int m)
    {
        int len = b.W.Rows * _nodes[m].Width;
        return b.AdjSlot[m] >= 0 ? b.Adjoints.Slice(b.AdjSlot[m] * ChunkRows, len)
            : b.Buffers[_nodes[m].Index]!.AsSpan().Slice(b.W.R0 * _nodes[m].Width, len);
    }

    /// <summary>
    /// Adds each input's gradient into <paramref name="grads"/>, from the outputs' gradients (a null one is zero).
    /// One walk over the rows: recompute the cheap values the rules read, then apply each node's rule in reverse order.
    /// </summary>
    public void Backward(Tensor<T>[] inputs, Tensor<T>[] outputs, Tensor<T>[] saved, Tensor<T>?[] gradOutputs, Gradients<T> grads)
    {
        ulong wanted = 0;
        for (int i = 0; i < _inputShapes.Length; i++) if (grads.Needs(i)) wanted |= 1UL << i;
        if (wanted == 0) return;
        int count = _nodes.Length;
        // Adjoint storage: an input with the plan's rows accumulates straight into its gradient buffer (or, when
        // nothing has arrived for it yet, writes it: fresh storage, not zeroed); every other node that leads to a
        // wanted input gets a chunk-sized slot.
        var adjSlot = new int[count];
        var buffers = new Tensor<T>?[_inputShapes.Length];
        var fresh = new bool[count];
        int adjWidth = 0;
        bool broadcastWanted = false;
        for (int n = 0; n < count; n++)
        {
            adjSlot[n] = -1;
            if ((_dependsOn[n] & wanted) == 0) continue;
            var node = _nodes[n];
            if (node.Kind == NodeKind.Input)
                buffers[node.Index] = _inputRows[node.Index] is null ? grads.BufferToWrite(node.Index, out fresh[n]) : grads.Buffer(node.Index);
            if (node.Kind == NodeKind.Input && _inputRows[node.Index] is null) continue;
            broadcastWanted |= node.Kind == NodeKind.Input;
            adjSlot[n] = adjWidth;
            adjWidth += node.Width;
        }
        // Chunks write disjoint rows of the gradient buffers, except a broadcast input's, whose rows sum the gradients
        // of many chunks: then one thread walks them all.
        int chunks = Chunks;
        int threads = broadcastWanted ? 1 : ThreadsFor(chunks);
        PointwiseThreads.Split(chunks, threads, (c0, c1) => BackwardChunks(inputs, outputs, saved, gradOutputs, wanted, adjSlot, buffers, fresh, adjWidth, c0, c1));
    }

    private void BackwardChunks(Tensor<T>[] inputs, Tensor<T>[] outputs, Tensor<T>[] saved, Tensor<T>?[] gradOutputs, ulong wanted,
        int[] adjSlot, Tensor<T>?[] buffers, bool[] fresh, int adjWidth, int c0, int c1)
    {
        int count = _nodes.Length, k = ChunkRows;
        var rent = ArrayPool<T>.Shared.Rent(Math.Max(1, (_scratchWidth + adjWidth + _maxWidth) * k));
        try
        {
            Span<T> all = rent;
            var b = new Back
            {
                W = new Walk { Inputs = inputs, Outputs = outputs, Saved = saved, Scratch = all[..(_scratchWidth * k)] },
                Adjoints = all.Slice(_scratchWidth * k, adjWidth * k),
                Temp = all.Slice((_scratchWidth + adjWidth) * k, _maxWidth * k),
                AdjSlot = adjSlot, Buffers = buffers, Written = new bool[count],
            };
            for (int c = c0; c < c1; c++)
            {
                b.W.R0 = c * k;
                b.W.Rows = Math.Min(k, Rows - b.W.R0);
                foreach (int n in _recompute) Evaluate(ref b.W, n);
                // An input's gradient buffer holds a value already (accumulate into it), unless it is fresh.
                for (int n = 0; n < count; n++) b.Written[n] = adjSlot[n] < 0 && _nodes[n].Kind == NodeKind.Input && !fresh[n];
                for (int n = count - 1; n >= 0; n--)
                    if ((_dependsOn[n] & wanted) != 0) Propagate(ref b, n, wanted, gradOutputs);
                for (int n = 0; n < count; n++)
                    if (fresh[n] && !b.Written[n]) Adj(ref b, n).Clear(); // no gradient reached it on these rows
            }
        }
        finally { ArrayPool<T>.Shared.Return(rent); }
    }

    /// <summary>Sends node <paramref name="n"/>'s gradient on the chunk to its arguments, by its rule.</summary>
    private void Propagate(ref Back b, int n, ulong wanted, Tensor<T>?[] gradOutputs)
    {
        var node = _nodes[n];
        int rows = b.W.Rows, width = node.Width;
        // This node's gradient: what its consumers sent, plus the upstream gradient if it is an output.
        ReadOnlySpan<T> g = default;
        bool has = b.Written[n] && b.AdjSlot[n] >= 0;
        if (has) g = Adj(ref b, n);
        if (_isOutput[n])
            for (int o = 0; o < _outputs.Length; o++)
            {
                if (_outputs[o] != n || gradOutputs[o] is not { } go) continue;
                var up = go.AsSpan().Slice(b.W.R0 * width, rows * width);
                if (!has) { g = up; has = true; }
                else { var a = Adj(ref b, n); TP.Add(a, up, a); g = a; }
            }
        if (!has) return;
        switch (node.Kind)
        {
            case NodeKind.Input: // only a broadcast input has a slot: sum its rows' gradients into the buffer rows
                {
                    if (b.AdjSlot[n] < 0) break;
                    var buf = b.Buffers[node.Index]!.AsSpan();
                    var map = _inputRows[node.Index]!;
                    for (int j = 0; j < rows; j++)
                    {
                        var dst = buf.Slice(map[b.W.R0 + j] * width, width);
                        TP.Add(dst, g.Slice(j * width, width), dst);
                    }
                    break;
                }
            case NodeKind.Unary:
                {
                    int x = node.Args[0];
                    if ((_dependsOn[x] & wanted) == 0) break;
                    var rule = node.Unary!;
                    if (rule.HasConstantDerivative(out var c)) { AddScaled(Adj(ref b, x), ref b.Written[x], g, c); break; }
                    ReadOnlySpan<T> xv = (rule.Uses & RuleUses.Input) != 0 ? Value(ref b.W, x) : default;
                    ReadOnlySpan<T> yv = (rule.Uses & RuleUses.Output) != 0 ? Value(ref b.W, n) : default;
                    var dst = Adj(ref b, x);
                    if (!b.Written[x]) { rule.Backward(xv, yv, g, dst); b.Written[x] = true; }
                    else { var t = b.Temp[..dst.Length]; rule.Backward(xv, yv, g, t); TP.Add(dst, t, dst); }
                    break;
                }
            case NodeKind.Binary:
                {
                    var rule = node.Binary!;
                    for (int i = 0; i < 2; i++)
                    {
                        int x = node.Args[i];
                        if ((_dependsOn[x] & wanted) == 0) continue;
                        if (rule.HasConstantDerivative(i, out var c)) { AddScaled(Adj(ref b, x), ref b.Written[x], g, c); continue; }
                        ReadOnlySpan<T> av = (rule.Uses & RuleUses.Input) != 0 ? Value(ref b.W, node.Args[0]) : default;
                        ReadOnlySpan<T> bv = (rule.Uses & RuleUses.Input) != 0 ? Value(ref b.W, node.Args[1]) : default;
                        ReadOnlySpan<T> yv = (rule.Uses & RuleUses.Output) != 0 ? Value(ref b.W, n) : default;
                        var dst = Adj(ref b, x);
                        if (!b.Written[x]) { rule.Backward(i, av, bv, yv, g, dst); b.Written[x] = true; }
                        else { var t = b.Temp[..dst.Length]; rule.Backward(i, av, bv, yv, g, t); TP.Add(dst, t, dst); }
                    }
                    break;
                }
            case NodeKind.Narrow: // add into the window of the argument's gradient
                {
                    int x = node.Args[0];
                    if ((_dependsOn[x] & wanted) == 0) break;
                    var dst = Adj(ref b, x);
                    if (!b.Written[x]) { dst.Clear(); b.Written[x] = true; }
                    int wx = _nodes[x].Width;
                    for (int j = 0; j < rows; j++)
                    {
                        var d = dst.Slice(j * wx + node.Index, width);
                        TP.Add(d, g.Slice(j * width, width), d);
                    }
                    break;
                }
            case NodeKind.Concat: // each part gets its columns
                {
                    int at = 0;
                    foreach (int x in node.Args)
                    {
                        int wx = _nodes[x].Width;
                        if ((_dependsOn[x] & wanted) != 0)
                        {
                            var dst = Adj(ref b, x);
                            bool first = !b.Written[x];
                            b.Written[x] = true;
                            for (int j = 0; j < rows; j++)
                            {
                                var src = g.Slice(j * width + at, wx);
                                var d = dst.Slice(j * wx, wx);
                                if (first) src.CopyTo(d);
                                else TP.Add(d, src, d);
                            }
                        }
                        at += wx;
                    }
                    break;
                }
        }
    }

    /// <summary>dst = g·c (first contribution) or dst += g·c.</summary>
    private static void AddScaled(Span<T> dst, ref bool written, ReadOnlySpan<T> g, T c)
    {
        if (!written)
        {
            if (c == T.One) g.CopyTo(dst);
            else TP.Multiply(g, c, dst);
            written = true;
        }
        else if (c == T.One) TP.Add(dst, g, dst);
        else TP.MultiplyAdd(g, c, dst, dst);
    }

    /// <summary>The program, one assignment per line: arguments a, b, ..., values t1, t2, ..., results out0, out1, ...</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        var names = new string[_nodes.Length];
        for (int n = 0; n < _nodes.Length; n++)
        {
            var node = _nodes[n];
            if (node.Kind == NodeKind.Input)
            {
                names[n] = ((char)('a' + node.Index % 26)).ToString() + (node.Index >= 26 ? (node.Index / 26).ToString() : "");
                sb.Append(names[n]).Append(": ").Append(Shapes.Str(node.Shape)).Append('\n');
                continue;
            }
            names[n] = "t" + n;
            string expr = node.Kind switch
            {
                NodeKind.Unary => node.Unary!.Format(names[node.Args[0]]),
                NodeKind.Binary => node.Binary!.Format(names[node.Args[0]], names[node.Args[1]]),
                NodeKind.Narrow => $"{names[node.Args[0]]}[..., {node.Index}:{node.Index + node.Width}]",
                _ => "concat(" + string.Join(", ", node.Args.Select(a => names[a])) + ")",
            };
            sb.Append(names[n]).Append(" = ").Append(expr).Append('\n');
        }
        for (int o = 0; o < _outputs.Length; o++) sb.Append("out").Append(o).Append(" = ").Append(names[_outputs[o]]).Append('\n');
        return sb.ToString();
    }
}
