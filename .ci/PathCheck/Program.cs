// Scans NuGet packages (and loose DLL/PDB files) for absolute build-machine paths: every file's bytes as UTF-8 and
// UTF-16 for the given markers, and, for assemblies and portable PDBs (separate or embedded), the debug directory's
// PDB path and every source document name, which portable PDBs store split at '/' so a byte scan cannot see them.
// Usage: PathCheck MARKER[,MARKER...] FILE_OR_FOLDER...   Exit code 1 when anything is found, 2 on bad usage.
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: PathCheck MARKER[,MARKER...] FILE_OR_FOLDER...");
    return 2;
}
string[] markers = args[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
var findings = new List<string>();
int scanned = 0, documents = 0;

foreach (string target in args.Skip(1))
{
    IEnumerable<string> files = Directory.Exists(target)
        ? Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories)
        : File.Exists(target) ? [target] : throw new FileNotFoundException($"PathCheck: no such file or folder '{target}'");
    foreach (string file in files)
    {
        if (file.EndsWith(".nupkg", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".snupkg", StringComparison.OrdinalIgnoreCase))
        {
            using var zip = ZipFile.OpenRead(file);
            foreach (var entry in zip.Entries)
            {
                using var s = entry.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                Scan($"{file}!{entry.FullName}", ms.ToArray());
            }
        }
        else Scan(file, File.ReadAllBytes(file));
    }
}

foreach (string f in findings) Console.WriteLine(f);
Console.WriteLine($"PathCheck: {scanned} files, {documents} PDB source documents, {findings.Count} build-machine paths found");
return findings.Count == 0 ? 0 : 1;

void Scan(string name, byte[] bytes)
{
    scanned++;
    foreach (string m in markers)
    {
        if (Contains(bytes, Encoding.UTF8.GetBytes(m))) findings.Add($"{name}: contains \"{m}\" (UTF-8)");
        if (Contains(bytes, Encoding.Unicode.GetBytes(m))) findings.Add($"{name}: contains \"{m}\" (UTF-16)");
    }
    if (name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
        ScanAssembly(name, bytes);
    else if (name.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase))
    {
        using var provider = MetadataReaderProvider.FromPortablePdbImage(System.Collections.Immutable.ImmutableArray.Create(bytes));
        ScanPdb(name, provider.GetMetadataReader());
    }
}

void ScanAssembly(string name, byte[] bytes)
{
    using var pe = new PEReader(new MemoryStream(bytes));
    if (!pe.HasMetadata) return;
    foreach (var entry in pe.ReadDebugDirectory())
    {
        if (entry.Type == DebugDirectoryEntryType.CodeView)
        {
            string path = pe.ReadCodeViewDebugDirectoryData(entry).Path;
            if (!IsMapped(path)) findings.Add($"{name}: PDB path in the debug directory is a build-machine path: {path}");
        }
        else if (entry.Type == DebugDirectoryEntryType.EmbeddedPortablePdb)
        {
            using var provider = pe.ReadEmbeddedPortablePdbDebugDirectoryData(entry);
            ScanPdb(name + " (embedded PDB)", provider.GetMetadataReader());
        }
    }
}

void ScanPdb(string name, MetadataReader pdb)
{
    foreach (var h in pdb.Documents)
    {
        documents++;
        string doc = pdb.GetString(pdb.GetDocument(h).Name);
        if (!IsMapped(doc)) findings.Add($"{name}: source document with a build-machine path: {doc}");
    }
}

// Deterministic builds map every source root to /_/ (or /_1/, /_2/ ... for further roots); a bare file name is fine.
static bool IsMapped(string path) =>
    path.StartsWith("/_", StringComparison.Ordinal) || !(path.StartsWith('/') || path.StartsWith('\\') || (path.Length > 1 && path[1] == ':'));

static bool Contains(byte[] hay, byte[] needle) => hay.AsSpan().IndexOf(needle) >= 0;
