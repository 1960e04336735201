using System;
using System.Linq;
using Codegen.Kernels;
using Codegen.Tests.Kernels;
using Xunit;

namespace Codegen.Tests.Quantized;

/// <summary>
/// The generated 8-bit matrix-vector kernels over row ranges that start and end anywhere, as the worker
/// pool's splits and the key and value parts of a query/key/value range do: the rows before the first
/// stored group of four go one at a time, then whole groups, then the rest. Each row in the range must
/// match a float64 product of the dequantized row with the 8-bit input; rows outside must stay untouched.
/// </summary>
public sealed class Q8RowRangeTests
{
    [Theory]
    [InlineData(0, 50)]
    [InlineData(1, 50)]
    [InlineData(2, 3)]
    [InlineData(3, 9)]
    [InlineData(5, 47)]
    [InlineData(6, 8)]
    [InlineData(7, 49)]
    public void KeyRowsOfAnyRangeMatchTheReference(int start, int end)
    {
        ShapeDims dims = TestShapes.Of(nameof(LlamaHeadDim10Model));
        LlamaWeightData weights = LlamaWeightData.Random(dims, tied: true, seed: 2024);
        WeightTensor[] t = weights.Layers[0].Tensors(dims);
        var layer = new LlamaHeadDim10Q8Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
        float[] input = new TestRandom(start + (100 * end)).Normal(dims.DModel, 1.0);
        float[] output = Enumerable.Repeat(float.NaN, dims.KvDim).ToArray();

        LlamaHeadDim10Q8Model.CpuKernels.MultiplyRowsDModel(layer.Key, ref input[0], ref output[0], start, end);

        (sbyte[] quants, float[] scales) = Quantize(input);
        for (int row = 0; row < dims.KvDim; row++)
        {
            if (row < start || row >= end)
            {
                Assert.True(float.IsNaN(output[row]), $"row {row} is outside [{start}, {end}) but was written");
                continue;
            }

            double expected = 0, magnitude = 0;
            for (int c = 0; c < dims.DModel; c++)
            {
                double product = (double)layer.Key.Dequantize(row, c) * quants[c] * scales[c / Q8Kernels.BlockSize];
                expected += product;
                magnitude += Math.Abs(product);
            }

            Assert.True(Math.Abs(output[row] - expected) <= 1e-5 * magnitude, $"row {row} of [{start}, {end}): {output[row]} vs {expected}");
        }
    }

    private static (sbyte[] Quants, float[] Scales) Quantize(float[] input)
    {
        int blocks = Q8Kernels.BlockCount(input.Length);
        var quants = new sbyte[blocks * Q8Kernels.BlockSize];
        var scales = new float[blocks];
        Q8Kernels.QuantizeVector(input, quants, scales);
        return (quants, scales);
    }
}
