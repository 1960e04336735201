using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Codegen.Formats.Gguf;
using Codegen.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>
/// Every tensor of the random-dim256 files of Golden/llamacpp/ dequantized by us equals ggml's own
/// dequantization (its to_float, written by tools/llamacpp-reference/dequantize-reference.cpp into
/// *.dequantized.txt) bit for bit: the FNV-1a hash of all the float32 bits must match. Both sides do the
/// same float32 products in the same order (scale times sub-block scale, then times the quant, then minus
/// the minimum term), so exact equality is the right bar; the sum and the 16 sampled values say where a
/// mismatch is.
/// </summary>
public sealed class LlamaCppDequantizationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Q4_1")]
    [InlineData("Q5_1")]
    [InlineData("Q2_K")]
    [InlineData("Q3_K_M")]
    [InlineData("Q4_K_S")]
    [InlineData("Q5_K_M")]
    [InlineData("Q6_K")]
    public void EveryTensorEqualsGgmlsDequantization(string preset)
    {
        string name = $"{LlamaCppGolden.RandomDim256}-{preset}";
        string[] lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Golden", "llamacpp", name + ".dequantized.txt"));
        using GgufFile file = GgufFile.Open(LlamaCppGolden.GgufPath(name));
        Assert.Equal(file.Tensors.Count, lines.Length);

        foreach (string line in lines)
        {
            string[] fields = line.Split(' ');
            GgufTensorInfo tensor = file.RequireTensor(fields[0]);
            Assert.Equal(fields[1], tensor.Type.ToString(), ignoreCase: true);
            float[] values = file.ReadAsFloat32(tensor);
            Assert.Equal(long.Parse(fields[2], CultureInfo.InvariantCulture), values.Length);

            float[] samples = fields[5..].Select(value => float.Parse(value, CultureInfo.InvariantCulture)).ToArray();
            int step = values.Length / samples.Length;
            for (int s = 0; s < samples.Length; s++)
            {
                Assert.True(
                    BitConverter.SingleToUInt32Bits(samples[s]) == BitConverter.SingleToUInt32Bits(values[s * step]),
                    $"{tensor.Describe()} element {s * step}: ggml {samples[s]:R}, ours {values[s * step]:R}");
            }

            double sum = values.Sum(value => (double)value);
            Assert.True(
                Fnv1a64(values).ToString("x16", CultureInfo.InvariantCulture) == fields[3],
                $"{tensor.Describe()}: the float32 bits differ from ggml's somewhere; sums {sum:R} (ours) and {fields[4]} (ggml)");
            output.WriteLine($"{name}: {tensor.Describe()} equals ggml's dequantization ({values.Length} values)");
        }
    }

    /// <summary>64-bit FNV-1a over the little-endian bytes of the float32 values, as the reference program computes it.</summary>
    private static ulong Fnv1a64(float[] values)
    {
        ulong hash = 0xcbf29ce484222325UL;
        foreach (float value in values)
        {
            uint bits = BitConverter.SingleToUInt32Bits(value);
            for (int b = 0; b < 4; b++)
            {
                hash ^= (bits >> (8 * b)) & 0xFF;
                hash *= 0x100000001b3UL;
            }
        }

        return hash;
    }
}
