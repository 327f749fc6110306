// Image captioning (one to many) on a toy world: a "scene" of one or two coloured shapes stands in for an image, its
// feature vector for CNN features, and a little grammar writes its caption ("a big red circle left of a small blue
// square"). The model is CS231n's CaptioningRNN (see CaptioningRnn.cs). The program
//   1. overfits 50 training examples until the loss is below 0.1 (a check that model and training loop work), then
//   2. trains a fresh model on a larger set and captions held-out scenes by greedy decoding, reporting the
//      exact-match rate and BLEU-4 and printing a few predictions beside the truth.
using System.Diagnostics;
using System.Globalization;
using MiniTorch;
using MiniTorch.Examples;
using MiniTorch.Examples.Captioning;

var cli = new ExampleCommand("Captioning", "Trains CS231n's captioning RNN/LSTM on toy scenes and captions held-out scenes.");
var cellOption = cli.Choice("cell", "lstm", "recurrent layer", RecurrentCells.Names);
var hiddenOption = cli.Int("hidden", 128, "hidden size H", 1, 4096);
var wordVectorOption = cli.Int("wordvec", 64, "word vector size W", 1, 4096);
var featureSizeOption = cli.Int("features", 64, "length of a scene's feature vector D", 1, 4096);
var noiseOption = cli.Double("noise", 0.05, "standard deviation of the noise added to the features", 0, 10);
var trainCountOption = cli.Int("train", 4000, "training scenes", 1);
var valCountOption = cli.Int("val", 500, "held-out scenes", 1);
var epochsOption = cli.Int("epochs", 20, "training epochs on the large set", 0);
var batchSizeOption = cli.Int("batch", 50, "mini-batch size", 1);
var lrOption = cli.Double("lr", 5e-3, "Adam learning rate", 0, 10);
var lrDecayOption = cli.Double("lr-decay", 0.95, "learning-rate factor applied after every training epoch (the overfitting check keeps --lr constant)", 0, 1);
var overfitCountOption = cli.Int("overfit", 50, "examples in the overfitting check, which stops once their loss is below 0.1 (0: skip it)", 0);
var overfitEpochsOption = cli.Int("overfit-epochs", 200, "at most this many epochs for the overfitting check", 1);
var showOption = cli.Int("show", 6, "held-out predictions to print", 0);
return cli.Run(args, Main);

