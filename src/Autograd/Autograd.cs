using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// The functional entry points of the engine (PyTorch's <c>torch.autograd</c>): gradients without touching
/// <see cref="Variable{T}.Grad"/>, backward from several outputs in one pass, and anomaly detection.
/// </summary>
public static class Autograd
{
    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/> (torch.autograd.grad):
    /// Σ_k d(outputs[k])/d(input) · gradOutputs[k], computed by one pass that runs only the ops on a path from an
    /// output to an input. No <see cref="Variable{T}.Grad"/> changes. The inputs may be leaves or intermediate results.
    /// </summary>
    /// <param name="outputs">The outputs to differentiate (each requires grad).</param>
    /// <param name="inputs">The variables to differentiate with respect to (each requires grad).</param>
    /// <param name="gradOutputs">One upstream gradient per output (null entries, or a null list, mean 1 for one-element outputs).</param>
    /// <param name="retainGraph">Keep the ops that ran for another backward pass.</param>
    /// <param name="allowUnused">Return null for an input no output depends on, instead of throwing.</param>
    /// <returns>One gradient per input, each the input's shape, owned by the caller (null only for unused inputs with <paramref name="allowUnused"/>).</returns>
    /// <exception cref="InvalidOperationException">An output or input does not require grad, an input is unused, or the graph was freed.</exception>
    /// <exception cref="ArgumentException">The lists are empty or of different lengths, or a gradient's shape is wrong.</exception>
    public static Tensor<T>?[] Grad<T>(IReadOnlyList<Variable<T>> outputs, IReadOnlyList<Variable<T>> inputs,
        IReadOnlyList<Tensor<T>?>? gradOutputs = null, bool retainGraph = false, bool allowUnused = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("Grad: no inputs to differentiate with respect to.", nameof(inputs));
        return Engine.Run(outputs, gradOutputs, retainGraph, inputs, allowUnused)!;
    }

    /// <summary>
    /// Back-propagates from several outputs in one pass (torch.autograd.backward): the leaves' <see cref="Variable{T}.Grad"/>
    /// receive Σ_k d(outputs[k])/d(leaf) · gradOutputs[k]; ops shared by several outputs run once.
    /// </summary>
    /// <param name="outputs">The outputs (each requires grad).</param>
    /// <param name="gradOutputs">One upstream gradient per output (null entries, or a null list, mean 1 for one-element outputs).</param>
    /// <param name="retainGraph">Keep the ops that ran for another backward pass.</param>
    /// <exception cref="InvalidOperationException">An output does not require grad, or the graph was freed.</exception>
    /// <exception cref="ArgumentException">The lists are empty or of different lengths, or a gradient's shape is wrong.</exception>
    public static void Backward<T>(IReadOnlyList<Variable<T>> outputs, IReadOnlyList<Tensor<T>?>? gradOutputs = null, bool retainGraph = false)
        where T : unmanaged, IFloatingPointIeee754<T> => Engine.Backward(outputs, gradOutputs, retainGraph);

    /// <summary>
    /// Until disposed, every op's forward result and every gradient a backward produces is checked for NaN and
    /// infinity (torch.autograd.detect_anomaly); the first one throws an <see cref="ArithmeticException"/> naming the op
    /// and, for backward, where the op was created. Slow: for debugging. Flows with async code like <see cref="GradMode"/>.
    /// </summary>
    /// <returns>The scope; dispose it to turn detection off again (disposing twice is harmless).</returns>
    public static AnomalyScope DetectAnomaly() => new();

    /// <summary>The scope returned by <see cref="DetectAnomaly"/>.</summary>
    public sealed class AnomalyScope : IDisposable
    {
        private readonly bool _previous = Anomaly.Set(true);
        private bool _disposed;

        internal AnomalyScope() { }

        /// <summary>Restores the previous setting (only the first call does anything).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Anomaly.Set(_previous);
        }
    }
}
