using System;
using System.Buffers.Binary;
using Codegen.Formats.Gguf;
using Xunit;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>
/// Each block type decoded against blocks this test encodes itself, element by element: for every
/// element the test computes where its bits go (the reverse of what the decoder does) from random
/// quants and scales, and the value the format defines for it. The k-quants have no tensor in the
/// stories260K files (its 64- and 172-wide rows are not whole 256-element super-blocks); the files of
/// tests/Codegen.Tests/Golden/llamacpp/ (written by llama-quantize) test every type against llama.cpp.
/// </summary>
public sealed class GgmlBlockLayoutTests
{
    private const int Blocks = 3;

    [Fact]
    public void Q8_0()
    {
        var random = new Random(80);
        var bytes = new byte[Blocks * 34];
        var expected = new float[Blocks * 32];
        for (int block = 0; block < Blocks; block++)
        {
            float d = WriteHalf(bytes, block * 34, random);
            for (int i = 0; i < 32; i++)
            {
                sbyte q = (sbyte)random.Next(-128, 128);
                bytes[(block * 34) + 2 + i] = (byte)q;
                expected[(block * 32) + i] = d * q;
            }
        }

        AssertDecodes(GgmlType.Q8_0, bytes, expected);
    }

    [Fact]
    public void Q4_0()
    {
        var random = new Random(40);
        var bytes = new byte[Blocks * 18];
        var expected = new float[Blocks * 32];
        for (int block = 0; block < Blocks; block++)
        {
            float d = WriteHalf(bytes, block * 18, random);
            for (int element = 0; element < 32; element++)
            {
                int q = random.Next(16);
                int at = (block * 18) + 2 + (element % 16);
                bytes[at] |= (byte)(element < 16 ? q : q << 4);
                expected[(block * 32) + element] = d * (q - 8);
            }
        }

        AssertDecodes(GgmlType.Q4_0, bytes, expected);
    }

    [Fact]
    public void Q5_0()
    {
        var random = new Random(50);
        var bytes = new byte[Blocks * 22];
        var expected = new float[Blocks * 32];
        for (int block = 0; block < Blocks; block++)
        {
            int start = block * 22;
            float d = WriteHalf(bytes, start, random);
            for (int element = 0; element < 32; element++)
            {
                int q = random.Next(32);
                bytes[start + 2 + (element / 8)] |= (byte)((q >> 4) << (element % 8));
                bytes[start + 6 + (element % 16)] |= (byte)(element < 16 ? q & 15 : (q & 15) << 4);
                expected[(block * 32) + element] = d * (q - 16);
            }
        }

        AssertDecodes(GgmlType.Q5_0, bytes, expected);
    }

    [Fact]
    public void Q4_K()
    {
        var random = new Random(41);
        var bytes = new byte[Blocks * 144];
        var expected = new float[Blocks * 256];
        for (int block = 0; block < Blocks; block++)
        {
            int start = block * 144;
            float d = WriteHalf(bytes, start, random);
            float dmin = WriteHalf(bytes, start + 2, random);
            var scales = new int[8];
            var mins = new int[8];
            for (int s = 0; s < 8; s++)
            {
                scales[s] = random.Next(64);
                mins[s] = random.Next(64);
                int packed = start + 4;
                if (s < 4)
                {
                    bytes[packed + s] |= (byte)scales[s];
                    bytes[packed + s + 4] |= (byte)mins[s];
                }
                else
                {
                    bytes[packed + s + 4] |= (byte)((scales[s] & 15) | ((mins[s] & 15) << 4));
                    bytes[packed + s - 4] |= (byte)((scales[s] >> 4) << 6);
                    bytes[packed + s] |= (byte)((mins[s] >> 4) << 6);
                }
            }

            for (int element = 0; element < 256; element++)
            {
                int q = random.Next(16);
                int group = element / 64;
                int inGroup = element % 64;
                int subBlock = element / 32;
                bytes[start + 16 + (32 * group) + (inGroup % 32)] |= (byte)(inGroup < 32 ? q : q << 4);
                expected[(block * 256) + element] = (d * scales[subBlock] * q) - (dmin * mins[subBlock]);
            }
        }

        AssertDecodes(GgmlType.Q4_K, bytes, expected);
    }

    [Fact]
    public void Q6_K()
    {
        var random = new Random(60);
        var bytes = new byte[Blocks * 210];
        var expected = new float[Blocks * 256];
        for (int block = 0; block < Blocks; block++)
        {
            int start = block * 210;
            float d = WriteHalf(bytes, start + 208, random);
            var scales = new sbyte[16];
            for (int s = 0; s < 16; s++)
            {
                scales[s] = (sbyte)random.Next(-128, 128);
                bytes[start + 192 + s] = (byte)scales[s];
            }

            for (int element = 0; element < 256; element++)
            {
                int q = random.Next(64);
                int half = element / 128;
                int quarter = element % 128 / 32;
                int l = element % 32;
                int low = start + (64 * half) + l + (quarter % 2 * 32);
                bytes[low] |= (byte)(quarter < 2 ? q & 15 : (q & 15) << 4);
                bytes[start + 128 + (32 * half) + l] |= (byte)((q >> 4) << (2 * quarter));

                // Sixteen scales, one per 16 consecutive elements.
                expected[(block * 256) + element] = d * scales[element / 16] * (q - 32);
            }
        }

        AssertDecodes(GgmlType.Q6_K, bytes, expected);
    }

