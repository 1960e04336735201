using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using Codegen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Quantized;

/// <summary>Q8 block quantization (<see cref="Q8Matrix"/>, <see cref="Q8Kernels.QuantizeVector"/>) and dot products against float64 references.</summary>
public sealed class Q8Tests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Shapes() => QuantizedTestData.Shapes();

    [Fact]
    public void LogsKernelPath() => output.WriteLine(QuantizedTestData.KernelPath);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(31, 1)]
    [InlineData(32, 1)]
    [InlineData(33, 2)]
    [InlineData(771, 25)]
    public void CountsBlocks(int length, int blocks) => Assert.Equal(blocks, Q8Kernels.BlockCount(length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatrixQuantizationErrorIsAtMostHalfAScale(int rows, int columns)
    {
        float[] values = QuantizedTestData.RandomValues(rows * columns, seed: (rows * 1000) + columns);
        Q8Matrix matrix = Q8Matrix.FromFloat32(new WeightTensor("w", [rows, columns], values));
        int blocksPerRow = (columns + 31) / 32;
        Assert.Equal("w", matrix.Name);
        Assert.Equal(rows, matrix.Rows);
        Assert.Equal(columns, matrix.Columns);
        Assert.Equal(blocksPerRow, matrix.BlocksPerRow);
        // Rows are stored in groups of four: a partial last group is padded with zero rows.
        int storedRows = (rows + 3) / 4 * 4;
        Assert.Equal((storedRows * blocksPerRow * 32) + (storedRows * blocksPerRow * 2L), matrix.ByteCount);
        var rowQuants = new sbyte[blocksPerRow * 32];
        var rowScales = new float[blocksPerRow];
        for (int r = 0; r < rows; r++)
        {
            matrix.CopyRow(r, rowQuants, rowScales);
            AssertBlocks(values.AsSpan(r * columns, columns), rowQuants, rowScales, halfScales: true);
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(rowQuants[c] * rowScales[c / 32], matrix.Dequantize(r, c));
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(288)]
    [InlineData(771)]
    public void VectorQuantizationMatchesMatrixRowsAndBound(int length)
    {
        float[] x = QuantizedTestData.RandomValues(length, seed: length + 3);
        int blocks = Q8Kernels.BlockCount(length);
        // Garbage in the spans beforehand: padding must still come out zero.
        var quants = new sbyte[blocks * 32];
        var scales = new float[blocks];
        quants.AsSpan().Fill(99);
        scales.AsSpan().Fill(float.NaN);
        Q8Kernels.QuantizeVector(x, quants, scales);
        AssertBlocks(x, quants, scales, halfScales: false);

        Q8Matrix row = Q8Matrix.FromFloat32("x", 1, length, x);
        var rowQuants = new sbyte[blocks * 32];
        var rowScales = new float[blocks];
        row.CopyRow(0, rowQuants, rowScales);
        Assert.Equal(rowQuants, quants);
        Assert.Equal(scales.Select(scale => (float)(Half)scale).ToArray(), rowScales);
    }

    [Fact]
    public void AllZeroBlocksGetScaleZeroAndNoNaN()
    {
        // Row 0: a zero block, a random block, a zero partial block. Row 1: all zero.
        const int Columns = 70;
        var values = new float[2 * Columns];
        QuantizedTestData.RandomValues(32, seed: 5).CopyTo(values, 32);
        Q8Matrix matrix = Q8Matrix.FromFloat32("z", 2, Columns, values);
        var rowScales = new float[3];
        matrix.CopyRow(0, new sbyte[3 * 32], rowScales);
        Assert.Equal(0f, rowScales[0]);
        Assert.True(rowScales[1] > 0);
        Assert.Equal(0f, rowScales[2]);
        matrix.CopyRow(1, new sbyte[3 * 32], rowScales);
        Assert.Equal(new float[3], rowScales);
        for (int c = 0; c < Columns; c++)
        {
            Assert.Equal(0f, matrix.Dequantize(1, c));
            if (c < 32 || c >= 64)
            {
                Assert.Equal(0f, matrix.Dequantize(0, c));
            }
        }

        var quants = new sbyte[3 * 32];
        var scales = new float[3];
        Q8Kernels.QuantizeVector(new float[Columns], quants, scales);
        Assert.Equal(new float[3], scales);
        Assert.Equal(new sbyte[3 * 32], quants);

        // A zero input against a zero matrix and against a nonzero one: zero, not NaN.
        float dot = Q8Kernels.Dot(ref matrix.RowQuants(0), ref matrix.RowScales(0), matrix.BlocksPerRow, ref quants[0], ref scales[0]);
        Assert.Equal(0f, dot);
        Q8Kernels.QuantizeVector(QuantizedTestData.RandomValues(Columns, seed: 6), quants, scales);
        Assert.Equal(0f, Q8Kernels.Dot(ref matrix.RowQuants(1), ref matrix.RowScales(1), matrix.BlocksPerRow, ref quants[0], ref scales[0]));
        Assert.False(float.IsNaN(Q8Kernels.Dot(ref matrix.RowQuants(0), ref matrix.RowScales(0), matrix.BlocksPerRow, ref quants[0], ref scales[0])));
    }

    [Fact]
    public void LargestMagnitudeMapsToPlusOrMinus127AndTiesGoToEven()
    {
        // Largest magnitude 127 / 16, so the scale is exactly 1/16 and every step below is exact.
        float[] x = new float[32];
        x[3] = -127f / 16;
        x[4] = 63.5f / 16;
        x[5] = 0.5f / 16;
        x[6] = 1.5f / 16;
        x[7] = 2.5f / 16;
        x[8] = -2.5f / 16;
        x[9] = 126.9f / 16;
        var quants = new sbyte[32];
        var scales = new float[1];
        Q8Kernels.QuantizeVector(x, quants, scales);
        Assert.Equal(1f / 16, scales[0]);
        Assert.Equal(new sbyte[] { 0, 0, 0, -127, 64, 0, 2, 2, -2, 127 }, quants[..10]);
    }

    [Fact]
    public void RejectsShortSpansAndBadShapes()
    {
        Assert.Throws<ArgumentException>(() => Q8Kernels.QuantizeVector(new float[33], new sbyte[63], new float[2]));
        Assert.Throws<ArgumentException>(() => Q8Kernels.QuantizeVector(new float[33], new sbyte[64], new float[1]));
        Assert.Throws<ArgumentException>(() => Q8Matrix.FromFloat32("m", 2, 3, new float[5]));
        Assert.Throws<ArgumentException>(() => Q8Matrix.FromFloat32(new WeightTensor("v", [4], new float[4])));
        Q8Matrix matrix = Q8Matrix.FromFloat32("m", 2, 3, new float[6]);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Dequantize(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Dequantize(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.CopyRow(2, new sbyte[32], new float[1]));
        Assert.Throws<ArgumentException>(() => matrix.CopyRow(1, new sbyte[31], new float[1]));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DotFourRowsMatchesDoubleReference(int rows, int columns)
    {
        (Q8Matrix matrix, sbyte[] xQuants, float[] xScales) = Create(rows, columns);
        // Four-row products start on a stored group of four rows; a partial last group reads zero rows as padding.
        for (int first = 0; first < rows; first += 4)
        {
            Vector128<float> dots = Q8Kernels.DotFourRows(
                ref matrix.RowQuants(first), ref matrix.RowScales(first), matrix.BlocksPerRow, ref xQuants[0], ref xScales[0]);
            for (int k = 0; k < 4; k++)
            {
                if (first + k < rows)
                {
                    AssertClose(matrix, xQuants, xScales, first + k, dots.GetElement(k));
                }
                else
                {
                    Assert.Equal(0f, dots.GetElement(k));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DotMatchesDoubleReference(int rows, int columns)
    {
        (Q8Matrix matrix, sbyte[] xQuants, float[] xScales) = Create(rows, columns);
        for (int r = 0; r < rows; r++)
        {
            float dot = Q8Kernels.Dot(ref matrix.RowQuants(r), ref matrix.RowScales(r), matrix.BlocksPerRow, ref xQuants[0], ref xScales[0]);
            AssertClose(matrix, xQuants, xScales, r, dot);
        }
    }

    [Fact]
    public void DotsAreExactOnExtremeQuants()
    {
        // Every weight and input at ±127 (all blocks saturated, signs mixed, some zero weights):
        // the integer block sums reach 32 * 127 * 127 and must not saturate in the 16-bit step.
        const int Columns = 96;
        var values = new float[4 * Columns];
        var x = new float[Columns];
        for (int c = 0; c < Columns; c++)
        {
            x[c] = c % 3 == 0 ? -1f : 1f;
            for (int r = 0; r < 4; r++)
            {
                values[(r * Columns) + c] = r == 1 && c % 5 == 0 ? 0f : (((r + c) & 1) == 0 ? 1f : -1f);
            }

            values[(2 * Columns) + c] = x[c]; // row 2 equals x: every product is +127 * 127.
        }

        Q8Matrix matrix = Q8Matrix.FromFloat32("m", 4, Columns, values);
        var xQuants = new sbyte[Columns];
        var xScales = new float[3];
        Q8Kernels.QuantizeVector(x, xQuants, xScales);
        Vector128<float> dots = Q8Kernels.DotFourRows(ref matrix.RowQuants(0), ref matrix.RowScales(0), matrix.BlocksPerRow, ref xQuants[0], ref xScales[0]);
        for (int r = 0; r < 4; r++)
        {
            AssertClose(matrix, xQuants, xScales, r, dots.GetElement(r));
            float dot = Q8Kernels.Dot(ref matrix.RowQuants(r), ref matrix.RowScales(r), matrix.BlocksPerRow, ref xQuants[0], ref xScales[0]);
            AssertClose(matrix, xQuants, xScales, r, dot);
        }

        // Row 2 is x itself: 96 products of 127 * 127 times the two scales (the row's float16 1/127, the input's float32 1/127).
        var rowScales = new float[3];
        matrix.CopyRow(2, new sbyte[96], rowScales);
        Assert.Equal((float)(Half)(1f / 127), rowScales[0]);
        Assert.Equal(96.0 * 127 * 127 * rowScales[0] * xScales[0], dots.GetElement(2), 1e-4);
    }

    /// <summary>
    /// The batch product (inputs quantized once a chunk of sixteen, tiles of four tokens, any row range) gives each
    /// token exactly the one-token products: the same integer block sums, scaled and added in the same order.
    /// </summary>
    [Theory]
    [InlineData(9, 100, 7, 0, 9)]
    [InlineData(13, 288, 4, 1, 13)]
    [InlineData(8, 771, 9, 2, 7)]
    [InlineData(23, 64, 37, 3, 21)]
    [InlineData(12, 96, 16, 0, 12)]
    [InlineData(7, 33, 1, 0, 7)]
    public void BatchProductsEqualEachTokensProductsExactly(int rows, int columns, int tokens, int start, int end)
    {
        Q8Matrix matrix = Q8Matrix.FromFloat32("w", rows, columns, QuantizedTestData.RandomValues(rows * columns, seed: rows + (7 * columns)));
        float[] inputs = QuantizedTestData.RandomValues(tokens * columns, seed: tokens + columns);
        AssertBatchEqualsOneTokenProducts(matrix, inputs, tokens, start, end);
    }

    /// <summary>The batch product on saturated blocks: every weight and input at ±127 with mixed signs and zero weights.</summary>
    [Fact]
    public void BatchProductsAreExactOnExtremeQuants()
    {
        const int Rows = 8, Columns = 96, Tokens = 5;
        var values = new float[Rows * Columns];
        var inputs = new float[Tokens * Columns];
        for (int c = 0; c < Columns; c++)
        {
            for (int r = 0; r < Rows; r++)
            {
                values[(r * Columns) + c] = r % 3 == 1 && c % 5 == 0 ? 0f : (((r + c) & 1) == 0 ? 1f : -1f);
            }

            for (int t = 0; t < Tokens; t++)
            {
                inputs[(t * Columns) + c] = (c + t) % 3 == 0 ? -1f : 1f;
            }
        }

        AssertBatchEqualsOneTokenProducts(Q8Matrix.FromFloat32("m", Rows, Columns, values), inputs, Tokens, 0, Rows);
    }

    private static void AssertBatchEqualsOneTokenProducts(Q8Matrix matrix, float[] inputs, int tokens, int start, int end)
    {
        int rows = matrix.Rows, columns = matrix.Columns;
        int stride = rows + 3;
        var outputs = new float[tokens * stride];
        Q8BatchProducts.MultiplyRowsBatch(matrix, ref inputs[0], columns, ref outputs[0], stride, tokens, start, end);

        int blocks = Q8Kernels.BlockCount(columns);
        var xQuants = new sbyte[blocks * 32];
        var xScales = new float[blocks];
        for (int t = 0; t < tokens; t++)
        {
            Q8Kernels.QuantizeVector(inputs.AsSpan(t * columns, columns), xQuants, xScales);
            for (int row = 0; row < stride; row++)
            {
                float actual = outputs[(t * stride) + row];
                if (row < start || row >= end)
                {
                    Assert.Equal(0f, actual);
                    continue;
                }

                // The one-token product: a four-row product for rows of a stored group wholly inside the range, else one row.
                int group = row & ~3;
                float expected = group >= start && group + 4 <= end
                    ? Q8Kernels.DotFourRows(ref matrix.RowQuants(group), ref matrix.RowScales(group), blocks, ref xQuants[0], ref xScales[0]).GetElement(row - group)
                    : Q8Kernels.Dot(ref matrix.RowQuants(row), ref matrix.RowScales(row), blocks, ref xQuants[0], ref xScales[0]);
                Assert.True(expected == actual, $"token {t} of {tokens}, row {row} of [{start}, {end}): {actual}, the one-token product {expected}");
                AssertClose(matrix, xQuants, xScales, row, actual);
            }
        }
    }

    [Fact]
    public void FloatSixteenScalesWidenExactlyIncludingSubnormals()
    {
        for (int bits = 0; bits < 0x7C00; bits++)
        {
            Assert.Equal((float)BitConverter.UInt16BitsToHalf((ushort)bits), Q8Kernels.ScaleToSingle((ushort)bits));
        }
    }

    [Fact]
    public void TinyBlocksKeepSubnormalScalesAndHugeOnesAreRejectedByName()
    {
        // max 1e-4: scale 7.9e-7, a float16 subnormal; the values still come back to within the bound.
        float[] tiny = QuantizedTestData.RandomValues(64, seed: 9).Select(v => v * 1e-6f).ToArray();
        tiny[5] = 1e-4f;
        Q8Matrix small = Q8Matrix.FromFloat32("small", 1, 64, tiny);
        var quants = new sbyte[64];
        var scales = new float[2];
        small.CopyRow(0, quants, scales);
        AssertBlocks(tiny, quants, scales, halfScales: true);
        Assert.True(scales[0] > 0 && scales[0] < 6.1e-5f, $"scale {scales[0]} should be a float16 subnormal");

        float[] huge = new float[2 * 40];
        huge[40 + 35] = -1e7f;
        var error = Assert.Throws<ArgumentException>(() => Q8Matrix.FromFloat32("layers[0].down", 2, 40, huge));
        Assert.Contains("'layers[0].down' row 1 block 1 (columns 32 to 39)", error.Message);
    }

    /// <summary>
    /// Checks one row's blocks against <paramref name="values"/>: the format, the scale and the error bound.
    /// The quants always come from the float32 scale max / 127; a matrix stores that scale rounded to float16
    /// (<paramref name="halfScales"/>), which widens the bound by 127 times the rounding.
    /// </summary>
    private static void AssertBlocks(ReadOnlySpan<float> values, ReadOnlySpan<sbyte> quants, ReadOnlySpan<float> scales, bool halfScales)
    {
        for (int b = 0; b < scales.Length; b++)
        {
            int count = Math.Min(32, values.Length - (b * 32));
            ReadOnlySpan<float> block = values.Slice(b * 32, count);
            float max = 0;
            foreach (float value in block)
            {
                max = Math.Max(max, Math.Abs(value));
            }

            float exactScale = max / 127f;
            float scale = scales[b];
            Assert.Equal(halfScales ? (float)(Half)exactScale : exactScale, scale);
            float inverse = exactScale == 0 ? 0 : 1f / exactScale;
            double roundingOfScale = 127.0 * Math.Abs((double)scale - exactScale);
            int largest = 0;
            for (int i = 0; i < 32; i++)
            {
                sbyte q = quants[(b * 32) + i];
                Assert.InRange(q, (sbyte)-127, (sbyte)127);
                largest = Math.Max(largest, Math.Abs((int)q));
                if (i >= count)
                {
                    Assert.Equal(0, q);
                    continue;
                }

                // The exact rule (the same in every kernel path), then the bound it implies.
                Assert.Equal((sbyte)Math.Clamp(MathF.Round(block[i] * inverse, MidpointRounding.ToEven), -127f, 127f), q);
                double error = Math.Abs(block[i] - ((double)q * scale));
                Assert.True(error <= (exactScale / 2.0 * (1 + 1e-6)) + roundingOfScale + 1e-30, $"block {b} value {i}: {block[i]} -> {q} * {scale}, error {error}");
            }

            Assert.Equal(exactScale == 0 ? 0 : 127, largest);
        }
    }

    /// <summary>A random matrix and a random input quantized with <see cref="Q8Kernels.QuantizeVector"/>.</summary>
    private static (Q8Matrix Matrix, sbyte[] XQuants, float[] XScales) Create(int rows, int columns)
    {
        Q8Matrix matrix = Q8Matrix.FromFloat32("w", rows, columns, QuantizedTestData.RandomValues(rows * columns, seed: columns));
        int blocks = Q8Kernels.BlockCount(columns);
        var xQuants = new sbyte[blocks * 32];
        var xScales = new float[blocks];
        Q8Kernels.QuantizeVector(QuantizedTestData.RandomValues(columns, seed: columns + 7), xQuants, xScales);
        return (matrix, xQuants, xScales);
    }

    private static void AssertClose(Q8Matrix matrix, sbyte[] xQuants, float[] xScales, int row, float actual)
    {
        double expected = 0;
        double magnitude = 0;
        for (int c = 0; c < matrix.Columns; c++)
        {
            double product = (double)matrix.Dequantize(row, c) * ((double)xQuants[c] * xScales[c / 32]);
            expected += product;
            magnitude += Math.Abs(product);
        }

        Assert.True(
            Math.Abs(actual - expected) <= 1e-4 * magnitude,
            $"row {row} of {matrix.Rows}x{matrix.Columns}: {actual} vs {expected} (sum |products| {magnitude})");
    }
}
