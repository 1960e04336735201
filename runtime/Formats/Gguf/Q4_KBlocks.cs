using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q4_K: super-blocks of 256 values in 144 bytes: float16 d, float16 dmin, 12 bytes packing
/// eight 6-bit sub-block scales and eight 6-bit sub-block minimums, then 128 bytes of 4-bit quants.
/// The quants come in four 32-byte groups; group g holds sub-block 2g in its low nibbles and
/// sub-block 2g + 1 in its high nibbles. A value of sub-block s is d * scale[s] * nibble - dmin * min[s].
/// </summary>
internal static class Q4_KBlocks
{
    private const int Elements = 256;
    private const int Bytes = 144;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            float d = GgufDequantizer.Half(bytes, 0);
            float dmin = GgufDequantizer.Half(bytes, 2);
            ReadOnlySpan<byte> scales = bytes.Slice(4, 12);
            ReadOnlySpan<byte> quants = bytes.Slice(16, 128);
            for (int group = 0; group < 4; group++)
            {
                (int lowScale, int lowMin) = ScaleAndMin(scales, 2 * group);
                (int highScale, int highMin) = ScaleAndMin(scales, (2 * group) + 1);
                ReadOnlySpan<byte> groupQuants = quants.Slice(32 * group, 32);
                Span<float> groupValues = values.Slice(64 * group, 64);
                for (int l = 0; l < 32; l++)
                {
                    groupValues[l] = (d * lowScale * (groupQuants[l] & 0x0F)) - (dmin * lowMin);
                    groupValues[l + 32] = (d * highScale * (groupQuants[l] >> 4)) - (dmin * highMin);
                }
            }
        }
    }

    /// <summary>
    /// The 6-bit scale and minimum of sub-block <paramref name="s"/> (0 to 7). Sub-blocks 0-3 keep
    /// them in the low 6 bits of bytes s and s + 4; sub-blocks 4-7 keep their low 4 bits in the
    /// nibbles of byte s + 4 and their top 2 bits in the top 2 bits of bytes s - 4 and s.
    /// </summary>
    internal static (int Scale, int Min) ScaleAndMin(ReadOnlySpan<byte> scales, int s)
    {
        if (s < 4)
        {
            return (scales[s] & 63, scales[s + 4] & 63);
        }

        int scale = (scales[s + 4] & 0x0F) | ((scales[s - 4] >> 6) << 4);
        int min = (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4);
        return (scale, min);
    }
}