    [Fact]
    public void Q4_1()
    {
        var random = new Random(41_1);
        var bytes = new byte[Blocks * 20];
        var expected = new float[Blocks * 32];
        for (int block = 0; block < Blocks; block++)
        {
            int start = block * 20;
            float d = WriteHalf(bytes, start, random);
            float m = WriteHalf(bytes, start + 2, random);
            for (int element = 0; element < 32; element++)
            {
                int q = random.Next(16);
                bytes[start + 4 + (element % 16)] |= (byte)(element < 16 ? q : q << 4);
                expected[(block * 32) + element] = (d * q) + m;
            }
        }

        AssertDecodes(GgmlType.Q4_1, bytes, expected);
    }

    [Fact]
    public void Q5_1()
    {
        var random = new Random(51);
        var bytes = new byte[Blocks * 24];
        var expected = new float[Blocks * 32];
        for (int block = 0; block < Blocks; block++)
        {
            int start = block * 24;
            float d = WriteHalf(bytes, start, random);
            float m = WriteHalf(bytes, start + 2, random);
            for (int element = 0; element < 32; element++)
            {
                int q = random.Next(32);
                bytes[start + 4 + (element / 8)] |= (byte)((q >> 4) << (element % 8));
                bytes[start + 8 + (element % 16)] |= (byte)(element < 16 ? q & 15 : (q & 15) << 4);
                expected[(block * 32) + element] = (d * q) + m;
            }
        }

        AssertDecodes(GgmlType.Q5_1, bytes, expected);
    }

    [Fact]
    public void Q2_K()
    {
        var random = new Random(21);
        var bytes = new byte[Blocks * 84];
        var expected = new float[Blocks * 256];
        for (int block = 0; block < Blocks; block++)
        {
            int start = block * 84;
            float d = WriteHalf(bytes, start + 80, random);
            float dmin = WriteHalf(bytes, start + 82, random);
            var scales = new int[16];
            var mins = new int[16];
            for (int s = 0; s < 16; s++)
            {
                scales[s] = random.Next(16);
                mins[s] = random.Next(16);
                bytes[start + s] = (byte)(scales[s] | (mins[s] << 4));
            }

            for (int element = 0; element < 256; element++)
            {
                int q = random.Next(4);
                (int at, int shift) = TwoBitPlace(element);
                bytes[start + 16 + at] |= (byte)(q << shift);

                // Sixteen sub-blocks, one per 16 consecutive elements.
                int subBlock = element / 16;
                expected[(block * 256) + element] = (d * scales[subBlock] * q) - (dmin * mins[subBlock]);
            }
        }

        AssertDecodes(GgmlType.Q2_K, bytes, expected);
    }

    [Fact]
    public void Q3_K()
    {
        var random = new Random(31);
        var bytes = new byte[Blocks * 110];
        var expected = new float[Blocks * 256];
        for (int block = 0; block < Blocks; block++)
        {
            int start = block * 110;
            float d = WriteHalf(bytes, start + 108, random);
            var scales = new int[16];
            for (int s = 0; s < 16; s++)
            {
                // 6-bit scales stored with an offset of 32; the low 4 bits in nibbles of bytes 0-7,
                // the top 2 bits in bit pairs of bytes 8-11.
                int stored = random.Next(64);
                scales[s] = stored - 32;
                int packed = start + 96;
                bytes[packed + (s % 8)] |= (byte)(s < 8 ? stored & 15 : (stored & 15) << 4);
                bytes[packed + 8 + (s % 4)] |= (byte)((stored >> 4) << (2 * (s / 4)));
            }

            for (int element = 0; element < 256; element++)
            {
                int q = random.Next(-4, 4);
                int unsigned = q + 4;
                (int at, int shift) = TwoBitPlace(element);
                bytes[start + 32 + at] |= (byte)((unsigned & 3) << shift);

                // The high bit is set for the quants 0..3 (stored 4..7): bit (element / 32) of hmask byte element % 32.
                bytes[start + (element % 32)] |= (byte)((unsigned >> 2) << (element / 32));
                expected[(block * 256) + element] = d * scales[element / 16] * q;
            }
        }

        AssertDecodes(GgmlType.Q3_K, bytes, expected);
    }

