using System;
using System.Buffers.Binary;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q5_0: blocks of 32 values in 22 bytes: a float16 scale d, 4 bytes of fifth bits (a
/// little-endian uint32 whose bit i belongs to value i), then 16 bytes of low nibbles as in Q4_0
/// (byte j: value j low, value j + 16 high). A value is d * ((fifth bit &lt;&lt; 4 | nibble) - 16).
/// </summary>
internal static class Q5_0Blocks
{
    private const int Elements = 32;
    private const int Bytes = 22;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            float scale = GgufDequantizer.Half(bytes, 0);
            uint fifthBits = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(2, 4));
            ReadOnlySpan<byte> quants = bytes.Slice(6, 16);
            for (int j = 0; j < 16; j++)
            {
                int low = (int)(quants[j] & 0x0F) | (int)(((fifthBits >> j) & 1) << 4);
                int high = (quants[j] >> 4) | (int)(((fifthBits >> (j + 16)) & 1) << 4);
                values[j] = scale * (low - 16);
                values[j + 16] = scale * (high - 16);
            }
        }
    }
}
