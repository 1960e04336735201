using System;
using System.Buffers.Binary;
using Codegen.Formats.Gguf;
using Xunit;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>
/// Each block type decoded against blocks this test encodes itself, element by element: for every
/// element the test computes where its bits go (the reverse of what the decoder does) from random
/// quants and scales, and the value the format defines for it. Q4_K and Q6_K have no tensor in the
/// stories260K files (its 64- and 172-wide rows are not whole 256-element super-blocks), so this is
/// their test against the layout.
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
        Assert.Throws<ArgumentException>(() => GgufDequantizer.Dequantize(GgmlType.Q4_1, new byte[20], new float[32]));
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

    /// <summary>Writes a random float16 scale in [-2, 2) and returns its value.</summary>
    private static float WriteHalf(byte[] bytes, int offset, Random random)
    {
        var half = (Half)((random.NextSingle() * 4) - 2);
        BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(offset), half);
        return (float)half;
    }
}
