// Translation (many to many) on a toy task: dates written freely ("tuesday 3rd of march 1998", "3/3/98",
// "march 3, 1998", "the 3rd of mar 1998", …) translated character by character to ISO 8601 ("1998-03-03") by an
// encoder-decoder LSTM with attention (see Seq2Seq.cs). The program
//   1. generates training pairs from one set of days and held-out pairs from days never seen in training,
//   2. trains with teacher forcing (Adam, mini-batches), reporting the held-out loss after every epoch,
//   3. translates the held-out dates by greedy decoding and by beam search, reporting exact match and BLEU-4, and
//   4. draws the attention of a few held-out translations as heatmaps (which source characters each output
//      character looked at).
using System.Diagnostics;
using System.Globalization;
using MiniTorch;
using MiniTorch.Autograd;
using MiniTorch.Examples;
using MiniTorch.Examples.Translation;

return CommandLine.Run("Translation", "Trains an LSTM encoder-decoder with attention to translate free-form dates to ISO 8601.", args, Main);

static int Main(CommandLine cl)
{
    int hidden = cl.Int("hidden", 64, "hidden size H of the encoder and decoder LSTMs", 1, 4096);
    int embedding = cl.Int("embedding", 32, "size of the character vectors", 1, 4096);
    int trainCount = cl.Int("train", 12000, "training pairs", 1);
    int valCount = cl.Int("val", 1000, "held-out pairs (dates never seen in training)", 1);
    int epochs = cl.Int("epochs", 4, "training epochs", 0);
    int batchSize = cl.Int("batch", 64, "mini-batch size", 1);
    double lr = cl.Double("lr", 1e-2, "Adam learning rate", 0, 10);
    double lrDecay = cl.Double("lr-decay", 0.7, "learning-rate factor applied after every epoch", 0, 1);
    int beam = cl.Int("beam", 3, "beam width for beam-search decoding (1: greedy)", 1, 64);
    int show = cl.Int("show", 6, "held-out translations to print", 0);
    int heatmaps = cl.Int("heatmaps", 3, "held-out translations whose attention is drawn", 0, 12);
    string outDir = cl.OutputDirectory("Translation");
    ulong seed = cl.Seed();
    if (cl.ShowHelpIfAsked()) return 0;
    cl.Done();

    var watch = Stopwatch.StartNew();
    var (trainDays, heldOutDays) = Dates.SplitDays(Math.Min(3000, Math.Max(1, valCount)), new Rng(seed));
    var dataRng = new Rng(seed + 1);
    var train = Dates.Sample(trainDays, trainCount, dataRng);
    var val = Dates.Sample(heldOutDays, valCount, dataRng);
    Console.WriteLine($"dates: {trainCount} training pairs, {valCount} held-out pairs on {heldOutDays.Length} days never seen in training; e.g. \"{train[0].Source}\" -> {train[0].Target}");

    var model = new Seq2Seq<float>(Dates.SourceVocabulary, Dates.TargetVocabulary, embedding, hidden, new Rng(seed + 100),
        Dates.Null, Dates.Start, Dates.End);
    var trainer = new Trainer(model, lr, lrDecay, batchSize, new Rng(seed + 2));
    var losses = trainer.LossHistory;
    var valSteps = new List<double>();
    var valLosses = new List<double>();
    int batches = trainer.BatchesPerEpoch(trainCount);
    TrainingProgress.Run("train", epochs * batches, progress =>
    {
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            trainer.Epoch(train, progress);
            valSteps.Add(losses.Count);
            valLosses.Add(trainer.Evaluate(val));
            progress.Log(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{epochs}: training loss {losses.TakeLast(batches).Average():F4}, held-out loss {valLosses[^1]:F4}"));
        }
    });
    Console.WriteLine($"trained {epochs} epochs ({losses.Count} steps) in {watch.Elapsed.TotalSeconds:F1} s");

    // Translate the held-out dates greedily and with beam search.
    var greedy = Trainer.Translate(model, val, 1);
    Report("greedy", greedy, val);
    var final = greedy;
    if (beam > 1)
    {
        final = Trainer.Translate(model, val, beam);
        Report($"beam {beam}", final, val);
    }
    for (int i = 0; i < Math.Min(show, valCount); i++)
    {
        string predicted = Dates.DecodeTarget(final[i].Words);
        Console.WriteLine($"  {val[i].Source,-34} -> {predicted}{(predicted == val[i].Target ? "" : $"   (truth {val[i].Target})")}");
    }

    var plots = new List<string>();
    string lossPng = Path.Combine(outDir, "translation-loss.png");
    var steps = Enumerable.Range(1, losses.Count).Select(i => (double)i).ToArray();
    Plots.Lines(lossPng, $"Dates to ISO 8601: encoder-decoder LSTM with attention (hidden {hidden})", $"step (mini-batch of {batchSize})", "loss",
    [
        new Series("training loss (moving average of 20)", steps, Plots.Smooth(losses, 20)),
        new Series("held-out loss (end of each epoch)", valSteps.ToArray(), valLosses.ToArray()),
    ], logY: true);
    plots.Add(lossPng);

    if (heatmaps > 0)
    {
        // Attention of a few held-out translations in different styles: rows are output characters, columns source characters.
        // One of each kind first: a weekday and month name, month/day/yy (month first), dd.mm.yyyy (day first), then any.
        Func<string, bool>[] kinds = [s => s.Contains(" of ") && !s.StartsWith("the"), s => s.Count(ch => ch == '/') == 2 && s.Length <= 8,
            s => s.Contains('.'), s => s.Contains('\''), s => s.Contains(',')];
        var picked = kinds.Select(kind => Enumerable.Range(0, valCount).FirstOrDefault(i => kind(val[i].Source), -1)).Where(i => i >= 0)
            .Concat(Enumerable.Range(0, valCount)).Distinct().Take(heatmaps).ToList();
        var panels = picked.Select(i =>
        {
            var words = greedy[i].Words;
            var rows = greedy[i].Attention!;
            var values = new double[rows.Length, rows[0].Length];
            for (int r = 0; r < rows.Length; r++) for (int s = 0; s < rows[r].Length; s++) values[r, s] = rows[r][s];
            var yLabels = words.Select(w => w == Dates.End ? "END" : Dates.DecodeTarget([w])).ToArray();
            var xLabels = val[i].Source.Select(ch => ch == ' ' ? "␣" : ch.ToString()).ToArray();
            return new HeatmapPanel($"\"{val[i].Source}\" -> {Dates.DecodeTarget(words)}", values, xLabels, yLabels);
        }).ToList();
        string png = Path.Combine(outDir, "translation-attention.png");
        Plots.Heatmaps(png, panels, "source character", "output character");
        plots.Add(png);
    }
    foreach (var png in plots) Console.WriteLine($"wrote {png}");
    Console.WriteLine($"total {watch.Elapsed.TotalSeconds:F1} s ({Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1} s of CPU time)");
    return 0;
}

// Exact match, character BLEU-4 and the mean log-probability of the decoded dates.
static void Report(string name, Seq2Seq<float>.Hypothesis[] hypotheses, List<(string Source, string Target)> pairs)
{
    var (exact, bleu) = Trainer.Score(hypotheses, pairs);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"held-out {name}: exact match {100 * exact:F1}% of {pairs.Count}, character BLEU-4 {bleu:F3}, mean log p {hypotheses.Average(h => h.Score):F4}"));
}
