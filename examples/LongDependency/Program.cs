// Long-range dependencies (many to one): the adding problem. Each sequence of length T carries random values and two
// markers; the answer is the sum of the two marked values, the first of which sits in the first half. A vanilla RNN
// and an LSTM of the same hidden size are trained side by side on the same batches (Adam, mean squared error on a
// linear readout of the final hidden state), for each T. Guessing the mean scores 1/6 ≈ 0.167; to do better a model
// must carry the first marked value across up to T steps. The program also measures how much gradient reaches each
// hidden state h_t from the loss at the end, before and after training. See README.md.
using System.Diagnostics;
using System.Globalization;
using MiniTorch;
using MiniTorch.Autograd;
using MiniTorch.Examples;
using MiniTorch.Examples.LongDependency;
using MiniTorch.Nn.Optim;

var cli = new ExampleCommand("LongDependency", "Trains a vanilla RNN and an LSTM side by side on the adding problem and measures gradient flow.");
var lengthsOption = cli.IntList("lengths", [10, 50, 100], "sequence lengths T to train on, comma-separated", 2);
var hiddenOption = cli.Int("hidden", 32, "hidden size of both models", 1, 4096);
var stepsOption = cli.Int("steps", 1500, "training steps per length", 0);
var batchOption = cli.Int("batch", 32, "sequences per step", 1);
var lrOption = cli.Double("lr", 1e-2, "Adam learning rate", 0, 10);
var forgetBiasOption = cli.Double("forget-bias", 1, "initial bias of the LSTM's forget gate (PyTorch's initialisation gives about 0)", -100, 100);
var evalCountOption = cli.Int("eval", 1000, "fresh sequences for the final test MSE", 1);
return cli.Run(args, Main);

int Main(ExampleRun run)
{
    int[] lengths = run.Get(lengthsOption);
    int hidden = run.Get(hiddenOption), steps = run.Get(stepsOption), batch = run.Get(batchOption), evalCount = run.Get(evalCountOption);
    double lr = run.Get(lrOption), forgetBias = run.Get(forgetBiasOption);
    string outDir = run.OutputDirectory;
    ulong seed = run.Seed;
    string[] cells = ["rnn", "lstm"];
    AddingModel NewModel(string cell) => new(cell, hidden, new Rng(seed + 1), forgetBias);

    // Gradient flow at initialisation, on one batch of the longest length: |dL/dh_t| for t = 1..T.
    int longest = lengths.Max();
    var (gx, gy) = Float(AddingProblem.Batch(batch, longest, new Rng(seed)));
    double[] ts = Enumerable.Range(1, longest).Select(t => (double)t).ToArray();
    var flow = new List<Series>();
    void MeasureFlow(AddingModel model, string label)
    {
        double[] norms = model.HiddenStateGradientNorms(gx, gy);
        flow.Add(new Series(label, ts, norms));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gradient flow, {label,-28} T = {longest}: |dL/dh_T| = {norms[^1]:E2}, |dL/dh_1| = {norms[0]:E2}, ratio {norms[0] / norms[^1]:E2}"));
    }
    foreach (var cell in cells) MeasureFlow(NewModel(cell), $"{cell} at initialisation");
    if (forgetBias != 0) MeasureFlow(new AddingModel("lstm", hidden, new Rng(seed + 1), 0), "lstm, forget bias 0, at init");

    // Training: for each T, both cells on the same batches.
    var summary = new List<string>();
    var written = new List<string>();
    foreach (int length in lengths)
    {
        var models = cells.Select(NewModel).ToArray();
        var optimizers = models.Select(m => new Adam<float>(m.Parameters(), lr)).ToArray();
        var curves = cells.Select(_ => new List<double>()).ToArray();
        var dataRng = new Rng(seed + (ulong)length);
        var watch = Stopwatch.StartNew();
        run.Train($"T = {length}", steps, progress =>
        {
            for (int step = 1; step <= steps; step++)
            {
                var (x, y) = Float(AddingProblem.Batch(batch, length, dataRng));
                for (int k = 0; k < models.Length; k++)
                {
                    var loss = models[k].Loss(x.AsVariable(), y);
                    optimizers[k].ZeroGrad();
                    loss.Backward();
                    optimizers[k].Step();
                    curves[k].Add(loss.Item());
                }
                progress.Report(step, curves[1][^1], string.Create(CultureInfo.InvariantCulture,
                    $"(lstm; last 50 steps: rnn {curves[0].TakeLast(50).Average():F3}, lstm {curves[1].TakeLast(50).Average():F3})"));
            }
        });

        // The final MSE of each model on fresh sequences, against the 1/6 of always guessing 1.
        var (ex, ey) = Float(AddingProblem.Batch(evalCount, length, new Rng(seed + 999)));
        var finals = new double[models.Length];
        using (GradMode.NoGrad())
            for (int k = 0; k < models.Length; k++) finals[k] = models[k].Loss(ex.AsVariable(), ey).Item();
        string line = string.Create(CultureInfo.InvariantCulture,
            $"T = {length,4}: test MSE rnn {finals[0]:F4}, lstm {finals[1]:F4} (baseline {AddingProblem.BaselineMse:F3}; {steps} steps in {watch.Elapsed.TotalSeconds:F1} s)");
        Console.WriteLine(line);
        summary.Add(line);
        if (length == longest)
            for (int k = 0; k < models.Length; k++) MeasureFlow(models[k], $"{cells[k]} after training");

        string png = Path.Combine(outDir, $"adding-T{length}.png");
        double[] xs = Enumerable.Range(1, steps).Select(i => (double)i).ToArray();
        Plots.Lines(png, $"Adding problem, T = {length} (hidden {hidden}, batch {batch})", "step", "training MSE (moving average of 50)",
        [
            .. cells.Select((cell, k) => new Series(cell, xs, Plots.Smooth(curves[k], 50))),
            new Series("baseline 1/6 (always guess 1)", [1, Math.Max(steps, 2)], [AddingProblem.BaselineMse, AddingProblem.BaselineMse]),
        ], logY: true, legend: ScottPlot.Alignment.LowerLeft);
        written.Add(png);
    }

    string flowPng = Path.Combine(outDir, "gradient-flow.png");
    Plots.Lines(flowPng, $"Gradient reaching h_t from the loss at step T = {longest} (hidden {hidden})", "time step t", "|dL/dh_t|",
        flow, logY: true, legend: ScottPlot.Alignment.LowerRight);
    written.Add(flowPng);

    Console.WriteLine();
    foreach (var line in summary) Console.WriteLine(line);
    foreach (var png in written) Console.WriteLine($"wrote {png}");
    return 0;
}

// The generator works in double precision; training runs in float32, which is faster.
static (Tensor<float>, Tensor<float>) Float((Tensor<double> X, Tensor<double> Y) data) =>
    (Tensor.Cast<double, float>(data.X), Tensor.Cast<double, float>(data.Y));
