// Sentiment classification (many to one) where word order decides the label. A small grammar writes movie-review
// sentences with negation and its scope ("the plot was not bad", "the plot was not only good but also great",
// "the plot was good , not bad", "it was not the acting that was bad , it was the music"...) and labels each by its
// construction's rule (SentimentCorpus.cs). An LSTM reads each sentence word by word and classifies it from its last
// hidden state; an order-blind bag of embeddings (the mean of the word vectors) is trained beside it on the same
// batches. Both are scored on held-out sentences (whose subject-adjective pairs never occur in training), overall and
// on those containing "not": the recurrent model gets negation right where the bag of words cannot.
using System.Diagnostics;
using System.Globalization;
using MiniTorch;
using MiniTorch.Examples;
using MiniTorch.Examples.Sentiment;
using MiniTorch.Nn.Optim;

var cli = new ExampleCommand("Sentiment", "Trains an LSTM sentence classifier and an order-blind bag of embeddings on generated reviews whose labels depend on negation and its scope.");
var cellOption = cli.Choice("cell", "lstm", "recurrent layer of the sequence model", RecurrentCells.Names);
var trainOption = cli.Int("train", 3000, "training sentences", 1);
var heldOutOption = cli.Int("held-out", 1000, "held-out sentences", 1);
var epochsOption = cli.Int("epochs", 12, "training epochs (both models)", 0);
var batchOption = cli.Int("batch", 32, "largest mini-batch (batches hold sentences of one length)", 1);
var embeddingOption = cli.Int("embedding", 16, "word vector size (both models)", 1, 4096);
var hiddenOption = cli.Int("hidden", 32, "hidden size of the recurrent layer", 1, 4096);
var lrOption = cli.Double("lr", 1e-2, "Adam learning rate", 0, 10);
var showOption = cli.Int("show", 8, "held-out negation sentences to print with both models' answers", 0);
return cli.Run(args, Main);

