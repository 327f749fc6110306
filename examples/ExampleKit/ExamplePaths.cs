namespace MiniTorch.Examples;

/// <summary>Where the examples find the repository and write their files.</summary>
public static class ExamplePaths
{
    /// <summary>
    /// The MiniTorch repository's root (the folder holding MiniTorch.sln), found by walking up from the current
    /// directory and then from the program's own folder; null when neither is inside the repository.
    /// </summary>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "MiniTorch.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>examples/<paramref name="example"/>/out in the repository, or ./out/<paramref name="example"/> outside it.</summary>
    public static string DefaultOutput(string example) =>
        RepositoryRoot() is { } root
            ? Path.Combine(root, "examples", example, "out")
            : Path.Combine(Directory.GetCurrentDirectory(), "out", example);
}
