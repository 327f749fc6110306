namespace MiniTorch.Nn.Checkpoint;

/// <summary>Replacing a file all at once: readers see the old file or the complete new one, never a part.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Calls <paramref name="write"/> on a new temporary file in <paramref name="path"/>'s directory (named
    /// ".NAME.RANDOM.tmp"), flushes it to disk, and moves it over <paramref name="path"/>. If anything fails (the
    /// directory is missing, <paramref name="write"/> throws, the disk is full, the move is refused) the exception
    /// propagates, the temporary file is removed and an existing file at <paramref name="path"/> is untouched.
    /// </summary>
    /// <param name="path">The file to write (replaced whole, or left as it was).</param>
    /// <param name="write">Writes the contents to the stream it is given.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"AtomicFile.Write: '{path}' has no directory.", nameof(path));
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"AtomicFile.Write: cannot write '{full}': the directory '{dir}' does not exist.");
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
