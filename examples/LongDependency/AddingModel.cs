using MiniTorch.Autograd;
using MiniTorch.Nn;

namespace MiniTorch.Examples.LongDependency;

/// <summary>
/// Many to one: a recurrent layer (vanilla <see cref="Rnn{T}"/> or <see cref="Lstm{T}"/>) reads the whole sequence
/// of (value, marker) pairs, and a <see cref="Linear{T}"/> readout turns its final hidden state into one number.
/// </summary>
public sealed class AddingModel : Module<float>
{
    private readonly Rnn<float>? _rnn;
    private readonly Lstm<float>? _lstm;
    private readonly Linear<float> _readout;

    /// <summary>
    /// Creates the model; <paramref name="cell"/> is "rnn" or "lstm". For the LSTM, the forget gate's bias starts at
    /// <paramref name="forgetBias"/> instead of near 0, so the forget gate starts mostly open (σ(1) ≈ 0.73) and the
    /// cell state keeps more of its past: a common LSTM initialisation (Gers et al. 2000; Jozefowicz et al. 2015).
    /// </summary>
    public AddingModel(string cell, int hiddenSize, Rng rng, double forgetBias = 0)
    {
        Cell = cell;
        if (cell == "lstm")
        {
            _lstm = RegisterModule("lstm", new Lstm<float>(2, hiddenSize, rng));
            _lstm.B.Data.AsSpan().Slice(hiddenSize, hiddenSize).Fill((float)forgetBias); // gates i, f, o, g: f is block 1
        }
        else if (cell == "rnn") _rnn = RegisterModule("rnn", new Rnn<float>(2, hiddenSize, rng));
        else throw new ArgumentException($"AddingModel: cell must be 'rnn' or 'lstm', got '{cell}'.");
        _readout = RegisterModule("readout", new Linear<float>(hiddenSize, 1, rng));
        HiddenSize = hiddenSize;
    }

    /// <summary>"rnn" or "lstm".</summary>
    public string Cell { get; }
    /// <summary>H, the hidden size.</summary>
    public int HiddenSize { get; }

    /// <summary>The prediction (N, 1) for sequences <paramref name="x"/> (N, T, 2), from the final hidden state.</summary>
    public Variable<float> Forward(Variable<float> x)
    {
        var last = _lstm is not null ? _lstm.Forward(x).HN : _rnn!.Forward(x).HN; // (1, N, H): one layer, one direction
        return _readout.Forward(last.Select(0, 0));
    }

    /// <summary>The mean squared error of the predictions for <paramref name="x"/> against <paramref name="y"/> (N, 1).</summary>
    public Variable<float> Loss(Variable<float> x, Tensor<float> y) => (Forward(x) - y.AsVariable()).Square().Mean();

    /// <summary>
    /// The gradient of the loss with respect to every hidden state h_t, t = 1..T, for one batch: the norms
    /// ‖∂L/∂h_t‖ (over the batch and the hidden units). The sequence module runs one step at a time (on length-1
    /// inputs, the same weights and equations as <see cref="Forward"/>), and each h_t gets a zero "probe" z_t added:
    /// h_t + z_t has the same value, and since ∂(h_t + z_t)/∂z_t = 1, the probe's gradient z_t.Grad is exactly ∂L/∂h_t.
    /// </summary>
    public double[] HiddenStateGradientNorms(Tensor<float> x, Tensor<float> y)
    {
        int n = x.Dim(0), steps = x.Dim(1);
        var probes = new Variable<float>[steps];
        Variable<float>? h = null, c = null;
        for (int t = 0; t < steps; t++)
        {
            var xt = x.Narrow(1, t, 1).AsVariable();  // (N, 1, 2): step t alone
            if (_lstm is not null) (_, h, c) = _lstm.Forward(xt, h, c);
            else (_, h) = _rnn!.Forward(xt, h);
            probes[t] = Tensor.Zeros<float>(1, n, HiddenSize).RequiresGrad($"z{t + 1}"); // h is (1, N, H)
            h = h + probes[t];
        }
        var loss = (_readout.Forward(h!.Select(0, 0)) - y.AsVariable()).Square().Mean();
        loss.Backward();
        ZeroGrad(); // the parameters' gradients from this probe pass are not used
        return probes.Select(z => Math.Sqrt(z.Grad!.AsSpan().ToArray().Sum(g => (double)g * g))).ToArray();
    }
}
