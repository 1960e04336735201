using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.Generation;

/// <summary>Min-p, logit bias, the order of the steps, and no allocation per token in any mode.</summary>
public sealed class SamplingOptionsTests
{
    private static HashSet<int> Drawn(GenerationOptions options, float[] logits, int draws = 3000)
    {
        var sampler = new Sampler(logits.Length, options);
        var seen = new HashSet<int>();
        for (int i = 0; i < draws; i++)
        {
            seen.Add(sampler.Sample(logits));
        }

        return seen;
    }

    private static float[] LogitsOf(params double[] probabilities) => probabilities.Select(p => (float)Math.Log(p)).ToArray();

    [Fact]
    public void MinPKeepsTokensOfAtLeastMinPTimesTheTopProbability()
    {
        // Relative to the top probability 0.4: 0.2 and 0.16 are at least 0.4 of it, 0.15 and 0.09 are not.
        float[] logits = LogitsOf(0.15, 0.4, 0.2, 0.09, 0.16);

        Assert.Equal(new HashSet<int> { 1, 2, 4 }, Drawn(new GenerationOptions { Seed = 3, MinP = 0.39f }, logits));
        Assert.Equal(new HashSet<int> { 1 }, Drawn(new GenerationOptions { Seed = 3, MinP = 1 }, logits));
        Assert.Equal(new HashSet<int> { 0, 1, 2, 3, 4 }, Drawn(new GenerationOptions { Seed = 3, MinP = 0.2f }, logits));
    }

    [Fact]
    public void MinPWithTopKAndTopPKeepsWhatAllThreeKeep()
    {
        float[] logits = LogitsOf(0.15, 0.4, 0.2, 0.09, 0.16);

        Assert.Equal(new HashSet<int> { 1, 2 }, Drawn(new GenerationOptions { Seed = 4, MinP = 0.39f, TopK = 2 }, logits));
        Assert.Equal(new HashSet<int> { 1, 2, 4 }, Drawn(new GenerationOptions { Seed = 4, MinP = 0.39f, TopP = 0.99f }, logits));
        Assert.Equal(new HashSet<int> { 1, 2 }, Drawn(new GenerationOptions { Seed = 4, MinP = 0.39f, TopK = 4, TopP = 0.6f }, logits));
    }

    [Fact]
    public void TopPCountsOverTheTopKRenormalized()
    {
        // Over the top 2, token 1 alone has 0.4 / 0.7 = 0.57 of the mass, which reaches 0.5; over the whole
        // distribution it has 0.4, which does not.
        float[] logits = LogitsOf(0.3, 0.4, 0.1, 0.1, 0.1);

        Assert.Equal(new HashSet<int> { 1 }, Drawn(new GenerationOptions { Seed = 5, TopK = 2, TopP = 0.5f }, logits));
        Assert.Equal(new HashSet<int> { 0, 1 }, Drawn(new GenerationOptions { Seed = 5, TopP = 0.5f }, logits));
    }

    [Fact]
    public void TheTemperatureComesBeforeTopPAndMinP()
    {
        // At temperature 1 token 0 has 0.73 of the mass; at 10 the distribution flattens to 0.35, 0.31, 0.17, 0.17.
        // Hugging Face's order (temperature first) lets top-p 0.5 and min-p 0.6 keep tokens 0 and 1 at temperature 10;
        // llama.cpp's (temperature last) would keep token 0 alone at any temperature.
        float[] logits = { 2, 1, -5, -5 };

        Assert.Equal(new HashSet<int> { 0 }, Drawn(new GenerationOptions { Seed = 6, TopP = 0.5f }, logits));
        Assert.Equal(new HashSet<int> { 0, 1 }, Drawn(new GenerationOptions { Seed = 6, TopP = 0.5f, Temperature = 10 }, logits));
        Assert.Equal(new HashSet<int> { 0 }, Drawn(new GenerationOptions { Seed = 6, MinP = 0.6f }, logits));
        Assert.Equal(new HashSet<int> { 0, 1 }, Drawn(new GenerationOptions { Seed = 6, MinP = 0.6f, Temperature = 10 }, logits));
    }

    [Fact]
    public void PenaltiesAndBiasComeBeforeTheTemperatureAndTruncation()
    {
        // Token 0 leads by 1; a presence penalty of 2 on it puts token 1 ahead, so top-k 1 and greedy pick token 1.
        float[] logits = { 3, 2, 0, 0 };
        var options = new GenerationOptions { Seed = 7, PresencePenalty = 2, TopK = 1, Temperature = 0.5f };
        var sampler = new Sampler(4, options);
        sampler.Accept(0);
        var greedy = new Sampler(4, GenerationOptions.Greedy with { PresencePenalty = 2 });
        greedy.Accept(0);

        Assert.Equal(1, sampler.Sample(logits));
        Assert.Equal(1, greedy.Sample(logits));
        Assert.Equal(new HashSet<int> { 3 }, Drawn(new GenerationOptions { Seed = 7, TopK = 1, LogitBias = new Dictionary<int, float> { [3] = 3.5f } }, logits));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(2f)]
    public void AStrongBiasForcesAToken(float temperature)
    {
        float[] logits = SamplerTestData.RandomLogits(300, seed: 11);
        var options = new GenerationOptions { Seed = 8, Temperature = temperature, LogitBias = new Dictionary<int, float> { [123] = 100 } };

        Assert.Equal(new HashSet<int> { 123 }, Drawn(options, logits, draws: 500));
    }

