using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q2_K: super-blocks of 256 values in 84 bytes: 16 bytes of sub-block scales and minimums (one
/// byte per 16 values: scale in the low nibble, minimum in the high), 64 bytes of 2-bit quants, then
/// float16 d and float16 dmin. Each half of 128 values uses 32 quant bytes: value 32j + p of the half
/// (j 0 to 3, p 0 to 31) is bits 2j..2j+1 of byte p, and belongs to sub-block 8 * half + 2j + p / 16.
/// A value of sub-block s is d * scale[s] * quant - dmin * min[s].
/// </summary>
internal static class Q2_KBlocks
{
    private const int Elements = 256;
    private const int Bytes = 84;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            ReadOnlySpan<byte> scales = bytes.Slice(0, 16);
            float d = GgufDequantizer.Half(bytes, 80);
            float dmin = GgufDequantizer.Half(bytes, 82);
            for (int half = 0; half < 2; half++)
            {
                ReadOnlySpan<byte> quants = bytes.Slice(16 + (32 * half), 32);
                for (int j = 0; j < 4; j++)
                {
                    Span<float> run = values.Slice((128 * half) + (32 * j), 32);
                    for (int p = 0; p < 32; p++)
                    {
                        byte scaleAndMin = scales[(8 * half) + (2 * j) + (p / 16)];
                        int quant = (quants[p] >> (2 * j)) & 3;
                        run[p] = (d * (scaleAndMin & 0x0F) * quant) - (dmin * (scaleAndMin >> 4));
                    }
                }
            }
        }
    }
}
