using System;
using System.Runtime.Intrinsics.X86;
using Codegen.Kernels;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>
/// The AVX-512 prefill tiles over a feature-major copy of the input (<see cref="FeatureMajorProducts"/>), for float32
/// and bf16 weights, and for 8-bit weights dequantized a tile at a time (<see cref="DequantizedTileProducts"/>,
/// against the weights' dequantized values times the input rounded to 8-bit blocks): whole tiles of six rows inside the range match the float64 reference for every token, the call
/// returns the first row it left, and every output outside those rows and tokens keeps its sentinel. Without AVX-512
/// the path must report that it does not apply.
/// </summary>
public sealed class FeatureMajorProductsTests
{
    private const float Sentinel = 777.25f;

    /// <summary>Token counts: the smallest taken, one block of up to 32 and of up to 64, several blocks with a ragged last one.</summary>
    private static readonly int[] TokenCounts = { FeatureMajorProducts.MinimumTokens, 31, 32, 33, 64, 65, 130 };

    /// <summary>Column counts: shorter than a transpose step, ragged, whole steps.</summary>
    private static readonly int[] ColumnCounts = { 1, 7, 8, 17, 64, 100 };

    [Fact]
    public void AppliesOnlyWithAvx512AndEnoughTokens()
    {
        Assert.False(FeatureMajorProducts.Applies(FeatureMajorProducts.MinimumTokens - 1));
        Assert.Equal(Avx512F.IsSupported, FeatureMajorProducts.Applies(FeatureMajorProducts.MinimumTokens));
    }

    [Fact]
    public void Float32TilesMatchTheReference()
    {
        if (!FeatureMajorProducts.Applies(FeatureMajorProducts.MinimumTokens))
        {
            return; // AppliesOnlyWithAvx512AndEnoughTokens checks that this processor never takes the path.
        }

        var random = new TestRandom(91);
        foreach (int columns in ColumnCounts)
        {
            const int rows = 20;
            float[] matrix = random.Normal(rows * columns);
            Check(rows, columns, matrix, random, (input, output, stride, tokens, start, end) =>
                FeatureMajorProducts.MultiplyRows<float, Float32Broadcast>(ref matrix[0], columns, ref input[0], ref output[0], stride, tokens, start, end));
        }
    }

    [Fact]
    public void Bf16TilesMatchTheReferenceOfTheWidenedWeights()
    {
        if (!FeatureMajorProducts.Applies(FeatureMajorProducts.MinimumTokens))
        {
            return; // AppliesOnlyWithAvx512AndEnoughTokens checks that this processor never takes the path.
        }

        var random = new TestRandom(92);
        foreach (int columns in ColumnCounts)
        {
            const int rows = 20;
            float[] values = random.Normal(rows * columns);
            var bits = new ushort[values.Length];
            var widened = new float[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                bits[i] = (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16);
                widened[i] = BitConverter.UInt32BitsToSingle((uint)bits[i] << 16);
            }

            Check(rows, columns, widened, random, (input, output, stride, tokens, start, end) =>
                FeatureMajorProducts.MultiplyRows<ushort, Bf16Broadcast>(ref bits[0], columns, ref input[0], ref output[0], stride, tokens, start, end));
        }
    }

    [Fact]
    public void EightBitTilesMatchTheReferenceOfTheDequantizedWeightsAndQuantizedInput()
    {
        if (!FeatureMajorProducts.Applies(FeatureMajorProducts.MinimumTokens))
        {
            return; // AppliesOnlyWithAvx512AndEnoughTokens checks that this processor never takes the path.
        }

        var random = new TestRandom(93);
        foreach (int columns in ColumnCounts)
        {
            const int rows = 20;
            Q8Matrix matrix = Q8Matrix.FromFloat32("q8", rows, columns, random.Normal(rows * columns));
            Check(rows, columns, Dequantized(rows, columns, matrix.Dequantize), random, (input, output, stride, tokens, start, end) =>
                DequantizedTileProducts.MultiplyRows(matrix, ref input[0], columns, ref output[0], stride, tokens, start, end), roundInputToEightBits: true);
        }
    }

    private static float[] Dequantized(int rows, int columns, Func<int, int, float> dequantize)
    {
        var values = new float[rows * columns];
        for (int row = 0; row < rows; row++)
        {
            for (int k = 0; k < columns; k++)
            {
                values[(row * columns) + k] = dequantize(row, k);
            }
        }

        return values;
    }

    /// <summary>Each token's input as its 8-bit blocks stand for it (<see cref="Q8Kernels.QuantizeVector"/>): quant times block scale.</summary>
    private static float[] RoundedToEightBits(float[] input, int tokens, int columns)
    {
        int blocks = Q8Kernels.BlockCount(columns);
        var quants = new sbyte[blocks * Q8Kernels.BlockSize];
        var scales = new float[blocks];
        var rounded = new float[input.Length];
        for (int t = 0; t < tokens; t++)
        {
            Q8Kernels.QuantizeVector(input.AsSpan(t * columns, columns), quants, scales);
            for (int k = 0; k < columns; k++)
            {
                rounded[(t * columns) + k] = quants[k] * scales[k / Q8Kernels.BlockSize];
            }
        }

        return rounded;
    }

    private delegate int Product(float[] input, float[] output, int outputStride, int tokens, int start, int end);

    /// <summary>Row ranges whole, ragged at both ends, shorter than a tile; every token count; the returned row.</summary>
    private static void Check(int rows, int columns, float[] matrix, TestRandom random, Product product, bool roundInputToEightBits = false)
    {
        int outputStride = rows + 3;
        foreach (int tokens in TokenCounts)
        {
            float[] input = random.Uniform(tokens * columns);
            float[] referenceInput = roundInputToEightBits ? RoundedToEightBits(input, tokens, columns) : input;
            foreach ((int start, int end) in new[] { (0, rows), (1, rows - 2), (2, 7), (4, 9), (5, 5) })
            {
                var output = new float[tokens * outputStride];
                output.AsSpan().Fill(Sentinel);
                int next = product(input, output, outputStride, tokens, start, end);
                Assert.Equal(start + ((end - start) / FeatureMajorProducts.RowsPerTile * FeatureMajorProducts.RowsPerTile), next);
                for (int t = 0; t < tokens; t++)
                {
                    ReadOnlySpan<float> tokenInput = referenceInput.AsSpan(t * columns, columns);
                    Span<float> tokenOutput = output.AsSpan(t * outputStride, outputStride);
                    for (int row = start; row < next; row++)
                    {
                        ReadOnlySpan<float> matrixRow = matrix.AsSpan(row * columns, columns);
                        Approx.Close(ReferenceMath.Dot(matrixRow, tokenInput), tokenOutput[row], ReferenceMath.TermScale(matrixRow, tokenInput), Approx.Float32, $"{columns} columns, token {t} of {tokens}, row {row} of [{start}, {end})");
                    }

                    Approx.UntouchedOutside(tokenOutput, start, next, Sentinel, $"{columns} columns, token {t} of {tokens}, rows [{start}, {next})");
                }
            }
        }
    }
}
