using System.Numerics;
using MiniTorch.Autograd;
using MiniTorch.Nn;

namespace MiniTorch.Examples.Translation;

/// <summary>
/// An encoder-decoder with Luong's global attention ("general" score, Luong, Pham and Manning 2015), composed of the
/// library's modules and ops only (no hand-written backward):
/// <code>
/// encoder:   e = lstm_enc(E_src[source])                  (N, S, H); padded positions come after the valid ones
///            h0 = e[n, len_n - 1]                          the decoder starts from the last valid encoder state
/// decoder:   d = lstm_dec(E_tgt[target_in], h0)            (N, T, H)
/// attention: score = d · (e·W_a)ᵀ + bias                   (N, T, S); bias = 0 on valid source positions, -1e9 on padding
///            α = softmax(score) over S                     so padded positions get exactly 0 weight
///            context = α · e                               (N, T, H)
/// output:    h̃ = tanh([context; d]·W_c + b_c),  logits = h̃·W_out + b_out   (N, T, V)
/// loss:      masked temporal softmax loss of the logits against target_out (padding of the targets masked out)
/// </code>
/// Training feeds the true previous word (teacher forcing); <see cref="Greedy"/> and <see cref="BeamSearch"/> feed the
/// model's own words, one step at a time through the same modules.
/// </summary>
public sealed class Seq2Seq<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The attention score added at padded source positions (exp of it underflows to exactly 0).</summary>
    public const double MaskedScore = -1e9;

    /// <summary>Creates the model and draws its parameters from <paramref name="rng"/>.</summary>
    /// <param name="sourceVocabulary">Source vocabulary size (id 0 is padding).</param>
    /// <param name="targetVocabulary">Target vocabulary size, including NULL, START and END.</param>
    /// <param name="embedding">Size of the source and target word vectors.</param>
    /// <param name="hidden">Hidden size H of the encoder and the decoder.</param>
    /// <param name="rng">Source of the initial values.</param>
    /// <param name="nullId">The padding id (source and target), masked out of the attention and the loss.</param>
    /// <param name="startId">The target word the decoder starts from.</param>
    /// <param name="endId">The target word that ends a translation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1 or an id is outside the target vocabulary.</exception>
    public Seq2Seq(int sourceVocabulary, int targetVocabulary, int embedding, int hidden, Rng rng, int nullId = 0, int startId = 1, int endId = 2)
    {
        foreach (var (name, value) in new[] { ("sourceVocabulary", sourceVocabulary), ("targetVocabulary", targetVocabulary), ("embedding", embedding), ("hidden", hidden) })
            if (value < 1) throw new ArgumentOutOfRangeException(name, $"Seq2Seq: {name} must be >= 1, got {value}.");
        foreach (var (name, id) in new[] { ("nullId", nullId), ("startId", startId), ("endId", endId) })
            if ((uint)id >= (uint)targetVocabulary)
                throw new ArgumentOutOfRangeException(name, $"Seq2Seq: {name} {id} is outside the target vocabulary [0, {targetVocabulary}).");
        if ((uint)nullId >= (uint)sourceVocabulary)
            throw new ArgumentOutOfRangeException(nameof(nullId), $"Seq2Seq: nullId {nullId} is outside the source vocabulary [0, {sourceVocabulary}).");
        (NullId, StartId, EndId, Hidden) = (nullId, startId, endId, hidden);
        SourceEmbed = RegisterModule("src_embed", new Embedding<T>(sourceVocabulary, embedding, rng));
        Encoder = RegisterModule("encoder", new Lstm<T>(embedding, hidden, rng));
        TargetEmbed = RegisterModule("tgt_embed", new Embedding<T>(targetVocabulary, embedding, rng));
        Decoder = RegisterModule("decoder", new Lstm<T>(embedding, hidden, rng));
        Attention = RegisterModule("attn", new Linear<T>(hidden, hidden, rng, bias: false));
        Combine = RegisterModule("combine", new Linear<T>(2 * hidden, hidden, rng));
        Output = RegisterModule("out", new Linear<T>(hidden, targetVocabulary, rng));
    }

    /// <summary>Source word vectors.</summary>
    public Embedding<T> SourceEmbed { get; }
    /// <summary>The encoder LSTM.</summary>
    public Lstm<T> Encoder { get; }
    /// <summary>Target word vectors.</summary>
    public Embedding<T> TargetEmbed { get; }
    /// <summary>The decoder LSTM.</summary>
    public Lstm<T> Decoder { get; }
    /// <summary>W_a of the "general" score d·W_aᵀ·e (stored as keys = e·W_a).</summary>
    public Linear<T> Attention { get; }
    /// <summary>W_c, b_c: [context; d] to the attentional hidden state.</summary>
    public Linear<T> Combine { get; }
    /// <summary>W_out, b_out: attentional hidden state to target word scores.</summary>
    public Linear<T> Output { get; }
    /// <summary>The padding id.</summary>
    public int NullId { get; }
    /// <summary>The first target word.</summary>
    public int StartId { get; }
    /// <summary>The last target word.</summary>
    public int EndId { get; }
    /// <summary>Hidden size H.</summary>
    public int Hidden { get; }

    /// <summary>What the decoder attends to: the encoder's outputs, their keys, the padding bias and the first state.</summary>
    /// <param name="Outputs">Encoder outputs e, (N, S, H).</param>
    /// <param name="Keys">e·W_a, (N, S, H).</param>
    /// <param name="MaskBias">(N, 1, S): 0 on valid source positions, <see cref="MaskedScore"/> on padding.</param>
    /// <param name="State">The decoder's initial hidden state, e at each row's last valid position, (N, H).</param>
    /// <param name="Lengths">The number of valid source positions of each row.</param>
    public sealed record Encoded(Variable<T> Outputs, Variable<T> Keys, Tensor<T> MaskBias, Variable<T> State, int[] Lengths);

    /// <summary>
    /// Runs the encoder over <paramref name="sources"/> (N, S) of source ids, each row its ids then padding
    /// (<see cref="NullId"/>) to the end.
    /// </summary>
    /// <exception cref="ArgumentException">The sources are not (N, S), a row is empty, or has an id after its padding.</exception>
    public Encoded Encode(Tensor<int> sources)
    {
        var lengths = Lengths(sources);
        int n = sources.Dim(0), s = sources.Dim(1);
        var e = Encoder.Forward(SourceEmbed.Forward(sources)).Output;           // (N, S, H)
        var keys = Attention.Forward(e);                                         // (N, S, H)
        var bias = new Tensor<T>(n, 1, s);
        var masked = T.CreateChecked(MaskedScore);
        for (int i = 0; i < n; i++) for (int t = lengths[i]; t < s; t++) bias[i, 0, t] = masked;
        var last = Tensor.FromArray(Enumerable.Range(0, n).Select(i => i * s + lengths[i] - 1).ToArray());
        var state = e.Reshape(n * s, Hidden).IndexSelect(0, last);              // (N, H)
        return new Encoded(e, keys, bias, state, lengths);
    }

    /// <summary>
    /// The number of valid positions of each row of <paramref name="sources"/> (up to its first padding id), checking
    /// that no id follows the padding.
    /// </summary>
    /// <exception cref="ArgumentException">The sources are not (N, S), a row is empty, or has an id after its padding.</exception>
    public int[] Lengths(Tensor<int> sources)
    {
        if (sources.Rank != 2 || sources.Dim(0) < 1 || sources.Dim(1) < 1)
            throw new ArgumentException($"Seq2Seq: sources must be (N, S) with N, S >= 1, got {sources.ShapeString}.", nameof(sources));
        int n = sources.Dim(0), s = sources.Dim(1);
        var lengths = new int[n];
        for (int i = 0; i < n; i++)
        {
            int length = 0;
            while (length < s && sources[i, length] != NullId) length++;
            for (int t = length; t < s; t++)
                if (sources[i, t] != NullId)
                    throw new ArgumentException($"Seq2Seq: source row {i} has id {sources[i, t]} at position {t} after its padding at {length}; pad at the end only.", nameof(sources));
            if (length == 0) throw new ArgumentException($"Seq2Seq: source row {i} is empty (all padding).", nameof(sources));
            lengths[i] = length;
        }
        return lengths;
    }

    /// <summary>
    /// Decodes the target words <paramref name="inputs"/> (N, T) given the encoder's <paramref name="encoded"/>, from
    /// the decoder state (<paramref name="h"/>, <paramref name="c"/>) (the encoder's last state and zero by default).
    /// </summary>
    /// <returns>Logits (N, T, V), the attention weights α (N, T, S), and the decoder's final state.</returns>
    public (Variable<T> Logits, Variable<T> Attention, Variable<T> H, Variable<T> C) Decode(Encoded encoded, Tensor<int> inputs,
        Variable<T>? h = null, Variable<T>? c = null)
    {
        if (inputs.Rank != 2 || inputs.Dim(0) != encoded.Outputs.Dim(0))
            throw new ArgumentException($"Seq2Seq.Decode: inputs must be (N, T) with N = {encoded.Outputs.Dim(0)}, got {inputs.ShapeString}.", nameof(inputs));
        var (d, hN, cN) = Decoder.Forward(TargetEmbed.Forward(inputs), h ?? encoded.State, c); // (N, T, H)
        var scores = d.MatMul(encoded.Keys.Transpose(1, 2)) + encoded.MaskBias.AsVariable();    // (N, T, S)
        var alpha = scores.Softmax();
        var context = alpha.MatMul(encoded.Outputs);                                            // (N, T, H)
        var attentional = Combine.Forward(Ops.Concat([context, d], 2)).Tanh();                  // (N, T, H)
        return (Output.Forward(attentional), alpha, hN, cN);
    }

    /// <summary>
    /// The teacher-forced training loss for <paramref name="sources"/> (N, S) and <paramref name="targets"/> (N, T + 1):
    /// START, the words, END, then padding. The decoder reads targets[:, :-1] and is scored on targets[:, 1:]; padded
    /// target positions are masked out. Summed over the steps, averaged over the N rows (CS231n's temporal softmax loss).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public Variable<T> Loss(Tensor<int> sources, Tensor<int> targets)
    {
        var (logits, mask, targetsOut) = TeacherForced(sources, targets);
        return Functional.TemporalSoftmaxLoss(logits, targetsOut, mask);
    }

    /// <summary>
    /// log p(target | source) of each row under the model (teacher forcing): the sum over the non-padding positions of
    /// targets[:, 1:] of the log-probability of that word, including END. The score beam search maximises.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public double[] LogProbability(Tensor<int> sources, Tensor<int> targets)
    {
        using var _ = GradMode.NoGrad();
        var (logits, mask, targetsOut) = TeacherForced(sources, targets);
        var logp = logits.LogSoftmax().Data;
        int n = targetsOut.Dim(0), steps = targetsOut.Dim(1);
        var result = new double[n];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < steps; t++)
                if (mask[i, t] != T.Zero) result[i] += double.CreateChecked(logp[i, t, targetsOut[i, t]]);
        return result;
    }

    private (Variable<T> Logits, Tensor<T> Mask, Tensor<int> TargetsOut) TeacherForced(Tensor<int> sources, Tensor<int> targets)
    {
        if (targets.Rank != 2 || targets.Dim(1) < 2 || sources.Rank != 2 || targets.Dim(0) != sources.Dim(0))
            throw new ArgumentException($"Seq2Seq: need sources (N, S) and targets (N, T) with T >= 2, got {sources.ShapeString} and {targets.ShapeString}.");
        int n = targets.Dim(0), steps = targets.Dim(1) - 1;
        var targetsIn = targets.Narrow(1, 0, steps);
        var targetsOut = targets.Narrow(1, 1, steps);
        var mask = new Tensor<T>(n, steps);
        for (int i = 0; i < n; i++) for (int t = 0; t < steps; t++) mask[i, t] = targetsOut[i, t] != NullId ? T.One : T.Zero;
        var (logits, _, _, _) = Decode(Encode(sources), targetsIn);
        return (logits, mask, targetsOut);
    }

    /// <summary>A decoded translation: its word ids (up to and including END when it ended), its log-probability.</summary>
    /// <param name="Words">The words produced, the last one END unless <c>maxLength</c> was reached first.</param>
    /// <param name="Score">Σ log p of those words under the model.</param>
    /// <param name="Attention">For greedy decoding, the attention row of each produced word over the valid source positions; else null.</param>
    public sealed record Hypothesis(int[] Words, double Score, double[][]? Attention);

    /// <summary>
    /// Greedy decoding: from START, feeds back the most likely word at every step until END or
    /// <paramref name="maxLength"/> words. Returns each row's words, their log-probability and the attention rows.
    /// </summary>
    /// <exception cref="ArgumentException">Bad sources or maxLength below 1.</exception>
    public Hypothesis[] Greedy(Tensor<int> sources, int maxLength)
    {
        if (maxLength < 1) throw new ArgumentException($"Seq2Seq.Greedy: maxLength must be >= 1, got {maxLength}.", nameof(maxLength));
        using var _ = GradMode.NoGrad();
        var encoded = Encode(sources);
        int n = sources.Dim(0);
        var words = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        var attention = Enumerable.Range(0, n).Select(_ => new List<double[]>()).ToArray();
        var scores = new double[n];
        var finished = new bool[n];
        var input = Tensor.Full(StartId, n, 1);
        Variable<T>? h = null, c = null;
        for (int step = 0; step < maxLength && finished.Contains(false); step++)
        {
            var (logits, alpha, hN, cN) = Decode(encoded, input, h, c);
            (h, c) = (hN, cN);
            var logp = logits.Data.Reshape(n, -1).LogSoftmax();
            var next = logp.ArgMax(1);
            for (int i = 0; i < n; i++)
            {
                if (finished[i]) continue;
                words[i].Add(next[i]);
                scores[i] += double.CreateChecked(logp[i, next[i]]);
                attention[i].Add(Enumerable.Range(0, encoded.Lengths[i]).Select(t => double.CreateChecked(alpha.Data[i, 0, t])).ToArray());
                finished[i] = next[i] == EndId;
            }
            input = next.Reshape(n, 1);
        }
        return Enumerable.Range(0, n).Select(i => new Hypothesis([.. words[i]], scores[i], [.. attention[i]])).ToArray();
    }

    /// <summary>
    /// Beam search: keeps the <paramref name="width"/> most likely partial translations of each source (by Σ log p, no
    /// length normalisation); a hypothesis that produced END is finished and keeps its score while the others grow.
    /// Stops when every beam has finished or after <paramref name="maxLength"/> words and returns, per source, the
    /// most likely finished hypothesis (the most likely of all when none finished). Ties go to the earlier beam, then
    /// the smaller word id, so width 1 is exactly <see cref="Greedy"/>. Not guaranteed to beat greedy decoding in
    /// general (the greedy prefix can fall out of the beam), though it usually does.
    /// </summary>
    /// <exception cref="ArgumentException">Bad sources, width or maxLength below 1.</exception>
    public Hypothesis[] BeamSearch(Tensor<int> sources, int width, int maxLength)
    {
        if (width < 1) throw new ArgumentException($"Seq2Seq.BeamSearch: width must be >= 1, got {width}.", nameof(width));
        if (maxLength < 1) throw new ArgumentException($"Seq2Seq.BeamSearch: maxLength must be >= 1, got {maxLength}.", nameof(maxLength));
        using var _ = GradMode.NoGrad();
        int n = sources.Dim(0), k = width;
        // Every source row repeated k times: row i·k + j is beam j of source i.
        var repeat = Tensor.FromArray(Enumerable.Range(0, n * k).Select(r => r / k).ToArray());
        var encoded = Encode(sources.IndexSelect(0, repeat));
        var beams = Enumerable.Range(0, n * k).Select(_ => new List<int>()).ToArray();
        var scores = new double[n * k];
        var finished = new bool[n * k];
        for (int r = 0; r < n * k; r++) scores[r] = r % k == 0 ? 0 : double.NegativeInfinity; // one live beam at first
        var input = Tensor.Full(StartId, n * k, 1);
        Variable<T>? h = null, c = null;
        for (int step = 0; step < maxLength && finished.Contains(false); step++)
        {
            var (logits, _, hN, cN) = Decode(encoded, input, h, c);
            var logp = logits.Data.Reshape(n * k, -1).LogSoftmax();
            int v = logp.Dim(1);
            var parents = new int[n * k];
            var nextWords = new int[n * k];
            var nextScores = new double[n * k];
            var nextFinished = new bool[n * k];
            var candidates = new List<(double Score, int Beam, int Word)>(k * v);
            for (int i = 0; i < n; i++)
            {
                candidates.Clear();
                for (int j = 0; j < k; j++)
                {
                    int r = i * k + j;
                    if (double.IsNegativeInfinity(scores[r])) continue;
                    if (finished[r]) { candidates.Add((scores[r], j, -1)); continue; }
                    for (int w = 0; w < v; w++) candidates.Add((scores[r] + double.CreateChecked(logp[r, w]), j, w));
                }
                // Stable sort by score, descending: equal scores keep (beam, word) order.
                var best = candidates.Select((x, order) => (x, order)).OrderByDescending(p => p.x.Score).ThenBy(p => p.order).Take(k).ToList();
                for (int j = 0; j < k; j++)
                {
                    int r = i * k + j;
                    if (j >= best.Count) { parents[r] = i * k; nextWords[r] = -1; nextScores[r] = double.NegativeInfinity; nextFinished[r] = true; continue; }
                    var (score, beam, word) = best[j].x;
                    parents[r] = i * k + beam;
                    nextWords[r] = word;
                    nextScores[r] = score;
                    nextFinished[r] = word == -1 || word == EndId;
                }
            }
            var newBeams = new List<int>[n * k];
            for (int r = 0; r < n * k; r++)
            {
                newBeams[r] = [.. beams[parents[r]]];
                if (nextWords[r] >= 0) newBeams[r].Add(nextWords[r]);
            }
            (beams, scores, finished) = (newBeams, nextScores, nextFinished);
            var parentIndex = Tensor.FromArray(parents);
            h = hN.Data.IndexSelect(0, parentIndex).AsVariable();
            c = cN.Data.IndexSelect(0, parentIndex).AsVariable();
            input = Tensor.FromArray(nextWords.Select(w => w < 0 ? NullId : w).ToArray(), n * k, 1);
        }
        var result = new Hypothesis[n];
        for (int i = 0; i < n; i++)
        {
            var rows = Enumerable.Range(i * k, k).Where(r => !double.IsNegativeInfinity(scores[r])).ToList();
            var ended = rows.Where(r => beams[r].Count > 0 && beams[r][^1] == EndId).ToList();
            int bestRow = (ended.Count > 0 ? ended : rows).OrderByDescending(r => scores[r]).ThenBy(r => r).First();
            result[i] = new Hypothesis([.. beams[bestRow]], scores[bestRow], null);
        }
        return result;
    }
}
