using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// ggml's Q8_0: blocks of 32 values in 34 bytes, a float16 scale d then 32 int8 quants q;
/// value i of the block is d * q[i].
/// </summary>
internal static class Q8_0Blocks
{
    private const int Elements = 32;
    private const int Bytes = 34;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int block = 0; block * Elements < destination.Length; block++)
        {
            ReadOnlySpan<byte> bytes = source.Slice(block * Bytes, Bytes);
            Span<float> values = destination.Slice(block * Elements, Elements);
            float scale = GgufDequantizer.Half(bytes, 0);
            for (int i = 0; i < Elements; i++)
            {
                values[i] = scale * (sbyte)bytes[2 + i];
            }
        }
    }
}
