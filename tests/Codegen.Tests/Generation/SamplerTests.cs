using System;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.Generation;

/// <summary>The sampler on hostile logits: never an index out of range, never a silent pick from NaN, no allocation.</summary>
public sealed class SamplerTests
{
    public static TheoryData<string> Modes => new() { "greedy", "plain", "top-k", "top-p", "top-k and top-p" };

    private static GenerationOptions OptionsFor(string mode) => mode switch
    {
        "greedy" => GenerationOptions.Greedy,
        "plain" => new GenerationOptions { Seed = 5 },
        "top-k" => new GenerationOptions { Seed = 5, TopK = 8 },
        "top-p" => new GenerationOptions { Seed = 5, TopP = 0.9f },
        _ => new GenerationOptions { Seed = 5, TopK = 40, TopP = 0.9f },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public void NaNOrInfinityInTheLogitsIsRefusedNamingTheToken(string mode)
    {
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            foreach (int at in new[] { 0, 37, 99 })
            {
                var sampler = new Sampler(100, OptionsFor(mode));
                float[] logits = RandomLogits(100, seed: at);
                logits[at] = bad;

                var error = Assert.Throws<NonFiniteLogitsException>(() => sampler.Sample(logits, position: 12));

                Assert.Equal(at, error.Token);
                Assert.Equal(12, error.Position);
                Assert.Contains($"token {at}", error.Message);
            }
        }
    }

    [Fact]
    public void ATinyTopPOnAFlatDistributionPicksTheFirstMostLikelyToken()
    {
        var sampler = new Sampler(4, new GenerationOptions { Seed = 1, TopP = 1e-9f });

        Assert.Equal(0, sampler.Sample(new float[4]));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void ExtremeButFiniteLogitsGiveATokenOfTheVocabulary(string mode)
    {
        var sampler = new Sampler(6, OptionsFor(mode) with { Temperature = OptionsFor(mode).Temperature == 0 ? 0 : 1e-30f });
        float[][] cases =
        {
            new[] { float.MaxValue, -float.MaxValue, 0, 0, 0, 0 },
            new[] { -float.MaxValue, -float.MaxValue, -float.MaxValue, -float.MaxValue, -float.MaxValue, -float.MaxValue },
            new[] { 1e-45f, 0, -1e-45f, float.MaxValue, float.MaxValue, 3 },
        };

        foreach (float[] logits in cases)
        {
            int token = sampler.Sample(logits);
            Assert.InRange(token, 0, 5);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void SamplingAllocatesNothingPerToken(string mode)
    {
        var sampler = new Sampler(512, OptionsFor(mode));
        float[][] logits = new float[16][];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = RandomLogits(512, seed: i);
        }

        for (int i = 0; i < 32; i++)
        {
            sampler.Sample(logits[i % logits.Length]);
        }

        // The least of five rounds: the JIT replacing a method with its optimized version while the suite runs can
        // put a few bytes on this thread once; a sampler that allocates per token allocates in every round.
        long least = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                sampler.Sample(logits[i % logits.Length], position: i);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public void TopKKeepsExactlyTheKMostLikelyTokens()
    {
        float[] logits = RandomLogits(300, seed: 4);
        int[] order = new int[300];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => logits[b].CompareTo(logits[a]));
        var allowed = new System.Collections.Generic.HashSet<int>(order[..5]);
        var sampler = new Sampler(300, new GenerationOptions { Seed = 9, TopK = 5, Temperature = 3 });
        var seen = new System.Collections.Generic.HashSet<int>();
        for (int i = 0; i < 2000; i++)
        {
            seen.Add(sampler.Sample(logits));
        }

        Assert.Equal(allowed, seen);
    }

    private static float[] RandomLogits(int count, int seed)
    {
        var random = new Random(seed);
        var logits = new float[count];
        for (int i = 0; i < count; i++)
        {
            logits[i] = (float)(random.NextDouble() * 8 - 4);
        }

        return logits;
    }
}
