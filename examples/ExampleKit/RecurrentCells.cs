using System.Numerics;
using MiniTorch.Nn;

namespace MiniTorch.Examples;

/// <summary>The examples' <c>--cell</c> choice: a recurrent layer by name, held through the common contract.</summary>
public static class RecurrentCells
{
    /// <summary>The cell names, as the <c>--cell</c> options list them.</summary>
    public static readonly string[] Names = ["rnn", "lstm", "gru"];

    /// <summary>A one-layer, one-direction <see cref="Rnn{T}"/>, <see cref="Lstm{T}"/> or <see cref="Gru{T}"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="owner">The model's name, which starts the error message.</param>
    /// <param name="cell">"rnn", "lstm" or "gru".</param>
    /// <param name="inputSize">The input size D.</param>
    /// <param name="hiddenSize">The hidden size H.</param>
    /// <param name="rng">The generator the weights are drawn from.</param>
    /// <returns>The layer.</returns>
    /// <exception cref="ArgumentException"><paramref name="cell"/> is not one of <see cref="Names"/>.</exception>
    public static RecurrentLayer<T> Create<T>(string owner, string cell, int inputSize, int hiddenSize, Rng rng)
        where T : unmanaged, IFloatingPointIeee754<T> => cell switch
        {
            "rnn" => new Rnn<T>(inputSize, hiddenSize, rng),
            "lstm" => new Lstm<T>(inputSize, hiddenSize, rng),
            "gru" => new Gru<T>(inputSize, hiddenSize, rng),
            _ => throw new ArgumentException($"{owner}: cell must be rnn, lstm or gru, got '{cell}'.", nameof(cell)),
        };
}
