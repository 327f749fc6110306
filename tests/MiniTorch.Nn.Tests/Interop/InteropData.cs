using System.Numerics;
using MiniTorch.Nn.Checkpoint;

namespace MiniTorch.Nn.Tests.Interop;

/// <summary>
/// One PyTorch interop fixture (see Interop/data/README.md): NAME.DTYPE.weights.safetensors (a torch.nn module's
/// state_dict) and NAME.DTYPE.case.safetensors (inputs, PyTorch's outputs, upstream gradients and PyTorch's gradients).
/// Both carry the module's sizes in "__metadata__".
/// </summary>
public sealed record InteropFixture(string Name, string WeightsPath, string CasePath, IReadOnlyDictionary<string, string> Metadata)
{
    public string Module => Meta("module");
    public bool IsFloat32 => Meta("dtype") == "f32";
    public int Int(string key) => int.TryParse(Meta(key), out int v) ? v : throw new InvalidDataException($"{Name}: metadata '{key}' = '{Meta(key)}' is not an integer");
    public bool Flag(string key) => Meta(key) switch
    {
        "true" => true,
        "false" => false,
        var v => throw new InvalidDataException($"{Name}: metadata '{key}' = '{v}' is not true/false"),
    };

    public string Meta(string key) =>
        Metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{Name}: no '{key}' in the metadata of {WeightsPath}");

    /// <summary>The case file's tensors of dtype <typeparamref name="T"/> (integer tensors such as x and lengths are read separately).</summary>
    public Dictionary<string, Tensor<T>> Case<T>() where T : unmanaged, INumber<T>
    {
        using var file = SafetensorsFile.Open(CasePath);
        string dtype = SafetensorsDType.Of<T>();
        return file.Entries.Where(e => e.DType == dtype).ToDictionary(e => e.Name, e => file.Read<T>(e.Name));
    }

    /// <summary>An int64 tensor of the case file as int32 (converted, with an error for a value out of range).</summary>
    public Tensor<int>? Indices(string name)
    {
        using var file = SafetensorsFile.Open(CasePath);
        return file.Contains(name) ? file.Read<int>(name, convert: true) : null;
    }
}

/// <summary>
/// Finds the interop fixtures: in the folder named by MINITORCH_INTEROP_DIR when set, otherwise in Interop/data next
/// to the test assembly (copied there at build time; the tests never read ../shared).
/// </summary>
public static class InteropData
{
    public const string EnvironmentVariable = "MINITORCH_INTEROP_DIR";

    public static string Folder =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "Interop", "data");

    private static readonly Lazy<IReadOnlyList<InteropFixture>> s_fixtures = new(Load);

    public static IReadOnlyList<InteropFixture> Fixtures => s_fixtures.Value;

    public static InteropFixture Find(string name) =>
        Fixtures.SingleOrDefault(f => f.Name == name) ?? throw new InvalidDataException($"no interop fixture {name} in {Folder}");

    /// <summary>The theory rows: one fixture name ("lstm_1layer.f32") each.</summary>
    public static TheoryData<string> Rows()
    {
        var rows = new TheoryData<string>();
        foreach (var f in Fixtures) rows.Add(f.Name);
        return rows;
    }

    private static IReadOnlyList<InteropFixture> Load()
    {
        if (!Directory.Exists(Folder)) return [];
        const string suffix = ".weights.safetensors";
        var fixtures = new List<InteropFixture>();
        foreach (var weights in Directory.GetFiles(Folder, "*" + suffix).OrderBy(p => p, StringComparer.Ordinal))
        {
            string name = Path.GetFileName(weights)[..^suffix.Length];
            string casePath = Path.Combine(Folder, name + ".case.safetensors");
            if (!File.Exists(casePath)) throw new InvalidDataException($"interop fixture {name}: {weights} has no {casePath} beside it");
            using var file = SafetensorsFile.Open(weights);
            fixtures.Add(new InteropFixture(name, weights, casePath, file.Metadata));
        }
        return fixtures;
    }
}
