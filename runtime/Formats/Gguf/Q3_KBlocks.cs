using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q3_K: super-blocks of 256 values in 110 bytes: 32 bytes of high bits (hmask), 64 bytes of
/// low 2 bits, 12 bytes packing sixteen 6-bit sub-block scales (one per 16 values, stored offset by
/// 32), then a float16 d. The low bits are laid out as in Q2_K: value 32j + p of half h is bits
/// 2j..2j+1 of quant byte 32h + p, in sub-block 8h + 2j + p / 16; its high bit is bit 4h + j of hmask
/// byte p. The 3-bit quant is the low bits minus 4 when the high bit is clear, so it runs from -4 to 3,
/// and a value is d * (scale - 32) * quant.
/// </summary>
internal static class Q3_KBlocks
{
    private const int Elements = 256;
    private const int Bytes = 110;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        Span<int> scales = stackalloc int[16];
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            ReadOnlySpan<byte> highBits = bytes.Slice(0, 32);
            ReadOnlySpan<byte> lowBits = bytes.Slice(32, 64);
            UnpackScales(bytes.Slice(96, 12), scales);
            float d = GgufDequantizer.Half(bytes, 108);
            for (int half = 0; half < 2; half++)
            {
                for (int j = 0; j < 4; j++)
                {
                    Span<float> run = values.Slice((128 * half) + (32 * j), 32);
                    int highBit = 1 << ((4 * half) + j);
                    for (int p = 0; p < 32; p++)
                    {
                        int low = (lowBits[(32 * half) + p] >> (2 * j)) & 3;
                        int quant = (highBits[p] & highBit) != 0 ? low : low - 4;
                        run[p] = d * scales[(8 * half) + (2 * j) + (p / 16)] * quant;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The sixteen signed scales (6-bit value - 32). Scale s keeps its low 4 bits in byte s (s &lt; 8,
    /// low nibble) or byte s - 8 (high nibble), and its top 2 bits in bits 2(s / 4)..2(s / 4)+1 of byte 8 + s % 4.
    /// </summary>
    internal static void UnpackScales(ReadOnlySpan<byte> packed, Span<int> scales)
    {
        for (int s = 0; s < 16; s++)
        {
            int low = s < 8 ? packed[s] & 0x0F : packed[s - 8] >> 4;
            int high = (packed[8 + (s % 4)] >> (2 * (s / 4))) & 3;
            scales[s] = (low | (high << 4)) - 32;
        }
    }
}
