using System;
using System.Linq;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>Batched prefill gives the logits and cache that token-by-token decoding gives.</summary>
public sealed class PrefillTests
{
    private static readonly Lazy<Stories260KModel> Model =
        new(() => Stories260KModel.Load(TestModels.Path("stories260K", "stories260K.bin")));

    private static int[] RandomTokens(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(Stories260KModel.Vocab)).ToArray();
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        float scale = 0;
        foreach (float value in expected)
        {
            scale = MathF.Max(scale, MathF.Abs(value));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f * scale, $"logit {i}: {expected[i]} by Forward, {actual[i]} by Prefill");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public void PrefillMatchesForwardTokenByToken(int count)
    {
        int[] tokens = RandomTokens(count, seed: count);
        using var stepwise = Model.Value.CreateSession();
        using var batched = Model.Value.CreateSession();
        float[] expected = Array.Empty<float>();
        for (int position = 0; position < count; position++)
        {
            expected = stepwise.Forward(tokens[position], position).ToArray();
        }

        AssertClose(expected, batched.Prefill(tokens, 0));

        // The cache the prefill left behind serves the next steps as the stepwise one does.
        AssertClose(stepwise.Forward(17, count).ToArray(), batched.Forward(17, count));
        AssertClose(stepwise.Forward(300, count + 1).ToArray(), batched.Forward(300, count + 1));
    }

    [Fact]
    public void PrefillContinuesAfterEarlierPositions()
    {
        int[] tokens = RandomTokens(90, seed: 9);
        using var stepwise = Model.Value.CreateSession();
        using var mixed = Model.Value.CreateSession();
        float[] expected = Array.Empty<float>();
        for (int position = 0; position < tokens.Length; position++)
        {
            expected = stepwise.Forward(tokens[position], position).ToArray();
        }

        for (int position = 0; position < 10; position++)
        {
            mixed.Forward(tokens[position], position);
        }

        AssertClose(expected, mixed.Prefill(tokens.AsSpan(10), 10));
    }

    [Fact]
    public void PrefillRefusesBadInputWithoutTouchingTheSession()
    {
        using var session = Model.Value.CreateSession();
        float[] before = session.Prefill(new[] { 1, 403, 407 }, 0).ToArray();

        Assert.Throws<ArgumentException>(() => session.Prefill(ReadOnlySpan<int>.Empty, 3));
        var outOfVocabulary = Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill(new[] { 5, 512 }, 3));
        Assert.Contains("Token 1 is 512", outOfVocabulary.Message);
        var skipping = Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill(new[] { 5 }, 7));
        Assert.Contains("the next one is 3", skipping.Message);
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill(new int[510], 3));
        Assert.Contains("run past the model's Context of 512", tooLong.Message);

        using var fresh = Model.Value.CreateSession();
        fresh.Prefill(new[] { 1, 403, 407 }, 0);
        Assert.Equal(fresh.Forward(261, 3).ToArray(), session.Forward(261, 3).ToArray());
        Assert.Equal(Stories260KModel.Vocab, before.Length);
    }
}
