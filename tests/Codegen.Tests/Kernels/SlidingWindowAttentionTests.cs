using System;
using System.Linq;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>A Mistral-style window of 21 positions over heads of 10 (vector tails), context 70.</summary>
[TransformerModel(Config = "Kernels/Configs/window-head10.json")]
internal partial class WindowHead10Model
{
}

/// <summary>A Phi-3-style window of 16 positions (one key block) over heads of 16, context 60.</summary>
[TransformerModel(Config = "Kernels/Configs/window-head16.json")]
internal partial class WindowHead16Model
{
}

/// <summary>
/// Sliding-window attention against a float64 reference that sees only the last Window positions: at every
/// position of the context (so the window starts at every offset within a block of sixteen cached positions),
/// one token at a time and for prefill chunks. Cache slots past the position hold NaN, as in <see cref="AttentionTests"/>.
/// </summary>
public sealed class SlidingWindowAttentionTests
{
    public static TheoryData<string> Models => new() { nameof(WindowHead10Model), nameof(WindowHead16Model) };

    private static (ShapeDims Dims, int Window, int CachePositions, AttentionKernel Attention, AttentionBatchKernel Batch) Kernels(string model) => model switch
    {
        nameof(WindowHead10Model) => (
            new ShapeDims(WindowHead10Model.DModel, WindowHead10Model.Heads, WindowHead10Model.KvHeads, WindowHead10Model.FfnDim, WindowHead10Model.Vocab, WindowHead10Model.Context, 1, 1e-5, 10000),
            WindowHead10Model.SlidingWindow,
            WindowHead10Model.CpuKernels.CachePositions,
            WindowHead10Model.CpuKernels.Attention,
            WindowHead10Model.CpuKernels.AttentionBatch),
        nameof(WindowHead16Model) => (
            new ShapeDims(WindowHead16Model.DModel, WindowHead16Model.Heads, WindowHead16Model.KvHeads, WindowHead16Model.FfnDim, WindowHead16Model.Vocab, WindowHead16Model.Context, 1, 1e-5, 10000),
            WindowHead16Model.SlidingWindow,
            WindowHead16Model.CpuKernels.CachePositions,
            WindowHead16Model.CpuKernels.Attention,
            WindowHead16Model.CpuKernels.AttentionBatch),
        _ => throw new ArgumentException(model),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryPositionSeesOnlyTheLastWindowPositions(string model)
    {
        (ShapeDims dims, int window, int cachePositions, AttentionKernel attention, _) = Kernels(model);
        var random = new TestRandom(41);
        for (int position = 0; position < dims.Context; position++)
        {
            var cache = new AttentionCache(dims, cachePositions, position + 1, random);
            float[] query = random.Normal(dims.DModel);
            var output = new float[dims.DModel];
            attention(query, cache.KeyCache, cache.ValueCache, position, cache.NewScores(), output, 0, dims.Heads);
            Approx.Close(cache.Reference(query, position, window), output, Approx.Float32, $"{model} at position {position}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void TheWindowChangesTheOutputOncePositionsFallOutOfIt(string model)
    {
        (ShapeDims dims, int window, int cachePositions, AttentionKernel attention, _) = Kernels(model);
        int position = dims.Context - 1;
        var cache = new AttentionCache(dims, cachePositions, position + 1, new TestRandom(42));
        float[] query = new TestRandom(43).Normal(dims.DModel);
        var output = new float[dims.DModel];
        attention(query, cache.KeyCache, cache.ValueCache, position, cache.NewScores(), output, 0, dims.Heads);
        double[] unwindowed = cache.Reference(query, position);
        Assert.True(
            Enumerable.Range(0, dims.DModel).Max(i => Math.Abs(unwindowed[i] - output[i])) > 1e-2,
            $"{model}: a window of {window} at position {position} should differ from attending to every position");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PrefillChunksSeeTheSameWindow(string model)
    {
        (ShapeDims dims, int window, int cachePositions, _, AttentionBatchKernel batch) = Kernels(model);
        const int FirstPosition = 19, Tokens = 33;
        var random = new TestRandom(44);
        var cache = new AttentionCache(dims, cachePositions, FirstPosition + Tokens, random);
        float[] queries = random.Normal(Tokens * dims.DModel);
        var output = new float[Tokens * dims.DModel];
        batch(queries, cache.KeyCache, cache.ValueCache, FirstPosition, Tokens, cache.NewScores(), output, 0, dims.Heads);
        for (int t = 0; t < Tokens; t++)
        {
            double[] expected = cache.Reference(queries.AsSpan(t * dims.DModel, dims.DModel), FirstPosition + t, window);
            Approx.Close(expected, output.AsSpan(t * dims.DModel, dims.DModel).ToArray(), Approx.Float32, $"{model}, chunk token {t}");
        }
    }
}