    [Fact]
    public void AStrongNegativeBiasBansAToken()
    {
        float[] logits = { 5, 0, 0 };
        var options = new GenerationOptions { Seed = 9, LogitBias = new Dictionary<int, float> { [0] = -100 } };

        Assert.Equal(new HashSet<int> { 1, 2 }, Drawn(options, logits));
        Assert.Equal(1, new Sampler(3, options with { Temperature = 0 }).Sample(logits));
    }

    [Fact]
    public void NeutralOptionsGiveTheSameDrawsAsNone()
    {
        float[] logits = SamplerTestData.RandomLogits(200, seed: 12);
        var plain = new Sampler(200, new GenerationOptions { Seed = 13, TopP = 0.9f });
        var neutral = new Sampler(200, new GenerationOptions
        {
            Seed = 13,
            TopP = 0.9f,
            RepetitionPenalty = 1,
            FrequencyPenalty = 0,
            PresencePenalty = 0,
            MinP = 0,
            LogitBias = new Dictionary<int, float> { [7] = 0 },
        });
        for (int i = 0; i < 300; i++)
        {
            neutral.Accept(i % 200);
            Assert.Equal(plain.Sample(logits), neutral.Sample(logits));
        }
    }

    public static TheoryData<string, string> EveryModeWithEveryOption()
    {
        var data = new TheoryData<string, string>();
        foreach (string mode in new[] { "greedy", "plain", "top-k", "top-p", "min-p", "top-k, top-p and min-p" })
        {
            foreach (string option in new[] { "none", "repetition", "frequency", "presence", "bias", "window of all", "window of 300", "all" })
            {
                data.Add(mode, option);
            }
        }

        return data;
    }

    internal static GenerationOptions Options(string mode, string option)
    {
        GenerationOptions options = mode switch
        {
            "greedy" => GenerationOptions.Greedy,
            "plain" => new GenerationOptions { Seed = 5 },
            "top-k" => new GenerationOptions { Seed = 5, TopK = 8 },
            "top-p" => new GenerationOptions { Seed = 5, TopP = 0.9f },
            "min-p" => new GenerationOptions { Seed = 5, MinP = 0.05f },
            _ => new GenerationOptions { Seed = 5, TopK = 40, TopP = 0.9f, MinP = 0.05f },
        };
        var bias = new Dictionary<int, float> { [3] = 2, [100] = -5, [400] = 0.5f };
        return option switch
        {
            "none" => options,
            "repetition" => options with { RepetitionPenalty = 1.3f },
            "frequency" => options with { FrequencyPenalty = 0.4f },
            "presence" => options with { PresencePenalty = 0.6f },
            "bias" => options with { LogitBias = bias },
            "window of all" => options with { RepetitionPenalty = 1.1f, FrequencyPenalty = 0.2f, PenaltyWindow = -1 },
            "window of 300" => options with { PresencePenalty = 0.3f, PenaltyWindow = 300 },
            _ => options with { RepetitionPenalty = 1.2f, FrequencyPenalty = 0.1f, PresencePenalty = 0.2f, LogitBias = bias },
        };
    }

    [Theory]
    [MemberData(nameof(EveryModeWithEveryOption))]
    public void SamplingAndAcceptingAllocateNothingPerToken(string mode, string option)
    {
        var sampler = new Sampler(512, Options(mode, option));
        float[][] logits = new float[16][];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = SamplerTestData.RandomLogits(512, seed: i);
        }

        // Past the largest window, so the ring has stopped growing.
        for (int i = 0; i < 400; i++)
        {
            sampler.Accept(sampler.Sample(logits[i % logits.Length]));
        }

        // The least of five rounds, as in SamplerTests: the JIT can put a few bytes on this thread once.
        long least = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                sampler.Accept(sampler.Sample(logits[i % logits.Length], position: i));
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }

    [Theory]
    [MemberData(nameof(EveryModeWithEveryOption))]
    public void TheGenerationLoopAllocatesNothingPerToken(string mode, string option)
    {
        float[][] steps = Enumerable.Range(0, 16).Select(i => SamplerTestData.RandomLogits(512, seed: 100 + i)).ToArray();
        using var session = new FixedLogitsSession(contextLength: 8192, steps);
        int[] prompt = Enumerable.Range(0, 100).Select(i => (i * 37) % 512).ToArray();
        using IEnumerator<int> tokens = TextGeneration.Generate(session, prompt, Options(mode, option) with { MaxNewTokens = 5000 }).GetEnumerator();
        for (int i = 0; i < 400; i++)
        {
            Assert.True(tokens.MoveNext());
        }

        long least = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                tokens.MoveNext();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }
}

internal static class SamplerTestData
{
    public static float[] RandomLogits(int count, int seed)
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
