using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;

namespace MiniTorch.Examples.Captioning;

/// <summary>
/// A small training loop in the style of CS231n's CaptioningSolver: Adam on shuffled mini-batches, one epoch at a
/// time, with the learning rate multiplied by <c>lrDecay</c> after every epoch (an <see cref="ExponentialLr{T}"/>).
/// </summary>
public sealed class Solver
{
    private readonly CaptioningRnn<float> _model;
    private readonly Adam<float> _optimizer;
    private readonly ExponentialLr<float> _schedule;
    private readonly int _batchSize;
    private readonly Rng _rng;

    /// <summary>Sets up Adam (learning rate <paramref name="lr"/>) and the per-epoch decay for <paramref name="model"/>.</summary>
    public Solver(CaptioningRnn<float> model, double lr, double lrDecay, int batchSize, Rng rng)
    {
        _model = model;
        _optimizer = new Adam<float>(model.Parameters(), lr);
        _schedule = new ExponentialLr<float>(_optimizer, lrDecay);
        _batchSize = batchSize;
        _rng = rng;
    }

    /// <summary>The loss of every mini-batch so far, in order.</summary>
    public List<double> LossHistory { get; } = new();

    /// <summary>Epochs completed.</summary>
    public int Epochs => _schedule.LastEpoch;

    /// <summary>
    /// One pass over the data in a random order, one Adam step per mini-batch, then the learning-rate decay. Reports
    /// every step to <paramref name="progress"/> (numbered by <see cref="LossHistory"/>).
    /// </summary>
    public void Epoch(Tensor<float> features, Tensor<int> captions, IProgressSink progress)
    {
        int n = features.Dim(0);
        int[] order = _rng.Permutation(n);
        for (int start = 0; start < n; start += _batchSize)
        {
            var batch = Tensor.FromArray(order[start..Math.Min(start + _batchSize, n)]);
            var loss = _model.Loss(features.IndexSelect(0, batch).AsVariable(), captions.IndexSelect(0, batch));
            _optimizer.ZeroGrad();
            loss.Backward();
            _optimizer.Step();
            LossHistory.Add(loss.Item());
            progress.Report(LossHistory.Count, LossHistory[^1], $"epoch {Epochs + 1}");
        }
        _schedule.Step();
    }

    /// <summary>The loss on a whole data set, without recording gradients (batched to bound memory).</summary>
    public double Evaluate(Tensor<float> features, Tensor<int> captions)
    {
        using var _ = GradMode.NoGrad();
        int n = features.Dim(0);
        double total = 0;
        for (int start = 0; start < n; start += 500)
        {
            int count = Math.Min(500, n - start);
            var loss = _model.Loss(features.Narrow(0, start, count).AsVariable(), captions.Narrow(0, start, count));
            total += loss.Item() * count; // the loss is a mean over the batch
        }
        return total / n;
    }
}
