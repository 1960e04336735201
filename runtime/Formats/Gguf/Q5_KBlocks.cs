using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q5_K: super-blocks of 256 values in 176 bytes: float16 d, float16 dmin, the 12 bytes of
/// eight 6-bit sub-block scales and minimums packed as in Q4_K, 32 bytes of fifth bits (qh), then 128
/// bytes of low nibbles laid out as in Q4_K (group g of 32 bytes: sub-block 2g in the low nibbles,
/// 2g + 1 in the high). The fifth bit of value p (0 to 31) of sub-block s is bit s of qh[p]. A value of
/// sub-block s is d * scale[s] * quant - dmin * min[s].
/// </summary>
internal static class Q5_KBlocks
{
    private const int Elements = 256;
    private const int Bytes = 176;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            float d = GgufDequantizer.Half(bytes, 0);
            float dmin = GgufDequantizer.Half(bytes, 2);
            ReadOnlySpan<byte> scales = bytes.Slice(4, 12);
            ReadOnlySpan<byte> fifthBits = bytes.Slice(16, 32);
            ReadOnlySpan<byte> quants = bytes.Slice(48, 128);
            for (int group = 0; group < 4; group++)
            {
                int lowSubBlock = 2 * group;
                int highSubBlock = lowSubBlock + 1;
                (int lowScale, int lowMin) = Q4_KBlocks.ScaleAndMin(scales, lowSubBlock);
                (int highScale, int highMin) = Q4_KBlocks.ScaleAndMin(scales, highSubBlock);
                ReadOnlySpan<byte> groupQuants = quants.Slice(32 * group, 32);
                Span<float> groupValues = values.Slice(64 * group, 64);
                for (int p = 0; p < 32; p++)
                {
                    int low = (groupQuants[p] & 0x0F) | (((fifthBits[p] >> lowSubBlock) & 1) << 4);
                    int high = (groupQuants[p] >> 4) | (((fifthBits[p] >> highSubBlock) & 1) << 4);
                    groupValues[p] = (d * lowScale * low) - (dmin * lowMin);
                    groupValues[p + 32] = (d * highScale * high) - (dmin * highMin);
                }
            }
        }
    }
}
