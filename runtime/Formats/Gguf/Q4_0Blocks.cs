using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q4_0: blocks of 32 values in 18 bytes, a float16 scale d then 16 bytes of 4-bit quants.
/// Byte j holds value j in its low nibble and value j + 16 in its high nibble; a value is
/// d * (nibble - 8).
/// </summary>
internal static class Q4_0Blocks
{
    private const int Elements = 32;
    private const int Bytes = 18;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            float scale = GgufDequantizer.Half(bytes, 0);
            ReadOnlySpan<byte> quants = bytes.Slice(2, 16);
            for (int j = 0; j < 16; j++)
            {
                values[j] = scale * ((quants[j] & 0x0F) - 8);
                values[j + 16] = scale * ((quants[j] >> 4) - 8);
            }
        }
    }
}
