using System;
using System.Linq;
using Codegen.Inspection;
using Codegen.Tests.Forward;
using Xunit;

namespace Codegen.Tests.Inspection;

/// <summary>
/// The generated inspecting session of both families, on shapes no other test uses, against the float64 reference
/// (its attention probabilities, residual norms and logit lens) and against the fast session (its logits, exactly).
/// </summary>
public sealed class InspectingSessionTests
{
    /// <summary>Allowed |probability error| of an attention weight or a logit-lens probability.</summary>
    private const double ProbabilityTolerance = 2e-5;

    /// <summary>Allowed relative error of a residual norm.</summary>
    private const double NormTolerance = 1e-5;

    public static TheoryData<string> Families => new(InspectionCase.Families);

    [Theory]
    [MemberData(nameof(Families))]
    public void AttentionRowsSumToOneAndAreZeroAboveTheDiagonal(string family)
    {
        InspectionCase inspection = InspectionCase.For(family);
        InspectionResult result = inspection.OpenInspecting().Inspect(inspection.Tokens(inspection.Dims.Context, seed: 5));
        int positions = inspection.Dims.Context;
        for (int layer = 0; layer < inspection.Dims.Layers; layer++)
        {
            for (int head = 0; head < inspection.Dims.Heads; head++)
            {
                float[,] weights = result.Attention(layer, head);
                Assert.Equal(positions, weights.GetLength(0));
                Assert.Equal(positions, weights.GetLength(1));
                for (int query = 0; query < positions; query++)
                {
                    double sum = 0;
                    for (int key = 0; key < positions; key++)
                    {
                        if (key > query)
                        {
                            Assert.Equal(0f, weights[query, key]);
                        }
                        else
                        {
                            Assert.InRange(weights[query, key], 0f, 1f);
                        }

                        sum += weights[query, key];
                    }

                    Assert.True(Math.Abs(sum - 1) < 1e-6, $"{family} layer {layer} head {head} query {query}: the row sums to {sum}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void AttentionWeightsAndResidualNormsMatchTheReference(string family)
    {
        InspectionCase inspection = InspectionCase.For(family);
        int[] tokens = inspection.Tokens(inspection.Dims.Context, seed: 6);
        (_, ReferenceTrace trace) = inspection.Reference(tokens);
        InspectionResult result = inspection.OpenInspecting().Inspect(tokens);
        double worst = 0;
        for (int layer = 0; layer < inspection.Dims.Layers; layer++)
        {
            for (int head = 0; head < inspection.Dims.Heads; head++)
            {
                float[,] actual = result.Attention(layer, head);
                for (int query = 0; query < tokens.Length; query++)
                {
                    for (int key = 0; key < tokens.Length; key++)
                    {
                        worst = Math.Max(worst, Math.Abs(actual[query, key] - trace.Attention[layer][head][query, key]));
                    }
                }
            }

            for (int position = 0; position < tokens.Length; position++)
            {
                AssertRelative(trace.NormsAfterAttention[layer, position], result.ResidualNorm(layer, ResidualBlockKind.Attention, position), $"{family} norm after attention, layer {layer}, position {position}");
                AssertRelative(trace.NormsAfterMlp[layer, position], result.ResidualNorm(layer, ResidualBlockKind.Mlp, position), $"{family} norm after the MLP, layer {layer}, position {position}");
            }
        }

        Assert.True(worst < ProbabilityTolerance, $"{family}: largest attention weight error {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void LogitLensMatchesTheReferenceAtEveryLayerAndPosition(string family)
    {
        InspectionCase inspection = InspectionCase.For(family);
        int[] tokens = inspection.Tokens(inspection.Dims.Context, seed: 7);
        (_, ReferenceTrace trace) = inspection.Reference(tokens);
        const int lensTokens = 4;
        InspectionResult result = inspection.OpenInspecting().Inspect(tokens, lensTokens);
        for (int layer = 0; layer < inspection.Dims.Layers; layer++)
        {
            for (int position = 0; position < tokens.Length; position++)
            {
                double[] expected = Softmax(trace.LensLogits[layer][position], 1.0);
                var lens = result.LogitLens(layer, position);
                Assert.Equal(lensTokens, lens.Count);
                double[] expectedTop = expected.OrderByDescending(p => p).Take(lensTokens).ToArray();
                for (int i = 0; i < lensTokens; i++)
                {
                    string what = $"{family} lens, layer {layer}, position {position}, rank {i}";
                    // The token's probability is the reference's, and the ranks are the reference's (a near tie may swap tokens, not probabilities).
                    Assert.True(Math.Abs(lens[i].Probability - expected[lens[i].Token]) < ProbabilityTolerance, $"{what}: {lens[i].Probability} for token {lens[i].Token}, reference {expected[lens[i].Token]}");
                    Assert.True(Math.Abs(lens[i].Probability - expectedTop[i]) < ProbabilityTolerance, $"{what}: {lens[i].Probability}, the reference's {i}th largest is {expectedTop[i]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void LogitsAreExactlyTheFastSessionsAtEveryPosition(string family)
    {
        InspectionCase inspection = InspectionCase.For(family);
        int[] tokens = inspection.Tokens(inspection.Dims.Context, seed: 8);
        InspectionResult result = inspection.OpenInspecting().Inspect(tokens);
        using IInferenceSession fast = inspection.OpenFast();
        for (int position = 0; position < tokens.Length; position++)
        {
            float[] expected = fast.Forward(tokens[position], position).ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(result.Logits(position)), $"{family}: the logits at position {position} differ from CpuSession.Forward's");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void TopTokensAtEachTemperatureMatchTheReference(string family)
    {
        InspectionCase inspection = InspectionCase.For(family);
        int[] tokens = inspection.Tokens(9, seed: 9);
        (double[][] logits, _) = inspection.Reference(tokens);
        InspectionResult result = inspection.OpenInspecting().Inspect(tokens);
        foreach (double temperature in new[] { 0.5, 1.0, 2.0 })
        {
            double[] expected = Softmax(logits[^1], temperature);
            TokenProbability[] top = result.TopTokens(temperature, count: 5);
            Assert.Equal(5, top.Length);
            for (int i = 0; i < top.Length; i++)
            {
                Assert.True(Math.Abs(top[i].Probability - expected[top[i].Token]) < ProbabilityTolerance, $"{family} at temperature {temperature}: token {top[i].Token}");
                Assert.True(i == 0 || top[i - 1].Probability >= top[i].Probability);
            }
        }

        // Hotter is flatter: the top token loses probability as the temperature rises.
        Assert.True(result.TopTokens(0.5, 1)[0].Probability > result.TopTokens(1, 1)[0].Probability);
        Assert.True(result.TopTokens(1, 1)[0].Probability > result.TopTokens(2, 1)[0].Probability);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void TheLastLayersLensIsTheModelsOwnDistribution(string family)
    {
        InspectionCase inspection = InspectionCase.For(family);
        InspectionResult result = inspection.OpenInspecting().Inspect(inspection.Tokens(6, seed: 10), lensTokens: 3);
        for (int position = 0; position < 6; position++)
        {
            Assert.Equal(result.TopTokens(position, 1.0, 3), result.LogitLens(inspection.Dims.Layers - 1, position));
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void NearestTokensAreTheMostCosineSimilarEmbeddingRows(string family)
    {
        InspectionCase inspection = InspectionCase.For(family);
        int width = inspection.Dims.DModel;
        float[] embedding = inspection.TokenEmbedding;
        CpuInspectingSessionBase session = inspection.OpenInspecting();
        for (int token = 0; token < inspection.Dims.Vocab; token += 7)
        {
            double[] cosines = Enumerable.Range(0, inspection.Dims.Vocab)
                .Select(other => other == token ? double.NegativeInfinity : Cosine(embedding.AsSpan(token * width, width), embedding.AsSpan(other * width, width)))
                .ToArray();
            TokenSimilarity[] nearest = session.NearestTokens(token, 5);
            Assert.Equal(5, nearest.Length);
            double[] expectedTop = cosines.OrderByDescending(c => c).Take(5).ToArray();
            for (int i = 0; i < nearest.Length; i++)
            {
                Assert.NotEqual(token, nearest[i].Token);
                Assert.Equal(cosines[nearest[i].Token], nearest[i].Similarity, 12);
                Assert.Equal(expectedTop[i], nearest[i].Similarity, 6);
            }
        }
    }

    [Fact]
    public void BadPromptsAndArgumentsAreRefusedWithTheLimitNamed()
    {
        InspectionCase inspection = InspectionCase.For("Llama");
        CpuInspectingSessionBase session = inspection.OpenInspecting();
        int context = inspection.Dims.Context;
        Assert.Throws<ArgumentException>(() => session.Inspect(ReadOnlySpan<int>.Empty));
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => session.Inspect(new int[context + 1]));
        Assert.Contains($"Context of {context}", tooLong.Message);
        var unknown = Assert.Throws<ArgumentOutOfRangeException>(() => session.Inspect(new[] { 1, inspection.Dims.Vocab }));
        Assert.Contains($"token ids run from 0 to {inspection.Dims.Vocab - 1}", unknown.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Inspect(new[] { 1 }, lensTokens: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.NearestTokens(-1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.NearestTokens(0, 0));

        InspectionResult result = session.Inspect(new[] { 1, 2 });
        Assert.Throws<ArgumentOutOfRangeException>(() => result.TopTokens(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => result.TopTokens(double.NaN, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => result.Attention(inspection.Dims.Layers, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => result.LogitLens(0, 2));
    }

    [Fact]
    public void EachInspectionStartsANewSequence()
    {
        InspectionCase inspection = InspectionCase.For("Gpt2");
        CpuInspectingSessionBase session = inspection.OpenInspecting();
        int[] tokens = inspection.Tokens(7, seed: 11);
        InspectionResult first = session.Inspect(tokens);
        session.Inspect(inspection.Tokens(12, seed: 12));
        InspectionResult again = session.Inspect(tokens);
        Assert.True(first.Logits(6).SequenceEqual(again.Logits(6)));
        Assert.Equal(first.Attention(1, 2), again.Attention(1, 2));
    }

    private static void AssertRelative(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= NormTolerance * Math.Abs(expected), $"{what}: {actual}, reference {expected}");

    private static double[] Softmax(double[] logits, double temperature)
    {
        double max = logits.Max();
        double[] exps = logits.Select(l => Math.Exp((l - max) / temperature)).ToArray();
        double total = exps.Sum();
        return exps.Select(e => e / total).ToArray();
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(aa * bb);
    }
}
