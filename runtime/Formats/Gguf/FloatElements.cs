using System;
using System.Buffers.Binary;

namespace Codegen.Formats.Gguf;

/// <summary>The unquantized float types, one little-endian value a block: F32, F16 and BF16.</summary>
internal static class FloatElements
{
    /// <summary>float32 values, copied bit for bit.</summary>
    public static void FromFloat32(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4, 4));
        }
    }

    /// <summary>IEEE float16 values, widened exactly.</summary>
    public static void FromFloat16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = GgufDequantizer.Half(source, i * 2);
        }
    }

    /// <summary>bfloat16 values: the upper 16 bits of a float32, widened exactly.</summary>
    public static void FromBFloat16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            uint upper = BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2, 2));
            destination[i] = BitConverter.UInt32BitsToSingle(upper << 16);
        }
    }
}
