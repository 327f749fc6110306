using System.Buffers.Binary;
using System.Numerics;

namespace MiniTorch.Nn.Checkpoint;

/// <summary>
/// The safetensors element types ("dtype" strings), their sizes, and the conversions between them and .NET numbers.
/// <para>
/// Convertible dtypes (<see cref="IsConvertible"/>): BOOL, U8, I8, U16, I16, U32, I32, U64, I64 (integers, converted
/// exactly, with an error for a value that does not fit the target) and F16, BF16, F32, F64 (floating point, converted
/// as IEEE casts do: rounding to nearest even, infinities and NaN kept). An integer dtype is never converted to or from
/// a floating-point one (that loses fractions or precision silently). The 8-, 6- and 4-bit floating-point dtypes and C64
/// are listed but not converted.
/// </para>
/// </summary>
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
    /// <param name="dtype">A dtype string.</param>
    /// <returns>True for the twenty dtypes of the format.</returns>
    public static bool IsKnown(string dtype) => Bits.ContainsKey(dtype);

    /// <summary>The size of one element of <paramref name="dtype"/> in bits (4 for F4, 6 for the F6 types).</summary>
    /// <param name="dtype">A dtype string.</param>
    /// <returns>The element size in bits.</returns>
    /// <exception cref="ArgumentException">The dtype is not a safetensors dtype.</exception>
    public static int BitsOf(string dtype) => Bits.TryGetValue(dtype, out int b) ? b
        : throw new ArgumentException($"SafetensorsDType: unknown dtype '{dtype}' (valid: {string.Join(", ", Bits.Keys)}).", nameof(dtype));

    /// <summary>
    /// The dtype of <see cref="Tensor{T}"/> elements: F32 for float, F64 for double, I32 for int (and the other
    /// primitive numeric types).
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <returns>The dtype string.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> has no safetensors dtype.</exception>
    public static string Of<T>() where T : unmanaged, INumber<T> =>
        typeof(T) == typeof(float) ? "F32" : typeof(T) == typeof(double) ? "F64" : typeof(T) == typeof(int) ? "I32" :
        typeof(T) == typeof(long) ? "I64" : typeof(T) == typeof(short) ? "I16" : typeof(T) == typeof(sbyte) ? "I8" :
        typeof(T) == typeof(byte) ? "U8" : typeof(T) == typeof(ushort) ? "U16" : typeof(T) == typeof(uint) ? "U32" :
        typeof(T) == typeof(ulong) ? "U64" : typeof(T) == typeof(Half) ? "F16" :
        throw new NotSupportedException($"Safetensors: element type {typeof(T).Name} has no safetensors dtype.");

    /// <summary>Whether tensors of <paramref name="dtype"/> can be converted to and from numbers (see the class summary).</summary>
    /// <param name="dtype">A dtype string.</param>
    /// <returns>True for BOOL, the integer dtypes, F16, BF16, F32 and F64.</returns>
    public static bool IsConvertible(string dtype) => IsFloat(dtype) || IsInteger(dtype);

    /// <summary>
    /// Why elements of <paramref name="from"/> cannot be converted to <paramref name="to"/>, or null when they can
    /// (both convertible, and both integer or both floating point).
    /// </summary>
    /// <param name="from">The source dtype.</param>
    /// <param name="to">The target dtype.</param>
    /// <returns>A sentence explaining the refusal, or null.</returns>
    public static string? ConversionProblem(string from, string to)
    {
        foreach (var d in (ReadOnlySpan<string>)[from, to])
            if (!IsConvertible(d)) return $"{d} cannot be converted (only BOOL, U8-U64, I8-I64, F16, BF16, F32 and F64 can).";
        return IsFloat(from) == IsFloat(to) ? null
            : $"{from} cannot be converted to {to}: integer and floating-point dtypes do not convert into each other.";
    }

    private static bool IsFloat(string dtype) => dtype is "F16" or "BF16" or "F32" or "F64";

    private static bool IsInteger(string dtype) => dtype is "BOOL" or "U8" or "I8" or "U16" or "I16" or "U32" or "I32" or "U64" or "I64";

    /// <summary>
    /// Decodes the little-endian <paramref name="bytes"/> of <paramref name="dtype"/> elements into <paramref name="into"/>
    /// (which has one slot per element). The caller has checked <see cref="ConversionProblem"/>.
    /// </summary>
    /// <returns>-1, or the index of the first integer element that does not fit <typeparamref name="T"/> (nothing after it is written).</returns>
    internal static int Decode<T>(string dtype, ReadOnlySpan<byte> bytes, Span<T> into) where T : unmanaged, INumber<T>
    {
        int size = Bits[dtype] / 8;
        for (int i = 0; i < into.Length; i++)
        {
            var b = bytes.Slice(i * size, size);
            if (IsFloat(dtype))
            {
                into[i] = T.CreateChecked(dtype switch
                {
                    "F16" => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
                    "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
                    "F32" => BinaryPrimitives.ReadSingleLittleEndian(b),
                    _ => BinaryPrimitives.ReadDoubleLittleEndian(b),
                });
                continue;
            }
            Int128 v = dtype switch
            {
                "BOOL" or "U8" => b[0],
                "I8" => (sbyte)b[0],
                "U16" => BinaryPrimitives.ReadUInt16LittleEndian(b),
                "I16" => BinaryPrimitives.ReadInt16LittleEndian(b),
                "U32" => BinaryPrimitives.ReadUInt32LittleEndian(b),
                "I32" => BinaryPrimitives.ReadInt32LittleEndian(b),
                "U64" => BinaryPrimitives.ReadUInt64LittleEndian(b),
                _ => BinaryPrimitives.ReadInt64LittleEndian(b),
            };
            if (!TryCreate(v, out T t)) return i;
            into[i] = t;
        }
        return -1;
    }

    private static bool TryCreate<T>(Int128 v, out T t) where T : unmanaged, INumber<T>
    {
        try { t = T.CreateChecked(v); return true; }
        catch (OverflowException) { t = default; return false; }
    }

    /// <summary>
    /// Encodes <paramref name="values"/> as little-endian <paramref name="dtype"/> elements into <paramref name="bytes"/>
    /// (BOOL: 1 for non-zero). The caller has checked <see cref="ConversionProblem"/>.
    /// </summary>
    /// <returns>-1, or the index of the first value that does not fit an integer dtype (nothing after it is written).</returns>
    internal static int Encode<T>(string dtype, ReadOnlySpan<T> values, Span<byte> bytes) where T : unmanaged, INumber<T>
    {
        int size = Bits[dtype] / 8;
        Span<byte> low = stackalloc byte[8];
        for (int i = 0; i < values.Length; i++)
        {
            var b = bytes.Slice(i * size, size);
            if (IsFloat(dtype))
            {
                double d = double.CreateChecked(values[i]);
                switch (dtype)
                {
                    case "F16": BinaryPrimitives.WriteHalfLittleEndian(b, (Half)d); break;
                    case "BF16": BinaryPrimitives.WriteUInt16LittleEndian(b, ToBFloat16((float)d)); break;
                    case "F32": BinaryPrimitives.WriteSingleLittleEndian(b, (float)d); break;
                    default: BinaryPrimitives.WriteDoubleLittleEndian(b, d); break;
                }
                continue;
            }
            if (dtype == "BOOL") { b[0] = values[i] == T.Zero ? (byte)0 : (byte)1; continue; }
            var v = Int128.CreateChecked(values[i]);
            bool signed = dtype[0] == 'I';
            Int128 max = (Int128.One << (signed ? 8 * size - 1 : 8 * size)) - 1, min = signed ? -max - 1 : Int128.Zero;
            if (v < min || v > max) return i;
            BinaryPrimitives.WriteInt64LittleEndian(low, (long)v);    // two's complement: the low bytes are the value
            low[..size].CopyTo(b);
        }
        return -1;
    }

    /// <summary>float32 to bfloat16 (its upper 16 bits), rounding to nearest even; a NaN stays a (quiet) NaN.</summary>
    internal static ushort ToBFloat16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x0040);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