    [Fact]
    public void Q5_K()
    {
        var random = new Random(55);
        var bytes = new byte[Blocks * 176];
        var expected = new float[Blocks * 256];
        for (int block = 0; block < Blocks; block++)
        {
            int start = block * 176;
            float d = WriteHalf(bytes, start, random);
            float dmin = WriteHalf(bytes, start + 2, random);
            (int[] scales, int[] mins) = WriteKScalesAndMins(bytes, start + 4, random);
            for (int element = 0; element < 256; element++)
            {
                int q = random.Next(32);
                int group = element / 64;
                int inGroup = element % 64;
                int subBlock = element / 32;
                bytes[start + 48 + (32 * group) + (inGroup % 32)] |= (byte)(inGroup < 32 ? q & 15 : (q & 15) << 4);

                // The fifth bit of element p of sub-block s is bit s of byte p of qh.
                bytes[start + 16 + (element % 32)] |= (byte)((q >> 4) << subBlock);
                expected[(block * 256) + element] = (d * scales[subBlock] * q) - (dmin * mins[subBlock]);
            }
        }

        AssertDecodes(GgmlType.Q5_K, bytes, expected);
    }

    [Fact]
    public void F16AndBF16()
    {
        float[] values = [0f, -1.5f, 65504f, 0.000061035156f, -0.33325195f];
        var f16 = new byte[values.Length * 2];
        var bf16 = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(i * 2), (Half)values[i]);
            BinaryPrimitives.WriteUInt16LittleEndian(bf16.AsSpan(i * 2), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
        }

        AssertDecodes(GgmlType.F16, f16, values);
        var truncated = Array.ConvertAll(values, v => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000));
        AssertDecodes(GgmlType.BF16, bf16, truncated);
    }

    [Fact]
    public void RefusesUnsupportedTypesAndPartialBlocks()
    {
        Assert.Throws<ArgumentException>(() => GgufDequantizer.Dequantize(GgmlType.IQ4_NL, new byte[18], new float[32]));
        Assert.Throws<ArgumentException>(() => GgufDequantizer.Dequantize(GgmlType.Q8_K, new byte[292], new float[256]));
        Assert.Throws<ArgumentException>(() => GgufDequantizer.Dequantize(GgmlType.Q3_K, new byte[109], new float[256]));
        Assert.Throws<ArgumentException>(() => GgufDequantizer.Dequantize(GgmlType.Q2_K, new byte[84], new float[255]));
        Assert.Throws<ArgumentException>(() => GgufDequantizer.Dequantize(GgmlType.Q8_0, new byte[33], new float[32]));
        Assert.Throws<ArgumentException>(() => GgufDequantizer.Dequantize(GgmlType.Q8_0, new byte[34], new float[31]));
    }

    private static void AssertDecodes(GgmlType type, byte[] bytes, float[] expected)
    {
        var actual = new float[expected.Length];
        GgufDequantizer.Dequantize(type, bytes, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            // The decoder may group the products differently; float32 rounding is the only difference allowed.
            float tolerance = 1e-6f * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{type} element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    /// <summary>
    /// Where Q2_K and Q3_K keep the low 2 bits of an element: each half of 128 elements uses 32 bytes,
    /// and element 32j + p of a half sits in bits 2j..2j+1 of that half's byte p.
    /// </summary>
    private static (int Byte, int Shift) TwoBitPlace(int element) =>
        ((32 * (element / 128)) + (element % 32), 2 * (element % 128 / 32));

    /// <summary>
    /// Writes eight random 6-bit scales and minimums packed as Q4_K and Q5_K keep them (12 bytes at
    /// <paramref name="packed"/>: sub-blocks 0-3 in the low 6 bits of bytes s and s + 4; sub-blocks 4-7
    /// in the nibbles of byte s + 4 with their top 2 bits in the top bits of bytes s - 4 and s).
    /// </summary>
    private static (int[] Scales, int[] Mins) WriteKScalesAndMins(byte[] bytes, int packed, Random random)
    {
        var scales = new int[8];
        var mins = new int[8];
        for (int s = 0; s < 8; s++)
        {
            scales[s] = random.Next(64);
            mins[s] = random.Next(64);
            if (s < 4)
            {
                bytes[packed + s] |= (byte)scales[s];
                bytes[packed + s + 4] |= (byte)mins[s];
            }
            else
            {
                bytes[packed + s + 4] |= (byte)((scales[s] & 15) | ((mins[s] & 15) << 4));
                bytes[packed + s - 4] |= (byte)((scales[s] >> 4) << 6);
                bytes[packed + s] |= (byte)((mins[s] >> 4) << 6);
            }
        }

        return (scales, mins);
    }

    /// <summary>Writes a random float16 scale in [-2, 2) and returns its value.</summary>
    private static float WriteHalf(byte[] bytes, int offset, Random random)
    {
        var half = (Half)((random.NextSingle() * 4) - 2);
        BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(offset), half);
        return (float)half;
    }
}
