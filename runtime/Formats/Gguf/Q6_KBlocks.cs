using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q6_K: super-blocks of 256 values in 210 bytes: 128 bytes of low 4 bits (ql), 64 bytes of
/// high 2 bits (qh), 16 int8 sub-block scales (one per 16 values), then a float16 d. A value is
/// d * scale * (6-bit quant - 32). Each half of 128 values uses 64 bytes of ql and 32 of qh: for
/// l in 0..31, value l takes ql[l] low nibble and qh[l] bits 0-1, value l + 32 ql[l + 32] low and
/// qh bits 2-3, value l + 64 ql[l] high and qh bits 4-5, value l + 96 ql[l + 32] high and qh bits 6-7.
/// </summary>
internal static class Q6_KBlocks
{
    private const int Elements = 256;
    private const int Bytes = 210;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            float d = GgufDequantizer.Half(bytes, 208);
            for (int half = 0; half < 2; half++)
            {
                ReadOnlySpan<byte> low = bytes.Slice(64 * half, 64);
                ReadOnlySpan<byte> high = bytes.Slice(128 + (32 * half), 32);
                ReadOnlySpan<byte> scales = bytes.Slice(192 + (8 * half), 8);
                Span<float> halfValues = values.Slice(128 * half, 128);
                for (int l = 0; l < 32; l++)
                {
                    int scaleIndex = l / 16;
                    int q0 = ((low[l] & 0x0F) | ((high[l] & 3) << 4)) - 32;
                    int q1 = ((low[l + 32] & 0x0F) | (((high[l] >> 2) & 3) << 4)) - 32;
                    int q2 = ((low[l] >> 4) | (((high[l] >> 4) & 3) << 4)) - 32;
                    int q3 = ((low[l + 32] >> 4) | (((high[l] >> 6) & 3) << 4)) - 32;
                    halfValues[l] = d * (sbyte)scales[scaleIndex] * q0;
                    halfValues[l + 32] = d * (sbyte)scales[scaleIndex + 2] * q1;
                    halfValues[l + 64] = d * (sbyte)scales[scaleIndex + 4] * q2;
                    halfValues[l + 96] = d * (sbyte)scales[scaleIndex + 6] * q3;
                }
            }
        }
    }
}
