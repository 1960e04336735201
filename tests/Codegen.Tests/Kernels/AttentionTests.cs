using System;
using System.Linq;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>
/// Causal grouped-query attention over the KV cache against a float64 reference, at the first
/// positions, across the 8- and 16-position block edges of the vector code, and at the last position;
/// cache slots past the current position hold NaN, so the causal mask is checked every time.
/// </summary>
public sealed class AttentionTests
{
    private const float Sentinel = -555.5f;

    public static TheoryData<string> Models => SharedKernelSet.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void AttentionMatchesCausalReferenceAtEveryKindOfPosition(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(31);
        foreach (int position in Positions(dims.Context))
        {
            var cache = new AttentionCache(dims, kernels.CachePositions, position + 1, random);
            float[] query = random.Normal(dims.DModel);
            float[] output = Filled(dims.DModel, Sentinel);
            kernels.Attention(query, cache.KeyCache, cache.ValueCache, position, cache.NewScores(), output, 0, dims.Heads);
            Approx.Close(cache.Reference(query, position), output, Approx.Float32, $"attention at position {position}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AttentionOverAHeadRangeWritesOnlyThoseHeads(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(32);
        int position = Math.Min(dims.Context - 1, 10);
        var cache = new AttentionCache(dims, kernels.CachePositions, position + 1, random);
        float[] query = random.Normal(dims.DModel);
        double[] expected = cache.Reference(query, position);
        int startHead = 1, endHead = Math.Max(dims.Heads - 1, 2);
        float[] output = Filled(dims.DModel, Sentinel);
        kernels.Attention(query, cache.KeyCache, cache.ValueCache, position, cache.NewScores(), output, startHead, endHead);
        int start = startHead * dims.HeadDim, end = endHead * dims.HeadDim;
        Approx.Close(expected.AsSpan(start, end - start), output.AsSpan(start, end - start), Approx.RootMeanSquare(expected), Approx.Float32, $"heads [{startHead}, {endHead})");
        Approx.UntouchedOutside(output, start, end, Sentinel, $"output of heads [{startHead}, {endHead})");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void CacheSlotsPastThePositionDoNotChangeTheOutput(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        int position = Math.Min(dims.Context - 2, 5);
        float[] query = new TestRandom(33).Normal(dims.DModel);
        float[][] outputs = new[] { float.NaN, 1e30f, -3.0f }.Select(garbage =>
        {
            var cache = new AttentionCache(dims, kernels.CachePositions, position + 1, new TestRandom(34), garbage);
            var output = new float[dims.DModel];
            kernels.Attention(query.ToArray(), cache.KeyCache, cache.ValueCache, position, cache.NewScores(), output, 0, dims.Heads);
            return output;
        }).ToArray();
        Assert.Equal(outputs[0], outputs[1]);
        Assert.Equal(outputs[0], outputs[2]);
        Assert.All(outputs[0], value => Assert.True(float.IsFinite(value)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void LargeScoresGiveTheSoftmaxOfTheirDifferences(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        float sqrtHeadDim = MathF.Sqrt(dims.HeadDim);
        foreach (float[] scores in new[] { new[] { 1000f, 1001f, 999f }, new[] { -1000f, -1001f, -999f }, new[] { 1000f, -1000f, 0f } })
        {
            // Query (sqrt(HeadDim), 0, ...) in every head and keys (score, 0, ...) in every key/value head:
            // the scaled score of position t is scores[t].
            var cache = new AttentionCache(dims, kernels.CachePositions, scores.Length, new TestRandom(35));
            for (int t = 0; t < scores.Length; t++)
            {
                for (int i = 0; i < dims.KvDim; i++)
                {
                    cache.Keys[t][i] = i % dims.HeadDim == 0 ? scores[t] : 0;
                }
            }

            cache.Pack();
            float[] query = Enumerable.Range(0, dims.DModel).Select(i => i % dims.HeadDim == 0 ? sqrtHeadDim : 0f).ToArray();
            var output = new float[dims.DModel];
            int position = scores.Length - 1;
            kernels.Attention(query, cache.KeyCache, cache.ValueCache, position, cache.NewScores(), output, 0, dims.Heads);
            Assert.All(output, value => Assert.True(float.IsFinite(value), $"scores [{string.Join(", ", scores)}] gave {value}"));
            // A float32 score near 1000 is only known to about 1e-4 (its rounding), and the softmax
            // carries that into the weights, so this compares at 1e-3.
            Approx.Close(cache.Reference(query, position), output, 1e-3, $"attention with scores [{string.Join(", ", scores)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AttentionBatchMatchesTheReferenceForEveryTokenOfTheChunk(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(36);
        foreach ((int firstPosition, int tokens) in new[] { (0, 1), (0, 5), (3, 4), (dims.Context - 2, 2) })
        {
            var cache = new AttentionCache(dims, kernels.CachePositions, firstPosition + tokens, random);
            float[] query = random.Normal(tokens * dims.DModel);
            float[] output = Filled(tokens * dims.DModel, Sentinel);
            kernels.AttentionBatch(query, cache.KeyCache, cache.ValueCache, firstPosition, tokens, cache.NewScores(), output, 0, dims.Heads);
            for (int t = 0; t < tokens; t++)
            {
                Approx.Close(
                    cache.Reference(query.AsSpan(t * dims.DModel, dims.DModel), firstPosition + t),
                    output.AsSpan(t * dims.DModel, dims.DModel),
                    Approx.Float32,
                    $"token {t} of a chunk of {tokens} from position {firstPosition}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void StoreKeyWritesOnePositionOfTheBlockedTransposedCache(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        float[] key = new TestRandom(37).Normal(dims.KvDim);
        foreach (int position in Positions(dims.Context))
        {
            float[] keys = Filled(dims.KvDim * kernels.CachePositions, Sentinel);
            kernels.StoreKey(key, keys, position);
            var expected = Filled(keys.Length, Sentinel);
            for (int i = 0; i < dims.KvDim; i++)
            {
                expected[AttentionCache.KeyIndex(dims, kernels.CachePositions, i, position)] = key[i];
            }

            Assert.Equal(expected, keys);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void CacheHoldsTheWholeContextInWholeBlocksOfSixteen(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        Assert.InRange(kernels.CachePositions, kernels.Dims.Context, kernels.Dims.Context + 15);
        Assert.Equal(0, kernels.CachePositions % 16);
    }

    /// <summary>0, 1, 2, both sides of the 8- and 16-position blocks, the middle and the last position.</summary>
    private static int[] Positions(int context) =>
        new[] { 0, 1, 2, 7, 8, 9, 15, 16, 17, context / 2, context - 1 }.Where(p => p < context).Distinct().ToArray();

    private static float[] Filled(int length, float value)
    {
        var values = new float[length];
        values.AsSpan().Fill(value);
        return values;
    }
}
