using System;
using System.Buffers.Binary;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q5_1: blocks of 32 values in 24 bytes: a float16 scale d, a float16 minimum m, 4 bytes of
/// fifth bits (a little-endian uint32 whose bit i belongs to value i), then 16 bytes of low nibbles as
/// in Q4_0 (byte j: value j low, value j + 16 high). A value is d * (fifth bit &lt;&lt; 4 | nibble) + m.
/// </summary>
internal static class Q5_1Blocks
{
    private const int Elements = 32;
    private const int Bytes = 24;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            float scale = GgufDequantizer.Half(bytes, 0);
            float minimum = GgufDequantizer.Half(bytes, 2);
            uint fifthBits = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(4, 4));
            ReadOnlySpan<byte> quants = bytes.Slice(8, 16);
            for (int j = 0; j < 16; j++)
            {
                int low = (quants[j] & 0x0F) | (int)(((fifthBits >> j) & 1) << 4);
                int high = (quants[j] >> 4) | (int)(((fifthBits >> (j + 16)) & 1) << 4);
                values[j] = (scale * low) + minimum;
                values[j + 16] = (scale * high) + minimum;
            }
        }
    }
}
