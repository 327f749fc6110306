using System.Text.Json;

namespace MiniTorch.Nn.Tests.Golden;

/// <summary>One tensor of a golden case: float64 values, int64 indices or bool masks, all kept as doubles here.</summary>
public sealed record GoldenTensor(int[] Shape, string DType, double[] Data)
{
    public Tensor<double> AsDouble()
    {
        if (DType != "float64" && DType != "bool") throw new InvalidDataException($"expected a float64 or bool tensor, got {DType}");
        return Shape.Length == 0 ? Tensor.Scalar(Data[0]) : Tensor.FromArray(Data, Shape);
    }

    public Tensor<int> AsIndices()
    {
        if (DType != "int64") throw new InvalidDataException($"expected an int64 tensor, got {DType}");
        var ints = Data.Select(v => v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new InvalidDataException($"index {v} does not fit int32")).ToArray();
        return Tensor.FromArray(ints, Shape);
    }
}

/// <summary>One case of a golden file (see Golden/data/README.md for the schema).</summary>
public sealed record GoldenCase(string File, string Function, string Name,
    IReadOnlyDictionary<string, GoldenTensor> Inputs, IReadOnlyDictionary<string, GoldenTensor> Upstream,
    IReadOnlyDictionary<string, GoldenTensor> Outputs, IReadOnlyDictionary<string, GoldenTensor> Grads)
{
    public Tensor<double> In(string name) => Get(Inputs, "inputs", name).AsDouble();
    public Tensor<int> Indices(string name) => Get(Inputs, "inputs", name).AsIndices();
    public Tensor<double> Up(string name) => Get(Upstream, "upstream", name).AsDouble();

    private GoldenTensor Get(IReadOnlyDictionary<string, GoldenTensor> d, string section, string name) =>
        d.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"{File}/{Name}: no '{name}' in {section}");
}

/// <summary>
/// Reads the golden vectors: from the folder named by MINITORCH_GOLDEN_DIR when that variable is set, otherwise from
/// Golden/data next to the test assembly (copied there at build time; the tests never read ../shared).
/// </summary>
public static class GoldenData
{
    public const string EnvironmentVariable = "MINITORCH_GOLDEN_DIR";

    public static string Folder =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "Golden", "data");

    private static readonly Lazy<IReadOnlyList<GoldenCase>> s_cases = new(Load);

    public static IReadOnlyList<GoldenCase> Cases => s_cases.Value;

    public static GoldenCase Find(string file, string name) =>
        Cases.SingleOrDefault(c => c.File == file && c.Name == name) ?? throw new InvalidDataException($"no golden case {file}/{name} in {Folder}");

    /// <summary>The theory rows: (file, case name), one per golden case.</summary>
    public static TheoryData<string, string> Rows()
    {
        var rows = new TheoryData<string, string>();
        foreach (var c in Cases) rows.Add(c.File, c.Name);
        return rows;
    }

    private static IReadOnlyList<GoldenCase> Load()
    {
        if (!Directory.Exists(Folder)) return [];
        var cases = new List<GoldenCase>();
        foreach (var path in Directory.GetFiles(Folder, "*.json").OrderBy(p => p, StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            string file = Path.GetFileName(path), function = root.GetProperty("function").GetString()!;
            if (root.GetProperty("dtype").GetString() != "float64") throw new InvalidDataException($"{file}: dtype must be float64");
            foreach (var c in root.GetProperty("cases").EnumerateArray())
                cases.Add(new GoldenCase(file, function, c.GetProperty("name").GetString()!,
                    Section(c, "inputs"), Section(c, "upstream"), Section(c, "outputs"), Section(c, "grads")));
        }
        return cases;
    }

    private static Dictionary<string, GoldenTensor> Section(JsonElement c, string name)
    {
        var d = new Dictionary<string, GoldenTensor>();
        if (!c.TryGetProperty(name, out var section)) return d;
        foreach (var p in section.EnumerateObject()) d[p.Name] = ReadTensor(p.Value, p.Name);
        return d;
    }

    private static GoldenTensor ReadTensor(JsonElement t, string what)
    {
        var shape = t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        string dtype = t.GetProperty("dtype").GetString()!;
        var data = new List<double>();
        Flatten(t.GetProperty("data"), dtype, data);
        long count = shape.Aggregate(1L, (a, s) => a * s);
        if (data.Count != count) throw new InvalidDataException($"{what}: {data.Count} values for shape [{string.Join(", ", shape)}]");
        return new GoldenTensor(shape, dtype, data.ToArray());
    }

    private static void Flatten(JsonElement e, string dtype, List<double> into)
    {
        if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray()) Flatten(item, dtype, into);
            return;
        }
        into.Add(dtype switch
        {
            "float64" => e.GetDouble(),
            "int64" => e.GetInt64(),
            "bool" => e.GetBoolean() ? 1.0 : 0.0,
            _ => throw new InvalidDataException($"unknown dtype {dtype}"),
        });
    }
}
