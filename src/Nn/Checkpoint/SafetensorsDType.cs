using System.Numerics;

namespace MiniTorch.Nn.Checkpoint;

/// <summary>The safetensors element types ("dtype" strings) and their sizes.</summary>
public static class SafetensorsDType
{
    // Every dtype of the format, with its size in bits (F4/F6 are packed).
    private static readonly Dictionary<string, int> Bits = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 8, ["U8"] = 8, ["I8"] = 8, ["F8_E5M2"] = 8, ["F8_E4M3"] = 8, ["F8_E8M0"] = 8,
        ["F4"] = 4, ["F6_E2M3"] = 6, ["F6_E3M2"] = 6,
        ["I16"] = 16, ["U16"] = 16, ["F16"] = 16, ["BF16"] = 16,
        ["I32"] = 32, ["U32"] = 32, ["F32"] = 32,
        ["I64"] = 64, ["U64"] = 64, ["F64"] = 64, ["C64"] = 64,
    };

    /// <summary>Whether <paramref name="dtype"/> is a safetensors dtype (case-sensitive, e.g. "F32").</summary>
    public static bool IsKnown(string dtype) => Bits.ContainsKey(dtype);

    /// <summary>The size of one element of <paramref name="dtype"/> in bits (4 for F4, 6 for the F6 types).</summary>
    public static int BitsOf(string dtype) => Bits.TryGetValue(dtype, out int b) ? b
        : throw new ArgumentException($"SafetensorsDType: unknown dtype '{dtype}' (valid: {string.Join(", ", Bits.Keys)}).", nameof(dtype));

    /// <summary>
    /// The dtype of <see cref="Tensor{T}"/> elements: F32 for float, F64 for double, I32 for int (and the other
    /// primitive numeric types); throws <see cref="NotSupportedException"/> for a type with no dtype.
    /// </summary>
    public static string Of<T>() where T : unmanaged, INumber<T> =>
        typeof(T) == typeof(float) ? "F32" : typeof(T) == typeof(double) ? "F64" : typeof(T) == typeof(int) ? "I32" :
        typeof(T) == typeof(long) ? "I64" : typeof(T) == typeof(short) ? "I16" : typeof(T) == typeof(sbyte) ? "I8" :
        typeof(T) == typeof(byte) ? "U8" : typeof(T) == typeof(ushort) ? "U16" : typeof(T) == typeof(uint) ? "U32" :
        typeof(T) == typeof(ulong) ? "U64" : typeof(T) == typeof(Half) ? "F16" :
        throw new NotSupportedException($"Safetensors: element type {typeof(T).Name} has no safetensors dtype.");
}
