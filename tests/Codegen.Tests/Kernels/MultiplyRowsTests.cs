using System;
using Codegen;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>
/// Matrix-vector products over a range of rows (how the session splits one product over the worker
/// pool), the batched matrix-matrix products of prefill, and the vector add: rows inside the range
/// match the reference, every value outside it keeps its sentinel.
/// </summary>
public sealed class MultiplyRowsTests
{
    private const float Sentinel = 777.25f;
    private const int Rows = 23;

    public static TheoryData<string> Models => SharedKernelSet.Models;

    /// <summary>Row ranges: whole, ragged at both ends, one row, empty, one block of four.</summary>
    private static readonly (int Start, int End)[] Ranges = { (0, Rows), (3, Rows - 2), (5, 6), (4, 4), (8, 12) };

    [Theory]
    [MemberData(nameof(Models))]
    public void MultiplyRowsDModelComputesOnlyItsRows(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        CheckMultiplyRows(kernels.MultiplyRowsDModel, kernels.Dims.DModel, seed: 21);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void MultiplyRowsFfnDimComputesOnlyItsRows(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        CheckMultiplyRows(kernels.MultiplyRowsFfnDim, kernels.Dims.FfnDim, seed: 22);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void MultiplyRowsBatchDModelComputesOnlyItsRowsAndTokens(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        CheckMultiplyRowsBatch(kernels.MultiplyRowsBatchDModel, kernels.Dims.DModel, seed: 23);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void MultiplyRowsBatchFfnDimComputesOnlyItsRowsAndTokens(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        CheckMultiplyRowsBatch(kernels.MultiplyRowsBatchFfnDim, kernels.Dims.FfnDim, seed: 24);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AddInPlaceAddsEveryElementOfAnyLength(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        var random = new TestRandom(25);
        foreach (int length in new[] { 0, 1, 3, 7, 8, 9, 15, 16, 17, 31, kernels.Dims.DModel, kernels.Dims.FfnDim })
        {
            float[] target = random.Normal(length);
            float[] source = random.Normal(length);
            float[] before = (float[])target.Clone();
            kernels.AddInPlace(target, source);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(before[i] + source[i], target[i]);
            }
        }
    }

    private static void CheckMultiplyRows(MultiplyRowsKernel multiplyRows, int columns, int seed)
    {
        var random = new TestRandom(seed);
        float[] values = random.Normal(Rows * columns);
        var matrix = new WeightTensor("matrix", new[] { Rows, columns }, values);
        float[] input = random.Uniform(columns);
        foreach ((int start, int end) in Ranges)
        {
            var output = new float[Rows];
            output.AsSpan().Fill(Sentinel);
            multiplyRows(matrix, ref input[0], ref output[0], start, end);
            for (int row = start; row < end; row++)
            {
                ReadOnlySpan<float> matrixRow = values.AsSpan(row * columns, columns);
                Approx.Close(ReferenceMath.Dot(matrixRow, input), output[row], ReferenceMath.TermScale(matrixRow, input), Approx.Float32, $"row {row} of [{start}, {end})");
            }

            Approx.UntouchedOutside(output, start, end, Sentinel, $"output of rows [{start}, {end})");
        }
    }

    private static void CheckMultiplyRowsBatch(MultiplyRowsBatchKernel multiplyRowsBatch, int columns, int seed)
    {
        var random = new TestRandom(seed);
        float[] values = random.Normal(Rows * columns);
        var matrix = new WeightTensor("matrix", new[] { Rows, columns }, values);
        const int outputStride = Rows + 3;
        // Up to five tokens: the row-major tiles; 8 to 23 (with FMA): blocks of eight feature-major, the tokens past the
        // last block row-major; from FeatureMajorProducts.MinimumTokens on, with AVX-512, the feature-major tiles, one
        // block of up to 32 or 64 tokens, then several blocks and a ragged last one.
        foreach (int tokens in new[] { 1, 2, 3, 5, 8, 9, 16, 23, 24, 32, 33, 64, 70, 130 })
        {
            float[] input = random.Uniform(tokens * columns);
            foreach ((int start, int end) in Ranges)
            {
                var output = new float[tokens * outputStride];
                output.AsSpan().Fill(Sentinel);
                multiplyRowsBatch(matrix, ref input[0], ref output[0], outputStride, tokens, start, end);
                for (int t = 0; t < tokens; t++)
                {
                    ReadOnlySpan<float> tokenInput = input.AsSpan(t * columns, columns);
                    Span<float> tokenOutput = output.AsSpan(t * outputStride, outputStride);
                    for (int row = start; row < end; row++)
                    {
                        ReadOnlySpan<float> matrixRow = values.AsSpan(row * columns, columns);
                        Approx.Close(ReferenceMath.Dot(matrixRow, tokenInput), tokenOutput[row], ReferenceMath.TermScale(matrixRow, tokenInput), Approx.Float32, $"token {t} of {tokens}, row {row} of [{start}, {end})");
                    }

                    Approx.UntouchedOutside(tokenOutput, start, end, Sentinel, $"token {t} of {tokens}, rows [{start}, {end})");
                }
            }
        }
    }
}
