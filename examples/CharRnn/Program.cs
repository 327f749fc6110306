// Character-level language model (many to many), after Karpathy's min-char-rnn: read text in chunks of 25
// characters, predict every next character, train with Adagrad (lr 0.1) and gradients clipped to [-5, 5], carry the
// hidden state from chunk to chunk but cut the graph between chunks (truncated backpropagation through time), and
// print a sample now and then. With --sample, load a saved model and generate text.
using System.Diagnostics;
using System.Globalization;
using MiniTorch;
using MiniTorch.Examples;
using MiniTorch.Examples.CharRnn;
using MiniTorch.Nn;
using MiniTorch.Nn.Checkpoint;
using MiniTorch.Nn.Optim;

var cli = new ExampleCommand("CharRnn", "Trains a character-level RNN or LSTM language model (min-char-rnn) and samples from it.");
var cellOption = cli.Choice("cell", "rnn", "recurrent layer", RecurrentCells.Names);
var textOption = cli.String("text", "", "UTF-8 text file to learn (default: the corpus committed in examples/CharRnn/corpus)");
var hiddenOption = cli.Int("hidden", 100, "hidden size", 1, 4096);
var seqLengthOption = cli.Int("seq-length", 25, "characters per chunk (truncated backpropagation length)", 1, 10_000);
var lrOption = cli.Double("lr", 0.1, "Adagrad learning rate", 0, 10);
var stepsOption = cli.Int("steps", 20000, "training steps (one chunk each)", 0);
var sampleEveryOption = cli.Int("sample-every", 5000, "print a sample every this many steps (0: never)", 0);
var lengthOption = cli.Int("length", 200, "characters per sample", 1);
var temperatureOption = cli.Double("temperature", 1.0, "sampling temperature: below 1 safer, above 1 wilder", 1e-3, 100);
var primeOption = cli.String("prime", "", "text fed to the model before sampling (default: a newline)");
var sampleOnlyOption = cli.Flag("sample", "do not train: load --checkpoint and print a sample of --length characters");
var checkpointOption = cli.String("checkpoint", "", "model file written after training and read by --sample (default: charrnn-CELL.safetensors in --out)");
return cli.Run(args, Main);

