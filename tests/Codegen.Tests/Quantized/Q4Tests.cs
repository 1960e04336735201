using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Codegen.Formats;
using Codegen.Formats.Gguf;
using Codegen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Quantized;

/// <summary>
/// 4-bit blocks (<see cref="Q4Matrix"/>, <see cref="Q4Kernels"/>): quantization from float32, the products
/// against a float64 sum over the dequantized values, and GGUF Q4_0/Q4_1/Q4_K blocks converted block for block.
/// CI runs these with AVX-512 off, AVX off and all SIMD off too, so every kernel path meets the same checks.
/// </summary>
public sealed class Q4Tests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Shapes() => QuantizedTestData.Shapes();

    [Fact]
    public void LogsKernelPath() => output.WriteLine($"{QuantizedTestData.KernelPath} Vector512={Vector512.IsHardwareAccelerated}");

    [Theory]
    [MemberData(nameof(Shapes))]
    public void QuantizationErrorIsAtMostHalfAStepPlusTheFloat16Rounding(int rows, int columns)
    {
        float[] values = QuantizedTestData.RandomValues(rows * columns, seed: (rows * 1000) + columns);
        Q4Matrix matrix = Q4Matrix.FromFloat32(new WeightTensor("w", [rows, columns], values));
        int blocksPerRow = (columns + 31) / 32;
        int storedRows = (rows + 3) / 4 * 4;
        Assert.Equal((storedRows * blocksPerRow * 16L) + (storedRows * blocksPerRow * 4L), matrix.ByteCount);
        for (int r = 0; r < rows; r++)
        {
            for (int block = 0; block < blocksPerRow; block++)
            {
                int first = block * 32;
                float[] blockValues = values.AsSpan((r * columns) + first, Math.Min(32, columns - first)).ToArray();
                // The 16 levels span the block: a step is (max - min) / 15; float16 rounding of the offset and
                // scale adds at most 2^-10 of the largest magnitude.
                double step = (blockValues.Max() - blockValues.Min()) / 15.0;
                double bound = (step / 2) + (blockValues.Max(Math.Abs) * Math.Pow(2, -10) * 16);
                for (int i = 0; i < blockValues.Length; i++)
                {
                    double error = Math.Abs(matrix.Dequantize(r, first + i) - blockValues[i]);
                    Assert.True(error <= bound, $"row {r} column {first + i}: {matrix.Dequantize(r, first + i)} for {blockValues[i]}, error {error} over {bound}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ProductsEqualTheSumOverDequantizedValues(int rows, int columns)
    {
        float[] values = QuantizedTestData.RandomValues(rows * columns, seed: (rows * 31) + columns);
        Q4Matrix matrix = Q4Matrix.FromFloat32("w", rows, columns, values);
        float[] x = QuantizedTestData.RandomValues(columns, seed: columns + 5);
        int blocks = Q4Kernels.BlockCount(columns);
        var xQuants = new sbyte[blocks * 32];
        var xScales = new float[blocks];
        var xFactors = new float[blocks * 8];
        Q8Kernels.QuantizeVector(x, xQuants, xScales);
        Q4Kernels.InputBlockFactors(xQuants, xScales, xFactors, blocks);

        for (int row = 0; row < rows; row++)
        {
            (double expected, double magnitude) = Reference(matrix, row, xQuants, xScales);
            float single = Q4Kernels.Dot(ref matrix.GroupQuants(row), row & 3, ref matrix.RowScales(row), blocks, ref xQuants[0], ref xFactors[0]);
            Assert.True(Math.Abs(single - expected) <= 1e-5 * magnitude, $"row {row}: Dot {single}, expected {expected}");
        }

        for (int group = 0; group + 4 <= rows; group += 4)
        {
            Vector128<float> four = Q4Kernels.DotFourRows(ref matrix.GroupQuants(group), ref matrix.RowScales(group), blocks, ref xQuants[0], ref xFactors[0]);
            for (int k = 0; k < 4; k++)
            {
                (double expected, double magnitude) = Reference(matrix, group + k, xQuants, xScales);
                Assert.True(Math.Abs(four[k] - expected) <= 1e-5 * magnitude, $"row {group + k}: DotFourRows {four[k]}, expected {expected}");
            }
        }
    }

    /// <summary>Prefill's product (tiles of four tokens, any row range) gives each token's matrix-vector products.</summary>
    [Theory]
    [InlineData(9, 100, 7, 0, 9)]
    [InlineData(13, 288, 4, 1, 13)]
    [InlineData(8, 771, 9, 2, 7)]
    [InlineData(4, 64, 3, 0, 4)]
    public void BatchProductsEqualEachTokensProducts(int rows, int columns, int tokens, int start, int end)
    {
        Q4Matrix matrix = Q4Matrix.FromFloat32("w", rows, columns, QuantizedTestData.RandomValues(rows * columns, seed: rows + (7 * columns)));
        float[] inputs = QuantizedTestData.RandomValues(tokens * columns, seed: tokens + columns);
        int stride = rows + 3;
        var outputs = new float[tokens * stride];

        Q4BatchProducts.MultiplyRowsBatch(matrix, ref inputs[0], columns, ref outputs[0], stride, tokens, start, end);

        int blocks = Q4Kernels.BlockCount(columns);
        for (int t = 0; t < tokens; t++)
        {
            var xQuants = new sbyte[blocks * 32];
            var xScales = new float[blocks];
            Q8Kernels.QuantizeVector(inputs.AsSpan(t * columns, columns), xQuants, xScales);
            for (int row = 0; row < rows; row++)
            {
                float actual = outputs[(t * stride) + row];
                if (row < start || row >= end)
                {
                    Assert.Equal(0f, actual);
                    continue;
                }

                (double expected, double magnitude) = Reference(matrix, row, xQuants, xScales);
                Assert.True(Math.Abs(actual - expected) <= 1e-5 * magnitude, $"token {t} row {row}: {actual}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Float16ScalesOfEitherSignAndSubnormalsConvert()
    {
        foreach (float value in new[] { 0f, -0f, 1f, -1f, 0.000061035156f, -2.9802322e-8f, 65504f, -65504f, 0.1f, -3.140625f })
        {
            ushort bits = BitConverter.HalfToUInt16Bits((Half)value);
            Assert.Equal((float)(Half)value, Q4Kernels.HalfToSingle(bits));
        }
    }

    [Fact]
    public void ValuesPastFloat16AreRejectedByMatrixRowAndBlock()
    {
        float[] values = new float[2 * 40];
        values[40 + 35] = 1e6f;
        var error = Assert.Throws<ArgumentException>(() => Q4Matrix.FromFloat32("layers[0].query", 2, 40, values));
        output.WriteLine(error.Message);
        Assert.Contains("'layers[0].query' row 1 block 1", error.Message);
    }

    [Fact]
    public void NonFiniteValuesAreRejectedBeforeQuantizing()
    {
        float[] values = new float[64];
        values[33] = float.NaN;
        var error = Assert.ThrowsAny<Exception>(() => Q4Matrix.FromFloat32("layers[2].gate", 2, 32, values));
        output.WriteLine(error.Message);
        Assert.Contains("layers[2].gate", error.Message);
    }

    /// <summary>Q4_0 (d * (q - 8)) and Q4_1 (d * q + m) blocks become Q4Matrix blocks with the same values, bit for bit.</summary>
    [Theory]
    [InlineData(GgmlType.Q4_0, 7, 64)]
    [InlineData(GgmlType.Q4_0, 4, 288)]
    [InlineData(GgmlType.Q4_1, 9, 96)]
    [InlineData(GgmlType.Q4_1, 5, 32)]
    public void Q4_0AndQ4_1BlocksConvertExactly(GgmlType type, int rows, int columns)
    {
        byte[] bytes = RandomBlocks(type, rows, columns, seed: rows + columns);
        Q4Matrix matrix = Convert(type, rows, columns, bytes);
        float[] expected = Dequantized(type, bytes, rows * columns);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(expected[(r * columns) + c], matrix.Dequantize(r, c));
            }
        }
    }

    /// <summary>
    /// Q4_K sub-blocks become Q4Matrix blocks whose scale (d * 6-bit scale) and offset (-dmin * 6-bit min) are
    /// rounded to float16: each value within 2^-11 of (15 |scale| + |offset|) of llama.cpp's, and the quants the same.
    /// </summary>
    [Theory]
    [InlineData(3, 256)]
    [InlineData(6, 512)]
    public void Q4_KBlocksConvertWithinTheFloat16RoundingOfTheirScales(int rows, int columns)
    {
        byte[] bytes = RandomBlocks(GgmlType.Q4_K, rows, columns, seed: rows * columns);
        Q4Matrix matrix = Convert(GgmlType.Q4_K, rows, columns, bytes);
        float[] expected = Dequantized(GgmlType.Q4_K, bytes, rows * columns);
        double largestRelative = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int block = 0; block < columns / 32; block++)
            {
                double span = Enumerable.Range(block * 32, 32).Max(c => Math.Abs(expected[(r * columns) + c])) + 1e-30;
                for (int c = block * 32; c < (block + 1) * 32; c++)
                {
                    double relative = Math.Abs(matrix.Dequantize(r, c) - expected[(r * columns) + c]) / span;
                    largestRelative = Math.Max(largestRelative, relative);
                }
            }
        }

        output.WriteLine($"largest difference: {largestRelative:E3} of the block's largest magnitude");
        Assert.True(largestRelative <= 2 * Math.Pow(2, -11), $"{largestRelative:E3}");
        Assert.True(largestRelative > 0, "no rounding at all: the test's random scales should need more than float16's 11 bits");
    }

    [Fact]
    public void ABlockWithANonFiniteScaleIsATypedErrorNamingTensorRowAndBlock()
    {
        byte[] bytes = RandomBlocks(GgmlType.Q4_0, 3, 64, seed: 9);
        int block = (2 * 2) + 1;
        bytes[(block * 18) + 1] = 0x7E; // float16 0x7Exx: NaN
        var tensor = new GgufTensorInfo("blk.0.attn_q.weight", [64, 3], GgmlType.Q4_0, 0, bytes.Length, 3 * 64);
        var error = Assert.Throws<ModelLoadException>(() => GgufQ4Matrix.Check("model.gguf", tensor, 3, 64, bytes));
        output.WriteLine(error.Message);
        Assert.Contains("blk.0.attn_q.weight", error.Message);
        Assert.Contains("row 2 block 1", error.Message);
    }

    private static (double Value, double Magnitude) Reference(Q4Matrix matrix, int row, sbyte[] xQuants, float[] xScales)
    {
        double sum = 0, magnitude = 0;
        for (int c = 0; c < matrix.Columns; c++)
        {
            double term = (double)matrix.Dequantize(row, c) * xQuants[c] * xScales[c / 32];
            sum += term;
            magnitude += Math.Abs(term);
        }

        return (sum, magnitude + 1e-30);
    }

    private static Q4Matrix Convert(GgmlType type, int rows, int columns, byte[] bytes)
    {
        var tensor = new GgufTensorInfo("t", [columns, rows], type, 0, bytes.Length, (long)rows * columns);
        return GgufQ4Matrix.Check("test.gguf", tensor, rows, columns, bytes).ToQ4Matrix("t");
    }

    /// <summary>The blocks' values as the GGUF reader dequantizes them (bit for bit ggml's, LlamaCppDequantizationTests).</summary>
    private static float[] Dequantized(GgmlType type, byte[] bytes, int count)
    {
        var values = new float[count];
        GgufDequantizer.Dequantize(type, bytes, values);
        return values;
    }

    /// <summary>Random blocks of <paramref name="type"/>: random quants and scale bytes, float16 scales and minimums of either sign in a weight-like range.</summary>
    private static byte[] RandomBlocks(GgmlType type, int rows, int columns, int seed)
    {
        var random = new Random(seed);
        GgmlTypes.TryGetBlock((uint)type, out int blockValues, out int blockBytes);
        byte[] bytes = new byte[rows * (columns / blockValues) * blockBytes];
        random.NextBytes(bytes);
        ushort Half(double magnitude) => BitConverter.HalfToUInt16Bits((Half)((random.NextDouble() < 0.5 ? -1 : 1) * magnitude * (0.25 + random.NextDouble())));
        for (int offset = 0; offset < bytes.Length; offset += blockBytes)
        {
            Span<ushort> header = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan(offset, 4));
            header[0] = Half(type == GgmlType.Q4_K ? 0.003 : 0.05);
            header[1] = type == GgmlType.Q4_0 ? header[1] : Half(type == GgmlType.Q4_K ? 0.002 : 0.3);
        }

        return bytes;
    }
}
