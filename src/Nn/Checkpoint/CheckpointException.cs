namespace MiniTorch.Nn.Checkpoint;

/// <summary>
/// A checkpoint file that cannot be used: corrupt or not safetensors, or not matching what it is loaded into.
/// The message names the file and, where one is at fault, the tensor. (An <see cref="IOException"/>:
/// <see cref="InvalidDataException"/> is sealed.)
/// </summary>
public sealed class CheckpointException : IOException
{
    /// <summary>Describes <paramref name="problem"/> in the file <paramref name="path"/> (and tensor <paramref name="tensorName"/>).</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="tensorName">The tensor at fault, or null when the file as a whole is.</param>
    /// <param name="problem">What is wrong, as a sentence.</param>
    /// <param name="innerException">The error that revealed the problem, if any.</param>
    public CheckpointException(string path, string? tensorName, string problem, Exception? innerException = null)
        : base(Compose(path, tensorName, problem), innerException)
    {
        FilePath = path;
        TensorName = tensorName;
    }

    /// <summary>The file's path.</summary>
    public string FilePath { get; }

    /// <summary>The tensor at fault, if the problem is with one tensor.</summary>
    public string? TensorName { get; }

    private static string Compose(string path, string? tensor, string problem) =>
        tensor is null ? $"Checkpoint '{path}': {problem}" : $"Checkpoint '{path}', tensor '{tensor}': {problem}";
}