int Main(ExampleRun run)
{
    string cell = run.Get(cellOption), text = run.Get(textOption), prime = run.Get(primeOption), checkpoint = run.Get(checkpointOption);
    int hidden = run.Get(hiddenOption), seqLength = run.Get(seqLengthOption), steps = run.Get(stepsOption);
    int sampleEvery = run.Get(sampleEveryOption), length = run.Get(lengthOption);
    double lr = run.Get(lrOption), temperature = run.Get(temperatureOption);
    bool sampleOnly = run.Get(sampleOnlyOption);
    string outDir = run.OutputDirectory;
    ulong seed = run.Seed;
    if (checkpoint.Length == 0) checkpoint = Path.Combine(outDir, $"charrnn-{cell}.safetensors");
    var rng = new Rng(seed);
    if (!sampleOnly) checkpoint = ExampleRun.CheckWritableFile(checkpoint, "--checkpoint");

    if (sampleOnly)
    {
        var (loaded, characters) = LoadModel(checkpoint);
        Console.WriteLine(Generate(loaded, characters, prime, length, temperature, rng));
        return 0;
    }

    // The data: every character becomes its index in the sorted vocabulary.
    var corpus = text.Length > 0 ? Corpus.FromFile(text) : Corpus.Default();
    int[] data = corpus.Text.Select(corpus.Id).ToArray();
    int vocab = corpus.VocabularySize;
    if (data.Length < seqLength + 1)
        throw new UsageException($"the text has {data.Length} characters, fewer than --seq-length + 1 = {seqLength + 1}");
    Console.WriteLine($"{data.Length:N0} characters, {vocab} distinct, from {corpus.Source}");

    var model = new CharModel(vocab, hidden, cell, rng);
    var optimizer = new Adagrad<float>(model.Parameters(), lr);
    Console.WriteLine($"{cell}: {model.Parameters().Sum(p => p.Length):N0} parameters; Adagrad lr {lr}, clip [-5, 5], {seqLength}-character chunks");

    // min-char-rnn's running loss: starts at the loss of a uniform guess over 25 characters.
    double smoothLoss = -Math.Log(1.0 / vocab) * seqLength;
    var lossSteps = new List<double>();
    var losses = new List<double>();
    var smoothLosses = new List<double>();
    var state = CharState.Zero;
    int position = 0;
    var watch = Stopwatch.StartNew();
    run.Train($"char-rnn ({cell})", steps, progress =>
    {
        for (int step = 1; step <= steps; step++)
        {
            // At the end of the text, start over from its beginning with a fresh (zero) state.
            if (position + seqLength + 1 > data.Length)
            {
                position = 0;
                state = CharState.Zero;
            }
            var inputs = data.AsSpan(position, seqLength);
            var targets = Tensor.FromArray(data[(position + 1)..(position + seqLength + 1)], 1, seqLength);

            // Forward over the chunk; the loss sums -log p(next character) over its 25 positions (batch of one).
            var (scores, next) = model.Forward(inputs, state);
            var loss = Functional.TemporalSoftmaxLoss(scores, targets);
            optimizer.ZeroGrad();
            loss.Backward();
            ClipGrad.Value(model.Parameters(), 5);
            optimizer.Step();

            // Keep the state's values for the next chunk, but not the graph behind them.
            state = next.Detach();
            position += seqLength;

            double value = loss.Item();
            smoothLoss = 0.999 * smoothLoss + 0.001 * value;
            lossSteps.Add(step);
            losses.Add(value);
            smoothLosses.Add(smoothLoss);
            progress.Report(step, smoothLoss);
            if (sampleEvery > 0 && (step % sampleEvery == 0 || step == steps))
            {
                var sample = model.Sample(state, data[position], length, temperature, rng);
                progress.Log($"---- step {step}, smooth loss {smoothLoss:F2} ----");
                progress.Log(new string(sample.Select(id => corpus.Characters[id]).ToArray()));
            }
        }
    });
    double seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"done: {steps} steps in {seconds:F1} s ({steps / Math.Max(seconds, 1e-9):F0} steps/s), smooth loss {smoothLoss:F2} (uniform guess: {-Math.Log(1.0 / vocab) * seqLength:F2})"));

    // Save the model with what is needed to rebuild it (the vocabulary, the cell and the hidden size).
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!);
    model.Save(checkpoint, new Dictionary<string, string>
    {
        ["charrnn.vocabulary"] = new string(corpus.Characters),
        ["charrnn.cell"] = cell,
        ["charrnn.hidden"] = hidden.ToString(CultureInfo.InvariantCulture),
    });
    Console.WriteLine($"model saved to {checkpoint} (sample from it with --sample --checkpoint {checkpoint})");

    string png = Path.Combine(outDir, $"charrnn-{cell}-loss.png");
    Plots.Lines(png, $"char-rnn ({cell}, hidden {hidden}): loss per {seqLength}-character chunk", "step", "loss (nats per chunk)",
    [
        new Series("loss (moving average of 100)", lossSteps.ToArray(), Plots.Smooth(losses, 100)),
        new Series("smooth loss (0.999 running average)", lossSteps.ToArray(), smoothLosses.ToArray()),
    ]);
    Console.WriteLine($"wrote {png}");
    return 0;
}

// Rebuilds a model from a checkpoint written by training: the sizes and vocabulary are in the file's metadata.
static (CharModel Model, char[] Characters) LoadModel(string path)
{
    if (!File.Exists(path)) throw new FileNotFoundException($"no checkpoint at {path} (train first, or pass --checkpoint PATH)");
    IReadOnlyDictionary<string, string> meta;
    using (var file = SafetensorsFile.Open(path)) meta = file.Metadata;
    if (!meta.TryGetValue("charrnn.vocabulary", out var vocabulary) || !meta.TryGetValue("charrnn.cell", out var cell)
        || cell is not ("rnn" or "lstm" or "gru") || !meta.TryGetValue("charrnn.hidden", out var hiddenText)
        || !int.TryParse(hiddenText, CultureInfo.InvariantCulture, out int hidden) || hidden < 1 || vocabulary.Length < 2)
        throw new InvalidDataException($"{path} is not a CharRnn checkpoint (its charrnn.* metadata is missing or invalid)");
    var model = new CharModel(vocabulary.Length, hidden, cell, new Rng(0));
    model.Load(path);
    return (model, vocabulary.ToCharArray());
}

// Feeds the prime text (default: a newline) and then samples `length` characters after it.
static string Generate(CharModel model, char[] characters, string prime, int length, double temperature, Rng rng)
{
    if (prime.Length == 0) prime = Array.IndexOf(characters, '\n') >= 0 ? "\n" : characters[0].ToString();
    var ids = new int[prime.Length];
    for (int i = 0; i < prime.Length; i++)
    {
        ids[i] = Array.IndexOf(characters, prime[i]);
        if (ids[i] < 0) throw new UsageException($"--prime contains '{prime[i]}', which is not in the model's vocabulary");
    }
    var state = model.Prime(ids.AsSpan(0, ids.Length - 1), CharState.Zero);
    var sample = model.Sample(state, ids[^1], length, temperature, rng);
    return prime + new string(sample.Select(id => characters[id]).ToArray());
}
