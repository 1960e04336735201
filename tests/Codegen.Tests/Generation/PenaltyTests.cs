using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.Generation;

/// <summary>The penalties and the logit bias against hand-computed logits.</summary>
public sealed class PenaltyTests
{
    private static readonly float[] Logits = { 2, -1, 0.5f, -3, 4, 1 };

    private static float[] Adjusted(GenerationOptions options, params int[] accepted)
    {
        var sampler = new Sampler(Logits.Length, options);
        sampler.Accept(accepted);
        float[] logits = (float[])Logits.Clone();
        sampler.ApplyPenaltiesAndBias(logits);
        return logits;
    }

    [Fact]
    public void TheRepetitionPenaltyDividesPositiveLogitsAndMultipliesNegativeOnesOncePerToken()
    {
        // Token 1 is seen twice but penalized once, as Hugging Face and llama.cpp do.
        float[] logits = Adjusted(new GenerationOptions { RepetitionPenalty = 2, PenaltyWindow = -1 }, 0, 1, 1, 3);

        Assert.Equal(new float[] { 1, -2, 0.5f, -6, 4, 1 }, logits);
    }

    [Fact]
    public void ARepetitionPenaltyBelowOneMakesRepeatsMoreLikely()
    {
        float[] logits = Adjusted(new GenerationOptions { RepetitionPenalty = 0.5f, PenaltyWindow = -1 }, 0, 3);

        Assert.Equal(new float[] { 4, -1, 0.5f, -1.5f, 4, 1 }, logits);
    }

    [Fact]
    public void AZeroLogitStaysZeroUnderTheRepetitionPenalty()
    {
        var sampler = new Sampler(3, new GenerationOptions { RepetitionPenalty = 3 });
        sampler.Accept(1);
        float[] logits = { 1, 0, -1 };

        sampler.ApplyPenaltiesAndBias(logits);

        Assert.Equal(new float[] { 1, 0, -1 }, logits);
    }

    [Fact]
    public void FrequencyAndPresencePenaltiesSubtractCountTimesFrequencyPlusPresence()
    {
        // Counts: token 0 once, token 1 twice, token 3 once.
        float[] logits = Adjusted(new GenerationOptions { FrequencyPenalty = 0.5f, PresencePenalty = 0.25f, PenaltyWindow = -1 }, 0, 1, 1, 3);

        Assert.Equal(new float[] { 1.25f, -2.25f, 0.5f, -3.75f, 4, 1 }, logits);
    }

    [Fact]
    public void OnlyTheFrequencyPenaltyGrowsWithTheCount()
    {
        float[] frequency = Adjusted(new GenerationOptions { FrequencyPenalty = 1, PenaltyWindow = -1 }, 4, 4, 4);
        float[] presence = Adjusted(new GenerationOptions { PresencePenalty = 1, PenaltyWindow = -1 }, 4, 4, 4);

        Assert.Equal(1, frequency[4]);
        Assert.Equal(3, presence[4]);
    }

    [Fact]
    public void TheRepetitionPenaltyComesBeforeFrequencyAndPresence()
    {
        // Token 0: 2 / 2 - (0.5 + 0.25) = 0.25; token 1: -1 * 2 - (2 * 0.5 + 0.25) = -3.25; token 3: -3 * 2 - 0.75 = -6.75.
        float[] logits = Adjusted(
            new GenerationOptions { RepetitionPenalty = 2, FrequencyPenalty = 0.5f, PresencePenalty = 0.25f, PenaltyWindow = -1 }, 0, 1, 1, 3);

        Assert.Equal(new float[] { 0.25f, -3.25f, 0.5f, -6.75f, 4, 1 }, logits);
    }

    [Fact]
    public void OnlyTheLastWindowTokensArePenalized()
    {
        var options = new GenerationOptions { FrequencyPenalty = 0.5f, PenaltyWindow = 3 };

        // Window [1, 1, 3]: token 0 has left it.
        Assert.Equal(new float[] { 2, -2, 0.5f, -3.5f, 4, 1 }, Adjusted(options, 0, 1, 1, 3));

        // Window [1, 3, 4].
        Assert.Equal(new float[] { 2, -1.5f, 0.5f, -3.5f, 3.5f, 1 }, Adjusted(options, 0, 1, 1, 3, 4));

        // Window [4, 2, 2]: tokens 1 and 3 are back to their raw logits.
        Assert.Equal(new float[] { 2, -1, -0.5f, -3, 3.5f, 1 }, Adjusted(options, 0, 1, 1, 3, 4, 2, 2));
    }

