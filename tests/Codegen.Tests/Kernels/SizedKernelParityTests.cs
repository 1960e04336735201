using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>
/// The runtime's sized kernels (Codegen.Kernels: F32Products, F32BatchProducts, KeyCache, CpuAttention,
/// Norms, RotaryPositions, Elementwise), instantiated with a test model's shape struct, against that
/// model's generated CpuKernels on the same seeded data: every result must have the same bits, not just be
/// close. Row ranges, token counts and positions cover the tails: ranges that do not start or end on a
/// group of four rows, odd token counts (the tiles of three and two), positions on both sides of each
/// 8- and 16-position block. The CI reruns these with AVX and with all SIMD switched off, where both sides
/// take their Vector128 and scalar paths.
/// </summary>
public sealed class SizedKernelParityTests
{
    public static TheoryData<string> Models => SizedKernelPair.Models;

    public static TheoryData<string> LlamaModels => SizedKernelPair.LlamaModels;

    public static TheoryData<string> Gpt2Models => SizedKernelPair.Gpt2Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void ShapeStructMatchesTheGeneratedModel(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        ShapeDims dims = pair.Dims;
        Assert.Equal(dims.DModel, dims.Heads * dims.HeadDim);
        Assert.Equal((dims.Context + 15) / 16 * 16, pair.CachePositions);
        Assert.Equal(pair.StreamRows, pair.Generated.DotStreamedDModel is not null);
        Assert.Equal(pair.StreamRows, pair.Generated.DotStreamedFfnDim is not null);
        Assert.Equal(pair.Family == ModelFamily.Llama, pair.Generated.RmsNorm is not null);
        Assert.Equal(pair.Family == ModelFamily.Gpt2, pair.Generated.LayerNorm is not null);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DotProductsHaveTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        var random = new TestRandom(101);
        foreach ((string name, int length, DotKernel generated, DotKernel runtime, DotKernel? generatedStreamed, DotKernel? runtimeStreamed) in Dots(pair))
        {
            for (int trial = 0; trial < 8; trial++)
            {
                float[] left = Pinned(random.Normal(length, trial + 1));
                float[] right = Pinned(random.Normal(length));
                float expected = generated(ref left[0], ref right[0]);
                Bits.Same(expected, runtime(ref left[0], ref right[0]), $"{model} Dot{name}, trial {trial}");

                // Streaming only adds prefetches: the same sums as the plain dot product.
                float expectedStreamed = generatedStreamed is null ? expected : generatedStreamed(ref left[0], ref right[0]);
                Bits.Same(expectedStreamed, runtimeStreamed!(ref left[0], ref right[0]), $"{model} DotStreamed{name}, trial {trial}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DotOfFourRowsHasTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        var random = new TestRandom(102);
        foreach ((string name, int length, DotFourRowsKernel generated, DotFourRowsKernel runtime) in FourRowDots(pair))
        {
            for (int trial = 0; trial < 6; trial++)
            {
                float[] rows = Pinned(random.Normal(4 * length));
                float[] input = Pinned(random.Normal(length, trial + 1));
                Vector128<float> expected = generated(ref rows[0], ref input[0]);
                Vector128<float> actual = runtime(ref rows[0], ref input[0]);
                for (int r = 0; r < 4; r++)
                {
                    Bits.Same(expected.GetElement(r), actual.GetElement(r), $"{model} DotFourRows{name} row {r}, trial {trial}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void MultiplyRowsHasTheSameBitsOverEveryRowRange(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        var random = new TestRandom(103);
        foreach ((string name, int columns, MultiplyRowsKernel generated, MultiplyRowsKernel runtime) in Products(pair))
        {
            int rows = ProductRows(columns);
            WeightTensor matrix = Matrix(random, rows, columns);
            float[] input = Pinned(random.Normal(columns));
            foreach ((int start, int end) in RowRanges.Of(rows).Concat(RowRanges.Pieces(rows, 3, 10, 17, rows / 2 + 1)))
            {
                float[] expected = RowRanges.Filled(rows, float.NaN);
                float[] actual = RowRanges.Filled(rows, float.NaN);
                generated(matrix, ref input[0], ref expected[0], start, end);
                runtime(matrix, ref input[0], ref actual[0], start, end);
                Bits.Same(expected, actual, $"{model} MultiplyRows{name}, rows [{start}, {end}) of {rows}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void MultiplyRowsBatchHasTheSameBitsForEveryTokenCount(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        var random = new TestRandom(104);
        foreach ((string name, int columns, MultiplyRowsBatchKernel generated, MultiplyRowsBatchKernel runtime) in BatchProducts(pair))
        {
            int rows = ProductRows(columns);
            int stride = rows + 5;
            WeightTensor matrix = Matrix(random, rows, columns);
            foreach (int tokens in new[] { 1, 2, 3, 4, 5, 6, 7, 8 })
            {
                float[] input = Pinned(random.Normal(tokens * columns));
                foreach ((int start, int end) in new[] { (0, rows), (1, rows - 2), (rows / 3, (rows / 3) + 5), (rows - 3, rows) })
                {
                    float[] expected = RowRanges.Filled(tokens * stride, float.NaN);
                    float[] actual = RowRanges.Filled(tokens * stride, float.NaN);
                    generated(matrix, ref input[0], ref expected[0], stride, tokens, start, end);
                    runtime(matrix, ref input[0], ref actual[0], stride, tokens, start, end);
                    Bits.Same(expected, actual, $"{model} MultiplyRowsBatch{name}, {tokens} tokens, rows [{start}, {end}) of {rows}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AddInPlaceHasTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        var random = new TestRandom(105);
        foreach (int length in new[] { 0, 1, 7, 8, 9, 17, pair.Dims.DModel, pair.Dims.FfnDim })
        {
            float[] target = random.Normal(length);
            float[] source = random.Normal(length);
            float[] expected = (float[])target.Clone();
            float[] actual = (float[])target.Clone();
            pair.Generated.AddInPlace(expected, source);
            pair.Runtime.AddInPlace(actual, source);
            Bits.Same(expected, actual, $"{model} AddInPlace of {length}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void KeyCacheLayoutIsTheSame(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        ShapeDims dims = pair.Dims;
        for (int position = 0; position < pair.CachePositions; position++)
        {
            for (int i = 0; i < dims.KvDim; i++)
            {
                int expected = pair.Generated.KeyCacheIndex(i, position);
                int actual = pair.Runtime.KeyCacheIndex(i, position);
                if (expected != actual)
                {
                    Assert.Fail($"{model} KeyCacheIndex({i}, {position}): generated {expected}, runtime {actual}.");
                }
            }
        }

        var random = new TestRandom(106);
        float[] expectedKeys = RowRanges.Filled(dims.KvDim * pair.CachePositions, float.NaN);
        float[] actualKeys = RowRanges.Filled(dims.KvDim * pair.CachePositions, float.NaN);
        foreach (int position in Positions(dims.Context).Take(6))
        {
            float[] key = random.Normal(dims.KvDim);
            pair.Generated.StoreKey(key, expectedKeys, position);
            pair.Runtime.StoreKey(key, actualKeys, position);
        }

        Bits.Same(expectedKeys, actualKeys, $"{model} StoreKey");

        int tokens = Math.Min(dims.Context - 3, 21);
        float[] keyRows = random.Normal(tokens * dims.KvDim);
        foreach ((int first, int end, int firstPosition) in new[] { (0, tokens, 0), (2, tokens - 1, 1), (0, tokens / 2, dims.Context - tokens) })
        {
            pair.Generated.StoreKeys(keyRows, first, end, expectedKeys, firstPosition);
            pair.Runtime.StoreKeys(keyRows, first, end, actualKeys, firstPosition);
            Bits.Same(expectedKeys, actualKeys, $"{model} StoreKeys of tokens [{first}, {end}) from position {firstPosition}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AttentionHasTheSameBitsAtEveryKindOfPosition(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        ShapeDims dims = pair.Dims;
        var random = new TestRandom(107);
        float[] keys = random.Normal(dims.KvDim * pair.CachePositions);
        float[] values = random.Normal(pair.CachePositions * dims.KvDim);
        (int Start, int End)[] headRanges = { (0, dims.Heads), (1, dims.Heads), (dims.Heads - 1, dims.Heads), (0, (dims.Heads + 1) / 2) };
        foreach (int position in Positions(dims.Context))
        {
            float[] query = random.Normal(dims.DModel, 2.0);
            foreach ((int startHead, int endHead) in headRanges)
            {
                float[] expected = RowRanges.Filled(dims.DModel, float.NaN);
                float[] actual = RowRanges.Filled(dims.DModel, float.NaN);
                float[] expectedScores = RowRanges.Filled(dims.Heads * pair.CachePositions, float.NaN);
                float[] actualScores = RowRanges.Filled(dims.Heads * pair.CachePositions, float.NaN);
                pair.Generated.Attention(query, keys, values, position, expectedScores, expected, startHead, endHead);
                pair.Runtime.Attention(query, keys, values, position, actualScores, actual, startHead, endHead);
                string what = $"{model} Attention at position {position}, heads [{startHead}, {endHead})";
                Bits.Same(expected, actual, what);
                Bits.Same(expectedScores, actualScores, what + ", scores");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AttentionBatchHasTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        ShapeDims dims = pair.Dims;
        var random = new TestRandom(108);
        float[] keys = random.Normal(dims.KvDim * pair.CachePositions);
        float[] values = random.Normal(pair.CachePositions * dims.KvDim);
        foreach ((int firstPosition, int wanted) in new[] { (0, 1), (0, 5), (3, 14), (dims.Context - 4, 4), (Math.Max(dims.Context - 19, 0), 19) })
        {
            int tokens = Math.Min(wanted, dims.Context - firstPosition);
            float[] query = random.Normal(tokens * dims.DModel, 2.0);
            float[] expected = RowRanges.Filled(tokens * dims.DModel, float.NaN);
            float[] actual = RowRanges.Filled(tokens * dims.DModel, float.NaN);
            pair.Generated.AttentionBatch(query, keys, values, firstPosition, tokens, RowRanges.Filled(dims.Heads * pair.CachePositions, 0), expected, 0, dims.Heads);
            pair.Runtime.AttentionBatch(query, keys, values, firstPosition, tokens, RowRanges.Filled(dims.Heads * pair.CachePositions, 0), actual, 0, dims.Heads);
            Bits.Same(expected, actual, $"{model} AttentionBatch of {tokens} tokens from position {firstPosition}");
        }
    }

    [Theory]
    [MemberData(nameof(LlamaModels))]
    public void RmsNormHasTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        int dModel = pair.Dims.DModel;
        var random = new TestRandom(109);
        for (int trial = 0; trial < 6; trial++)
        {
            float[] input = random.Normal(dModel, Math.Pow(10, trial - 3));
            var weight = new WeightTensor("norm", new[] { dModel }, random.NormWeight(dModel));
            float[] expected = RowRanges.Filled(dModel, float.NaN);
            float[] actual = RowRanges.Filled(dModel, float.NaN);
            pair.Generated.RmsNorm!(expected, input, weight);
            pair.Runtime.RmsNorm!(actual, input, weight);
            Bits.Same(expected, actual, $"{model} RmsNorm, trial {trial}");
        }
    }

    [Theory]
    [MemberData(nameof(LlamaModels))]
    public void RotatePositionsHasTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        ShapeDims dims = pair.Dims;
        var random = new TestRandom(110);
        float[] cos = random.Uniform(dims.Context * dims.HeadDim / 2);
        float[] sin = random.Uniform(dims.Context * dims.HeadDim / 2);
        foreach (int position in Positions(dims.Context))
        {
            float[] query = random.Normal(dims.DModel);
            float[] key = random.Normal(dims.KvDim);
            float[] expectedQuery = (float[])query.Clone(), expectedKey = (float[])key.Clone();
            float[] actualQuery = (float[])query.Clone(), actualKey = (float[])key.Clone();
            pair.Generated.RotatePositions!(expectedQuery, expectedKey, position, cos, sin);
            pair.Runtime.RotatePositions!(actualQuery, actualKey, position, cos, sin);
            Bits.Same(expectedQuery, actualQuery, $"{model} RotatePositions query at position {position}");
            Bits.Same(expectedKey, actualKey, $"{model} RotatePositions key at position {position}");
        }
    }

    [Theory]
    [MemberData(nameof(LlamaModels))]
    public void SwiGluHasTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        var random = new TestRandom(111);
        foreach (int length in new[] { 1, 3, 4, 5, 8, 11, 12, 13, pair.Dims.FfnDim })
        {
            float[] gate = random.Normal(length, 4.0);
            float[] up = random.Normal(length);
            float[] expected = (float[])gate.Clone();
            float[] actual = (float[])gate.Clone();
            pair.Generated.SwiGluInPlace!(expected, up);
            pair.Runtime.SwiGluInPlace!(actual, up);
            Bits.Same(expected, actual, $"{model} SwiGluInPlace of {length}");
        }
    }

    [Theory]
    [MemberData(nameof(Gpt2Models))]
    public void LayerNormHasTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        int dModel = pair.Dims.DModel;
        var random = new TestRandom(112);
        for (int trial = 0; trial < 6; trial++)
        {
            float[] input = random.Normal(dModel, Math.Pow(10, trial - 3));
            var weight = new WeightTensor("norm", new[] { dModel }, random.NormWeight(dModel));
            var bias = new WeightTensor("bias", new[] { dModel }, random.Normal(dModel, 0.1));
            float[] expected = RowRanges.Filled(dModel, float.NaN);
            float[] actual = RowRanges.Filled(dModel, float.NaN);
            pair.Generated.LayerNorm!(expected, input, weight, bias);
            pair.Runtime.LayerNorm!(actual, input, weight, bias);
            Bits.Same(expected, actual, $"{model} LayerNorm, trial {trial}");
        }
    }

    [Theory]
    [MemberData(nameof(Gpt2Models))]
    public void GeluHasTheSameBits(string model)
    {
        SizedKernelPair pair = SizedKernelPair.For(model);
        var random = new TestRandom(113);
        float[] inputs = random.Normal(2000, 3.0).Concat(new[] { 0f, -0f, 1e-30f, -12f, 12f, -100f, 100f, float.MaxValue, float.MinValue }).ToArray();
        foreach (float x in inputs)
        {
            Bits.Same(pair.Generated.Gelu!(x), pair.Runtime.Gelu!(x), $"{model} Gelu({x:R})");
        }

        foreach (int length in new[] { 1, 7, 8, 9, 16, 23, pair.Dims.FfnDim })
        {
            float[] hidden = random.Normal(length, 3.0);
            float[] bias = random.Normal(length, 0.5);
            float[] expected = (float[])hidden.Clone();
            float[] actual = (float[])hidden.Clone();
            pair.Generated.AddBiasGelu!(expected, bias);
            pair.Runtime.AddBiasGelu!(actual, bias);
            Bits.Same(expected, actual, $"{model} AddBiasGelu of {length}");
        }
    }

    /// <summary>Rows of the product matrices: more than four groups of four and not a multiple of four.</summary>
    private static int ProductRows(int columns) => Math.Min(4 * columns, 1024) + 3;

    /// <summary>Positions on both sides of the 4-, 8- and 16-position edges of the vector code, and the last one.</summary>
    private static IEnumerable<int> Positions(int context) =>
        new[] { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, context / 2, context - 2, context - 1 }
            .Where(position => position >= 0 && position < context)
            .Distinct();

    private static IEnumerable<(string, int, DotKernel, DotKernel, DotKernel?, DotKernel?)> Dots(SizedKernelPair pair)
    {
        yield return ("DModel", pair.Dims.DModel, pair.Generated.DotDModel, pair.Runtime.DotDModel, pair.Generated.DotStreamedDModel, pair.Runtime.DotStreamedDModel);
        yield return ("FfnDim", pair.Dims.FfnDim, pair.Generated.DotFfnDim, pair.Runtime.DotFfnDim, pair.Generated.DotStreamedFfnDim, pair.Runtime.DotStreamedFfnDim);
    }

    private static IEnumerable<(string, int, DotFourRowsKernel, DotFourRowsKernel)> FourRowDots(SizedKernelPair pair)
    {
        yield return ("DModel", pair.Dims.DModel, pair.Generated.DotFourRowsDModel, pair.Runtime.DotFourRowsDModel);
        yield return ("FfnDim", pair.Dims.FfnDim, pair.Generated.DotFourRowsFfnDim, pair.Runtime.DotFourRowsFfnDim);
    }

    private static IEnumerable<(string, int, MultiplyRowsKernel, MultiplyRowsKernel)> Products(SizedKernelPair pair)
    {
        yield return ("DModel", pair.Dims.DModel, pair.Generated.MultiplyRowsDModel, pair.Runtime.MultiplyRowsDModel);
        yield return ("FfnDim", pair.Dims.FfnDim, pair.Generated.MultiplyRowsFfnDim, pair.Runtime.MultiplyRowsFfnDim);
    }

    private static IEnumerable<(string, int, MultiplyRowsBatchKernel, MultiplyRowsBatchKernel)> BatchProducts(SizedKernelPair pair)
    {
        yield return ("DModel", pair.Dims.DModel, pair.Generated.MultiplyRowsBatchDModel, pair.Runtime.MultiplyRowsBatchDModel);
        yield return ("FfnDim", pair.Dims.FfnDim, pair.Generated.MultiplyRowsBatchFfnDim, pair.Runtime.MultiplyRowsBatchFfnDim);
    }

    /// <summary>A pinned [rows, columns] matrix (the streamed kernels prefetch through raw pointers, as into loaded weights).</summary>
    private static WeightTensor Matrix(TestRandom random, int rows, int columns) =>
        new("matrix", new[] { rows, columns }, Pinned(random.Normal(rows * columns, 1.0 / Math.Sqrt(columns))));

    private static float[] Pinned(float[] values)
    {
        float[] pinned = WeightTensor.AllocateStorage(values.Length);
        values.CopyTo(pinned, 0);
        return pinned;
    }
}

/// <summary>Bitwise comparison of float results: equal values are not enough (0 and -0, two NaNs).</summary>
internal static class Bits
{
    public static void Same(float expected, float actual, string what)
    {
        if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual))
        {
            Assert.Fail($"{what}: generated {expected:R} (0x{BitConverter.SingleToInt32Bits(expected):X8}), runtime {actual:R} (0x{BitConverter.SingleToInt32Bits(actual):X8}).");
        }
    }

    public static void Same(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} of {expected.Length}: generated {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8}), runtime {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8}).");
            }
        }
    }
}
