using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using Codegen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Quantized;

/// <summary>bfloat16 conversion (<see cref="Bf16Matrix"/>) and dot products (<see cref="Bf16Kernels"/>) against float64 references.</summary>
public sealed class Bf16Tests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Shapes() => QuantizedTestData.Shapes();

    [Fact]
    public void LogsKernelPath() => output.WriteLine(QuantizedTestData.KernelPath);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RoundTripErrorIsAtMostTwoToTheMinusEightRelative(int rows, int columns)
    {
        float[] values = QuantizedTestData.RandomValues(rows * columns, seed: (rows * 1000) + columns);
        Bf16Matrix matrix = Bf16Matrix.FromFloat32(new WeightTensor("w", [rows, columns], values));
        Assert.Equal("w", matrix.Name);
        Assert.Equal(rows, matrix.Rows);
        Assert.Equal(columns, matrix.Columns);
        Assert.Equal(2L * rows * columns, matrix.ByteCount);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double original = values[(r * columns) + c];
                double rounded = matrix.ToFloat32(r, c);
                Assert.True(
                    Math.Abs(rounded - original) <= Math.Abs(original) * Math.Pow(2, -8),
                    $"({r}, {c}): {original} became {rounded}");
                // Exactly a bfloat16: the low 16 bits of the float32 are zero.
                Assert.Equal(0u, BitConverter.SingleToUInt32Bits((float)rounded) & 0xFFFFu);
            }
        }
    }

    [Theory]
    [InlineData(0x3F808000u, (ushort)0x3F80)] // 1 + 2^-8: halfway between 0x3F80 and 0x3F81, keeps the even 0x3F80.
    [InlineData(0x3F818000u, (ushort)0x3F82)] // halfway between 0x3F81 and 0x3F82, goes up to the even 0x3F82.
    [InlineData(0xBF808000u, (ushort)0xBF80)] // negative tie, even below.
    [InlineData(0xBF818000u, (ushort)0xBF82)] // negative tie, even above.
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above a tie rounds up.
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // just below a tie rounds down.
    [InlineData(0x3F80FFFFu, (ushort)0x3F81)] // nearest is up.
    [InlineData(0x00000000u, (ushort)0x0000)] // +0.
    [InlineData(0x80000000u, (ushort)0x8000)] // -0 keeps its sign.
    [InlineData(0x7F800000u, (ushort)0x7F80)] // +infinity.
    [InlineData(0xFF800000u, (ushort)0xFF80)] // -infinity.
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue is nearer 2^128 than the largest bfloat16: infinity.
    [InlineData(0x00018000u, (ushort)0x0002)] // subnormal tie rounds to even.
    public void RoundsToNearestEven(uint floatBits, ushort expected)
    {
        Assert.Equal(expected, Bf16Matrix.Round(BitConverter.UInt32BitsToSingle(floatBits)));
    }

    [Theory]
    [InlineData(0x7FC00000u)] // the default quiet NaN.
    [InlineData(0xFFC00000u)] // negative quiet NaN.
    [InlineData(0x7F800001u)] // payload only in the dropped bits: truncation would give infinity.
    [InlineData(0x7FFFFFFFu)] // all-ones payload: rounding up would carry into the sign.
    [InlineData(0xFF80FFFFu)]
    public void NaNStaysNaN(uint floatBits)
    {
        float nan = BitConverter.UInt32BitsToSingle(floatBits);
        ushort bits = Bf16Matrix.Round(nan);
        Assert.True(float.IsNaN(Bf16Matrix.ToFloat32(bits)), $"0x{floatBits:X8} became 0x{bits:X4}");
        Assert.Equal(floatBits >> 31, (uint)bits >> 15);
    }

    [Fact]
    public void ConvertsMatrixNaNAndInfinities()
    {
        float[] values = [float.NaN, float.PositiveInfinity, BitConverter.UInt32BitsToSingle(0x7F800001u), -1.5f];
        Bf16Matrix matrix = Bf16Matrix.FromFloat32(new WeightTensor("w", [2, 2], values));
        Assert.True(float.IsNaN(matrix.ToFloat32(0, 0)));
        Assert.Equal(float.PositiveInfinity, matrix.ToFloat32(0, 1));
        Assert.True(float.IsNaN(matrix.ToFloat32(1, 0)));
        Assert.Equal(-1.5f, matrix.ToFloat32(1, 1));
    }

    [Fact]
    public void FromBitsKeepsBitsAndChecksShape()
    {
        Bf16Matrix matrix = Bf16Matrix.FromBits("b", 1, 3, [0x3F80, 0xC040, 0x4049]);
        Assert.Equal(new[] { 1f, -3f, 3.140625f }, new[] { matrix.ToFloat32(0, 0), matrix.ToFloat32(0, 1), matrix.ToFloat32(0, 2) });
        Assert.Throws<ArgumentException>(() => Bf16Matrix.FromBits("b", 2, 2, [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => Bf16Matrix.FromFloat32(new WeightTensor("v", [4], new float[4])));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.ToFloat32(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.ToFloat32(0, 3));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DotFourRowsMatchesDoubleReference(int rows, int columns)
    {
        (Bf16Matrix matrix, float[] input) = Create(rows, columns);
        ref float prepared = ref Bf16Kernels.PrepareInput(ref input[1], columns, new float[columns]);
        for (int first = 0; first + 4 <= rows; first++)
        {
            Vector128<float> dots = Bf16Kernels.DotFourRows(ref matrix.Row(first), columns, ref prepared);
            for (int k = 0; k < 4; k++)
            {
                AssertClose(matrix, input, first + k, dots.GetElement(k));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DotFourRowsThreeInputsMatchesDoubleReference(int rows, int columns)
    {
        (Bf16Matrix matrix, float[] input) = Create(rows, columns);
        // Three different inputs: the one of Create and two shifted copies of it.
        float[][] inputs = [input, [0f, .. input.Skip(1).Select(v => v * 0.5f - 0.25f)], [0f, .. input.Skip(1).Reverse()]];
        float[] scratch = new float[3 * columns];
        ref float x0 = ref Bf16Kernels.PrepareInput(ref inputs[0][1], columns, scratch.AsSpan(0, columns));
        ref float x1 = ref Bf16Kernels.PrepareInput(ref inputs[1][1], columns, scratch.AsSpan(columns, columns));
        ref float x2 = ref Bf16Kernels.PrepareInput(ref inputs[2][1], columns, scratch.AsSpan(2 * columns, columns));
        for (int first = 0; first + 4 <= rows; first++)
        {
            Bf16Kernels.DotFourRowsThreeInputs(ref matrix.Row(first), columns, ref x0, ref x1, ref x2, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2);
            for (int k = 0; k < 4; k++)
            {
                AssertClose(matrix, inputs[0], first + k, sums0.GetElement(k));
                AssertClose(matrix, inputs[1], first + k, sums1.GetElement(k));
                AssertClose(matrix, inputs[2], first + k, sums2.GetElement(k));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DotMatchesDoubleReference(int rows, int columns)
    {
        (Bf16Matrix matrix, float[] input) = Create(rows, columns);
        ref float prepared = ref Bf16Kernels.PrepareInput(ref input[1], columns, new float[columns]);
        for (int r = 0; r < rows; r++)
        {
            AssertClose(matrix, input, r, Bf16Kernels.Dot(ref matrix.Row(r), ref prepared, columns));
        }
    }

    [Fact]
    public void DotFourRowsUsesExactWidening()
    {
        // Small integers times powers of two: every product and partial sum is exact in float32,
        // so any lane or tail mix-up shows as an exact mismatch.
        const int Columns = 45;
        var values = new float[4 * Columns];
        var input = new float[Columns];
        for (int c = 0; c < Columns; c++)
        {
            input[c] = c % 7 == 0 ? 0.5f : c - 20;
            for (int r = 0; r < 4; r++)
            {
                values[(r * Columns) + c] = ((r + 1) * (c + 3)) % 11 - 5;
            }
        }

        Bf16Matrix matrix = Bf16Matrix.FromFloat32("exact", 4, Columns, values);
        // 45 columns: two whole blocks of 16 widened in pairs, then 8 widened one by one, then 5 scalar.
        ref float prepared = ref Bf16Kernels.PrepareInput(ref input[0], Columns, new float[Columns]);
        Vector128<float> dots = Bf16Kernels.DotFourRows(ref matrix.Row(0), Columns, ref prepared);
        for (int r = 0; r < 4; r++)
        {
            float expected = 0;
            for (int c = 0; c < Columns; c++)
            {
                expected += values[(r * Columns) + c] * input[c];
            }

            Assert.Equal(expected, dots.GetElement(r));
            Assert.Equal(expected, Bf16Kernels.Dot(ref matrix.Row(r), ref prepared, Columns));
        }
    }

    [Fact]
    public void PrepareInputPutsEachWholeBlocksEvenValuesBeforeItsOddOnes()
    {
        const int Columns = 2 * Bf16Kernels.PairBlock + 5;
        float[] input = new float[Columns];
        for (int c = 0; c < Columns; c++)
        {
            input[c] = c;
        }

        float[] scratch = new float[Columns];
        ref float prepared = ref Bf16Kernels.PrepareInput(ref input[0], Columns, scratch);
        float[] expected = Vector256.IsHardwareAccelerated
            ? [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 16, 18, 20, 22, 24, 26, 28, 30, 17, 19, 21, 23, 25, 27, 29, 31, 32, 33, 34, 35, 36]
            : input;
        for (int c = 0; c < Columns; c++)
        {
            Assert.Equal(expected[c], System.Runtime.CompilerServices.Unsafe.Add(ref prepared, c));
        }

        // The input itself is never written.
        Assert.Equal(Enumerable.Range(0, Columns).Select(c => (float)c), input);
    }

    [Fact]
    public void PrepareInputRejectsAScratchShorterThanTheInput()
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            // Without Vector256 the kernels read the input as it is and the scratch is not used.
            float[] plain = new float[20];
            Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(ref plain[0], ref Bf16Kernels.PrepareInput(ref plain[0], 20, Span<float>.Empty)));
            return;
        }

        float[] input = new float[20];
        ArgumentException error = Assert.Throws<ArgumentException>(() => Bf16Kernels.PrepareInput(ref input[0], 20, new float[19]));
        Assert.Contains("needs 20 values; it has 19", error.Message);
    }

    /// <summary>A random matrix and an input stored from index 1, so the input is not 32-byte aligned.</summary>
    private static (Bf16Matrix Matrix, float[] Input) Create(int rows, int columns)
    {
        float[] values = QuantizedTestData.RandomValues(rows * columns, seed: columns);
        float[] input = QuantizedTestData.RandomValues(columns + 1, seed: columns + 7);
        return (Bf16Matrix.FromFloat32("w", rows, columns, values), input);
    }

    private static void AssertClose(Bf16Matrix matrix, float[] input, int row, float actual)
    {
        double expected = 0;
        double magnitude = 0;
        for (int c = 0; c < matrix.Columns; c++)
        {
            double product = (double)matrix.ToFloat32(row, c) * input[c + 1];
            expected += product;
            magnitude += Math.Abs(product);
        }

        Assert.True(
            Math.Abs(actual - expected) <= 1e-5 * magnitude,
            $"row {row} of {matrix.Rows}x{matrix.Columns}: {actual} vs {expected} (sum |products| {magnitude})");
    }
}
