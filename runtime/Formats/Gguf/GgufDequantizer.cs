using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// Converts the bytes of a GGUF tensor to float32, in the file's element order, for the types
/// F32, F16, BF16, the 32-value blocks Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and the 256-value k-quants Q2_K,
/// Q3_K, Q4_K, Q5_K, Q6_K: every type llama-quantize writes for its Q*_0, Q*_1 and Q*_K presets. Each
/// block type is written from ggml's block layout in its own file (<see cref="Q8_0Blocks"/>,
/// <see cref="Q4_0Blocks"/>, <see cref="Q4_1Blocks"/>, <see cref="Q5_0Blocks"/>, <see cref="Q5_1Blocks"/>,
/// <see cref="Q2_KBlocks"/>, <see cref="Q3_KBlocks"/>, <see cref="Q4_KBlocks"/>, <see cref="Q5_KBlocks"/>,
/// <see cref="Q6_KBlocks"/>, <see cref="FloatElements"/>). The IQ and TQ types, and Q8_1/Q8_K (which
/// llama.cpp uses for activations, not stored weights), are not supported.
/// </summary>
public static class GgufDequantizer
{
    private static readonly GgmlType[] SupportedTypes =
        [
            GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
            GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
        ];

    /// <summary>The supported types, for messages.</summary>
    public static string SupportedNames => string.Join(", ", SupportedTypes);

    /// <summary>Whether <paramref name="type"/> can be converted to float32.</summary>
    public static bool Supports(GgmlType type) => Array.IndexOf(SupportedTypes, type) >= 0;

    /// <summary>
    /// Converts <paramref name="source"/>, whole blocks of <paramref name="type"/>, into
    /// <paramref name="destination"/>, which must hold exactly the elements those blocks encode.
    /// </summary>
    /// <exception cref="ArgumentException">The type is not supported, or the lengths do not match whole blocks.</exception>
    public static void Dequantize(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (!Supports(type) || !GgmlTypes.TryGetBlock((uint)type, out int blockElements, out int blockBytes))
        {
            throw new ArgumentException($"{type} cannot be converted to float32 (supported: {SupportedNames}).", nameof(type));
        }

        if (source.Length % blockBytes != 0 || (long)source.Length / blockBytes * blockElements != destination.Length)
        {
            throw new ArgumentException(
                $"{source.Length} bytes of {type} ({blockBytes}-byte blocks of {blockElements}) do not fill {destination.Length} float32 values.");
        }

        switch (type)
        {
            case GgmlType.F32: FloatElements.FromFloat32(source, destination); break;
            case GgmlType.F16: FloatElements.FromFloat16(source, destination); break;
            case GgmlType.BF16: FloatElements.FromBFloat16(source, destination); break;
            case GgmlType.Q8_0: Q8_0Blocks.Dequantize(source, destination); break;
            case GgmlType.Q4_0: Q4_0Blocks.Dequantize(source, destination); break;
            case GgmlType.Q4_1: Q4_1Blocks.Dequantize(source, destination); break;
            case GgmlType.Q5_0: Q5_0Blocks.Dequantize(source, destination); break;
            case GgmlType.Q5_1: Q5_1Blocks.Dequantize(source, destination); break;
            case GgmlType.Q2_K: Q2_KBlocks.Dequantize(source, destination); break;
            case GgmlType.Q3_K: Q3_KBlocks.Dequantize(source, destination); break;
            case GgmlType.Q4_K: Q4_KBlocks.Dequantize(source, destination); break;
            case GgmlType.Q5_K: Q5_KBlocks.Dequantize(source, destination); break;
            default: Q6_KBlocks.Dequantize(source, destination); break;
        }
    }

    /// <summary>A little-endian float16 at <paramref name="offset"/>, as float32.</summary>
    internal static float Half(ReadOnlySpan<byte> bytes, int offset) =>
        (float)BitConverter.UInt16BitsToHalf(System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(offset, 2)));
}
