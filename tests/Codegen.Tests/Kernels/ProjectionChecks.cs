using System;
using System.Linq;

namespace Codegen.Tests.Kernels;

/// <summary>Checks shared by the Llama and GPT-2 projection tests.</summary>
internal static class ProjectionChecks
{
    /// <summary>Rows [start, end) of <paramref name="actual"/> match <paramref name="expected"/>; the rest is the sentinel.</summary>
    public static void CheckRows(double[] expected, ReadOnlySpan<float> actual, int start, int end, float sentinel, string what)
    {
        double scale = Approx.RootMeanSquare(expected);
        for (int row = start; row < end; row++)
        {
            Approx.Close(expected[row], actual[row], scale, Approx.Float32, $"{what}, row {row} of [{start}, {end})");
        }

        Approx.UntouchedOutside(actual, start, end, sentinel, $"{what}, rows [{start}, {end})");
    }

    /// <summary>
    /// A residual-adding projection: residual[row] += matrix row . input (+ bias[row]) for rows in the
    /// range, every other residual value unchanged bit for bit.
    /// </summary>
    public static void CheckAddResidual<TLayer>(LayerRowsKernel<TLayer> kernel, TLayer layer, float[] matrix, float[]? bias, int rows, int columns, TestRandom random)
    {
        float[] input = random.Normal(columns);
        double[] product = ReferenceMath.MatrixVector(matrix, rows, ReferenceMath.ToDouble(input));
        foreach ((int start, int end) in RowRanges.Of(rows))
        {
            float[] residual = random.Normal(rows);
            float[] before = (float[])residual.Clone();
            kernel(layer, input, residual, start, end);
            double[] expected = product.Select((p, row) => before[row] + p + (bias?[row] ?? 0)).ToArray();
            for (int row = 0; row < rows; row++)
            {
                if (row >= start && row < end)
                {
                    Approx.Close(expected[row], residual[row], Approx.RootMeanSquare(expected), Approx.Float32, $"residual row {row} of [{start}, {end})");
                }
                else if (BitConverter.SingleToInt32Bits(residual[row]) != BitConverter.SingleToInt32Bits(before[row]))
                {
                    throw new Xunit.Sdk.XunitException($"residual row {row} is outside [{start}, {end}) but changed from {before[row]:R} to {residual[row]:R}.");
                }
            }
        }
    }

    /// <summary>
    /// A prefill query/key/value projection of three tokens: each token's stacked [query; key; value]
    /// rows in the range match <paramref name="reference"/>, everything else keeps the sentinel.
    /// </summary>
    public static void CheckQueryKeyValueBatch<TLayer>(QueryKeyValueBatchKernel<TLayer> kernel, TLayer layer, ShapeDims dims, TestRandom random, float sentinel, Func<float[], double[]> reference)
    {
        const int tokens = 3;
        float[] input = random.Normal(tokens * dims.DModel);
        int rows = dims.DModel + (2 * dims.KvDim);
        foreach ((int start, int end) in RowRanges.Of(rows).Append((dims.DModel - 1, dims.DModel + dims.KvDim + 1)))
        {
            float[] query = RowRanges.Filled(tokens * dims.DModel, sentinel);
            float[] key = RowRanges.Filled(tokens * dims.KvDim, sentinel);
            float[] value = RowRanges.Filled(tokens * dims.KvDim, sentinel);
            kernel(layer, input, query, key, value, tokens, start, end);
            for (int t = 0; t < tokens; t++)
            {
                double[] expected = reference(input.AsSpan(t * dims.DModel, dims.DModel).ToArray());
                float[] actual = query.AsSpan(t * dims.DModel, dims.DModel).ToArray()
                    .Concat(key.AsSpan(t * dims.KvDim, dims.KvDim).ToArray())
                    .Concat(value.AsSpan(t * dims.KvDim, dims.KvDim).ToArray())
                    .ToArray();
                CheckRows(expected, actual, start, end, sentinel, $"stacked query/key/value of token {t}");
            }
        }
    }
}