int Main(ExampleRun run)
{
    string cell = run.Get(cellOption);
    int epochs = run.Get(epochsOption), batch = run.Get(batchOption), show = run.Get(showOption);
    double lr = run.Get(lrOption);
    ulong seed = run.Seed;
    string outDir = run.OutputDirectory;

    var corpus = new SentimentCorpus(run.Get(trainOption), run.Get(heldOutOption), seed);
    var heldOut = corpus.HeldOut;
    int negations = heldOut.Count(s => s.HasNegation);
    Console.WriteLine($"generated corpus: {corpus.Train.Count} training and {heldOut.Count} held-out sentences ({negations} with \"not\"), "
        + $"{SentimentGrammar.Vocabulary.Length} words; {corpus.HeldOutPairs.Count} subject-adjective pairs only in held-out sentences");
    foreach (var kind in Enum.GetValues<Construction>())
        if (corpus.Train.FirstOrDefault(s => s.Kind == kind) is { } example) Console.WriteLine($"  {kind,-16} {example}");

    int vocabulary = SentimentGrammar.Vocabulary.Length, embedding = run.Get(embeddingOption);
    SentenceClassifier[] models =
    [
        new RecurrentClassifier(vocabulary, embedding, run.Get(hiddenOption), cell, new Rng(seed + 1)),
        new BagOfEmbeddings(vocabulary, embedding, new Rng(seed + 2)),
    ];
    var optimizers = models.Select(m => new Adam<float>(m.Parameters(), lr)).ToArray();
    var epochAxis = new List<double>();
    var overall = models.Select(_ => new List<double>()).ToArray();
    var negated = models.Select(_ => new List<double>()).ToArray();
    var finalCorrect = new bool[models.Length][];
    int batchesPerEpoch = Training.Batches(corpus.Train, batch, rng: null).Count;
    var watch = Stopwatch.StartNew();
    for (int k = 0; k < models.Length; k++)
    {
        var model = models[k];
        var rng = new Rng(seed + 3); // the same batches for both models
        void Evaluate(int epoch)
        {
            var correct = Training.Correct(model, heldOut);
            if (k == 0) epochAxis.Add(epoch);
            overall[k].Add(Training.Accuracy(correct, heldOut, _ => true));
            negated[k].Add(Training.Accuracy(correct, heldOut, s => s.HasNegation));
            finalCorrect[k] = correct;
        }
        Evaluate(0);
        int step = 0;
        run.Train(model.Name, epochs * batchesPerEpoch, progress =>
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                double loss = Training.Epoch(model, optimizers[k], corpus.Train, batch, rng, l => progress.Report(++step, l));
                Evaluate(epoch);
                progress.Log(string.Create(CultureInfo.InvariantCulture,
                    $"{model.Name} epoch {epoch}/{epochs}: training loss {loss:F4}, held-out accuracy {overall[k][^1]:P1}, with \"not\" {negated[k][^1]:P1}"));
            }
        });
    }
    double seconds = watch.Elapsed.TotalSeconds;

    Console.WriteLine();
    Console.WriteLine($"held-out accuracy after {epochs} epochs ({seconds:F1} s for both models):");
    Console.WriteLine($"  {"construction",-16} {"sentences",9} {models[0].Name,8} {"bag",8}");
    var kinds = Enum.GetValues<Construction>();
    var perKind = models.Select(_ => new double[kinds.Length]).ToArray();
    for (int c = 0; c < kinds.Length; c++)
    {
        var kind = kinds[c];
        for (int k = 0; k < models.Length; k++) perKind[k][c] = Training.Accuracy(finalCorrect[k], heldOut, s => s.Kind == kind);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {kind,-16} {heldOut.Count(s => s.Kind == kind),9} {perKind[0][c],8:P1} {perKind[1][c],8:P1}"));
    }
    for (int k = 0; k < models.Length; k++)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{models[k].Name,-18} held-out accuracy {overall[k][^1]:P1}; on the {negations} sentences with \"not\" {negated[k][^1]:P1}"));

    // A few held-out negation sentences where the two models disagree, with both answers.
    var shown = heldOut.Select((s, i) => (s, i)).Where(p => p.s.HasNegation && finalCorrect[0][p.i] != finalCorrect[1][p.i]).Take(show).ToList();
    if (shown.Count > 0) Console.WriteLine($"held-out sentences with \"not\" where the models disagree ({models[0].Name} / bag):");
    foreach (var (s, i) in shown)
        Console.WriteLine($"  {s.Text,-60} {(s.Label == 1 ? "positive" : "negative"),-8}  {Mark(finalCorrect[0][i])} / {Mark(finalCorrect[1][i])}");

    string curves = Path.Combine(outDir, $"sentiment-{cell}-accuracy.png");
    double[] xs = epochAxis.ToArray();
    Plots.Lines(curves, $"Held-out accuracy ({heldOut.Count} sentences, {negations} with \"not\")", "epoch", "accuracy",
    [
        new Series($"{models[0].Name}: all", xs, overall[0].ToArray()),
        new Series($"{models[0].Name}: with \"not\"", xs, negated[0].ToArray()),
        new Series("bag of embeddings: all", xs, overall[1].ToArray()),
        new Series("bag of embeddings: with \"not\"", xs, negated[1].ToArray()),
    ], legend: ScottPlot.Alignment.MiddleRight);
    string bars = Path.Combine(outDir, $"sentiment-{cell}-constructions.png");
    Plots.Bars(bars, "Held-out accuracy per construction", "accuracy", kinds.Select(k => k.ToString()).ToArray(),
        [new BarSeries(models[0].Name, perKind[0]), new BarSeries("bag of embeddings", perKind[1])]);
    Console.WriteLine($"wrote {curves}");
    Console.WriteLine($"wrote {bars}");
    return 0;
}

static string Mark(bool right) => right ? "right" : "wrong";
