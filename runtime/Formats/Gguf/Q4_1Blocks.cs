using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q4_1: blocks of 32 values in 20 bytes: a float16 scale d, a float16 minimum m, then 16
/// bytes of 4-bit quants laid out as in Q4_0 (byte j: value j low nibble, value j + 16 high). Unlike
/// Q4_0 there is no offset of 8: a value is d * nibble + m.
/// </summary>
internal static class Q4_1Blocks
{
    private const int Elements = 32;
    private const int Bytes = 20;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            float scale = GgufDequantizer.Half(bytes, 0);
            float minimum = GgufDequantizer.Half(bytes, 2);
            ReadOnlySpan<byte> quants = bytes.Slice(4, 16);
            for (int j = 0; j < 16; j++)
            {
                values[j] = (scale * (quants[j] & 0x0F)) + minimum;
                values[j + 16] = (scale * (quants[j] >> 4)) + minimum;
            }
        }
    }
}