int Main(ExampleRun run)
{
    string cell = run.Get(cellOption);
    int hidden = run.Get(hiddenOption), wordVector = run.Get(wordVectorOption), featureSize = run.Get(featureSizeOption);
    double noise = run.Get(noiseOption), lr = run.Get(lrOption), lrDecay = run.Get(lrDecayOption);
    int trainCount = run.Get(trainCountOption), valCount = run.Get(valCountOption), epochs = run.Get(epochsOption);
    int batchSize = run.Get(batchSizeOption), overfitCount = run.Get(overfitCountOption), overfitEpochs = run.Get(overfitEpochsOption);
    int show = run.Get(showOption);
    string outDir = run.OutputDirectory;
    ulong seed = run.Seed;

    // The toy world: its feature projection is fixed by the seed; training and held-out scenes are drawn independently.
    var world = new SceneWorld(featureSize, seed, noise);
    var dataRng = new Rng(seed + 1);
    var (trainFeatures, trainCaptions) = Float(world.Sample(trainCount, dataRng));
    var (valFeatures, valCaptions) = Float(world.Sample(valCount, dataRng));
    int vocab = SceneWorld.Vocabulary.Length;
    Console.WriteLine($"toy scenes: {trainCount} training and {valCount} held-out captions, vocabulary of {vocab} words, features of size {featureSize}");
    var plots = new List<string>();

    // 1. Overfit a small set: the loss must go below 0.1 (CS231n's sanity check). The learning rate stays constant
    //    here (no decay), so the check does not depend on how many epochs it takes.
    if (overfitCount > 0)
    {
        int n = Math.Min(overfitCount, trainCount);
        var features = trainFeatures.Narrow(0, 0, n);
        var captions = trainCaptions.Narrow(0, 0, n);
        var model = NewModel(vocab, featureSize, wordVector, hidden, cell, seed);
        var solver = new Solver(model, lr, lrDecay: 1, Math.Min(25, n), new Rng(seed + 2));
        double loss = double.NaN;
        int batches = (n + 24) / 25;
        run.Train($"overfit {n} ({cell})", overfitEpochs * batches, progress =>
        {
            while (solver.Epochs < overfitEpochs)
            {
                solver.Epoch(features, captions, progress);
                loss = solver.Evaluate(features, captions);
                if (loss < 0.1) break;
            }
        });
        Console.WriteLine(loss < 0.1
            ? $"overfit: the loss on {n} examples fell below 0.1 after {solver.Epochs} epochs (loss {loss:F4})"
            : $"overfit: the loss on {n} examples is still {loss:F4} after {solver.Epochs} epochs (not below 0.1)");
        string png = Path.Combine(outDir, $"captioning-{cell}-overfit.png");
        var steps = Enumerable.Range(1, solver.LossHistory.Count).Select(i => (double)i).ToArray();
        Plots.Lines(png, $"Overfitting {n} captions ({cell}, hidden {hidden})", "step (mini-batch of 25)", "loss",
            [
                new Series("training loss", steps, solver.LossHistory.ToArray()),
                new Series("target 0.1", [1, Math.Max(steps.Length, 2)], [0.1, 0.1]),
            ], logY: true);
        plots.Add(png);
    }

    // 2. Train on the large set; after every epoch, the loss on the held-out scenes.
    {
        var model = NewModel(vocab, featureSize, wordVector, hidden, cell, seed);
        var solver = new Solver(model, lr, lrDecay, batchSize, new Rng(seed + 3));
        int batches = (trainCount + batchSize - 1) / batchSize;
        var valSteps = new List<double>();
        var valLosses = new List<double>();
        var watch = Stopwatch.StartNew();
        run.Train($"train ({cell})", epochs * batches, progress =>
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                solver.Epoch(trainFeatures, trainCaptions, progress);
                valSteps.Add(solver.LossHistory.Count);
                valLosses.Add(solver.Evaluate(valFeatures, valCaptions));
                progress.Log(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch}/{epochs}: training loss {solver.LossHistory.TakeLast(batches).Average():F4}, held-out loss {valLosses[^1]:F4}"));
            }
        });
        Console.WriteLine($"trained {epochs} epochs ({solver.LossHistory.Count} steps) in {watch.Elapsed.TotalSeconds:F1} s");

        // Caption the held-out scenes greedily and compare with the true captions.
        var predicted = Words(model.Sample(valFeatures, SceneWorld.CaptionLength - 1));
        var truth = Words(valCaptions);
        int exact = predicted.Zip(truth).Count(p => p.First.SequenceEqual(p.Second));
        double bleu = Bleu.Score(predicted, truth);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"held-out greedy captions: exact match {exact}/{valCount} = {100.0 * exact / valCount:F1}%, BLEU-4 {bleu:F3}"));
        for (int i = 0; i < Math.Min(show, valCount); i++)
        {
            Console.WriteLine($"  truth:     {string.Join(' ', truth[i])}");
            string words = predicted[i].Count > 0 ? string.Join(' ', predicted[i]) : "(no words)";
            Console.WriteLine($"  predicted: {words}{(predicted[i].SequenceEqual(truth[i]) ? "" : "   (differs)")}");
        }

        string png = Path.Combine(outDir, $"captioning-{cell}-loss.png");
        var steps = Enumerable.Range(1, solver.LossHistory.Count).Select(i => (double)i).ToArray();
        Plots.Lines(png, $"Captioning {trainCount} toy scenes ({cell}, hidden {hidden})", $"step (mini-batch of {batchSize})", "loss",
        [
            new Series("training loss (moving average of 20)", steps, Plots.Smooth(solver.LossHistory, 20)),
            new Series("held-out loss (end of each epoch)", valSteps.ToArray(), valLosses.ToArray()),
        ], logY: true);
        plots.Add(png);
    }
    foreach (var png in plots) Console.WriteLine($"wrote {png}");
    return 0;
}

// Every model starts from the same seed, so the two phases are reproducible on their own.
static CaptioningRnn<float> NewModel(int vocab, int featureSize, int wordVector, int hidden, string cell, ulong seed) =>
    new(vocab, featureSize, wordVector, hidden, cell, new Rng(seed + 100),
        SceneWorld.Null, SceneWorld.Start, SceneWorld.End);

// The scene world works in double precision; training runs in float32, which is faster.
static (Tensor<float>, Tensor<int>) Float((Tensor<double> Features, Tensor<int> Captions) data) =>
    (Tensor.Cast<double, float>(data.Features), data.Captions);

// The words of each row of token ids (up to END, without START and NULL).
static List<IReadOnlyList<string>> Words(Tensor<int> ids)
{
    int n = ids.Dim(0), length = ids.Dim(1);
    var rows = ids.ToArray();
    return Enumerable.Range(0, n).Select(i => (IReadOnlyList<string>)SceneWorld.Decode(rows.Skip(i * length).Take(length))).ToList();
}