    [Fact]
    public void AWindowOfZeroPenalizesNothing()
    {
        float[] logits = Adjusted(new GenerationOptions { RepetitionPenalty = 2, FrequencyPenalty = 1, PresencePenalty = 1, PenaltyWindow = 0 }, 0, 1, 2, 3, 4, 5);

        Assert.Equal(Logits, logits);
    }

    [Fact]
    public void TheDefaultWindowIs64Tokens()
    {
        var options = new GenerationOptions { PresencePenalty = 1 };
        int[] tokens = new[] { 0 }.Concat(Enumerable.Repeat(5, 63)).ToArray();

        Assert.Equal(64, options.PenaltyWindow);
        Assert.Equal(1, Adjusted(options, tokens)[0]);
        Assert.Equal(2, Adjusted(options, tokens.Append(5).ToArray())[0]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(300)]
    [InlineData(1000)]
    [InlineData(-1)]
    public void LongRandomHistoriesMatchCountingTheWindowByHand(int window)
    {
        const int vocabulary = 50;
        var random = new Random(window + 10);
        var options = new GenerationOptions { RepetitionPenalty = 1.5f, FrequencyPenalty = 0.3f, PresencePenalty = 0.2f, PenaltyWindow = window };
        var sampler = new Sampler(vocabulary, options);
        var history = new List<int>();
        float[] raw = Enumerable.Range(0, vocabulary).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        for (int i = 0; i < 2500; i++)
        {
            int token = random.Next(vocabulary / (i % 3 + 1));
            sampler.Accept(token);
            history.Add(token);
            if (i % 97 != 0 && i != 2499)
            {
                continue;
            }

            float[] logits = (float[])raw.Clone();
            sampler.ApplyPenaltiesAndBias(logits);
            IEnumerable<int> inWindow = window < 0 ? history : history.Skip(Math.Max(0, history.Count - window));
            var counts = inWindow.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
            for (int t = 0; t < vocabulary; t++)
            {
                float expected = raw[t];
                if (counts.TryGetValue(t, out int count))
                {
                    expected = expected > 0 ? expected / 1.5f : expected * 1.5f;
                    expected -= (count * 0.3f) + 0.2f;
                }

                Assert.Equal(expected, logits[t]);
            }
        }
    }

    [Fact]
    public void ResetHistoryForgetsEveryToken()
    {
        var sampler = new Sampler(Logits.Length, new GenerationOptions { RepetitionPenalty = 2, PenaltyWindow = 3 });
        sampler.Accept(new[] { 0, 1, 3, 4 });
        sampler.ResetHistory();
        sampler.Accept(2);
        float[] logits = (float[])Logits.Clone();

        sampler.ApplyPenaltiesAndBias(logits);

        Assert.Equal(new float[] { 2, -1, 0.25f, -3, 4, 1 }, logits);
    }

    [Fact]
    public void TheBiasIsAddedAfterThePenalties()
    {
        // Penalties first: 2 / 2 + 1 = 2 (the bias first would give (2 + 1) / 2 = 1.5).
        var options = new GenerationOptions { RepetitionPenalty = 2, LogitBias = new Dictionary<int, float> { [0] = 1, [5] = -0.5f } };

        float[] logits = Adjusted(options, 0);

        Assert.Equal(new float[] { 2, -1, 0.5f, -3, 4, 0.5f }, logits);
    }

    [Fact]
    public void PenaltiesAndBiasPastTheFloatRangeStayFinite()
    {
        var options = new GenerationOptions
        {
            RepetitionPenalty = 1e-30f,
            FrequencyPenalty = float.MaxValue,
            PenaltyWindow = -1,
            LogitBias = new Dictionary<int, float> { [2] = float.MaxValue },
        };
        var sampler = new Sampler(3, options);
        sampler.Accept(new[] { 0, 0, 0 });
        float[] logits = { 1, 0, float.MaxValue };

        sampler.ApplyPenaltiesAndBias(logits);

        Assert.Equal(new[] { -float.MaxValue, 0, float.MaxValue }, logits);
        Assert.Equal(2, new Sampler(3, options with { Seed = 1, Temperature = 1 }).Sample(new float[] { 1, 0, float.MaxValue }));
    }

    [Fact]
    public void AcceptRefusesATokenOutsideTheVocabulary()
    {
        var sampler = new Sampler(6, new GenerationOptions { RepetitionPenalty = 2 });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Accept(6));

        Assert.Contains("Token 6 is outside the vocabulary (0 to 5)", error.Message);
    }
}
