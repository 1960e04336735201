using System;
using System.IO;
using System.Linq;
using Codegen.Inspection;
using Codegen.Tests.EndToEnd;
using Xunit;

namespace Codegen.Tests.Inspection;

/// <summary>
/// The inspecting session of the golden models (weights written by tests/golden/*.py) against the PyTorch float64
/// reference's attention probabilities and logit lens; and a sliding window's attention, zero outside the window.
/// </summary>
public sealed class GoldenInspectionTests
{
    private const double ProbabilityTolerance = 2e-5;

    private static string Golden(params string[] parts) => Path.Combine(new[] { AppContext.BaseDirectory, "Golden" }.Concat(parts).ToArray());

    [Theory]
    [InlineData("llama-odd-gqa")]
    [InlineData("gpt2-odd")]
    public void AttentionAndLogitLensMatchThePyTorchReference(string model)
    {
        (CpuInspectingSessionBase session, int layers, int heads) = model == "gpt2-odd"
            ? (Gpt2Odd.Load(Golden("gpt2-odd")).CreateInspectingSession(), Gpt2Odd.Layers, Gpt2Odd.Heads)
            : ((CpuInspectingSessionBase)LlamaOddGqa.Load(Golden("llama-odd-gqa.bin")).CreateInspectingSession(), LlamaOddGqa.Layers, LlamaOddGqa.Heads);
        GoldenInspection golden = GoldenInspection.Read($"{model}-inspection.txt", layers, heads);
        const int lensTokens = 5;
        InspectionResult result = session.Inspect(golden.Prompt, lensTokens);
        int count = golden.Prompt.Length;
        double worst = 0;
        for (int layer = 0; layer < layers; layer++)
        {
            for (int head = 0; head < heads; head++)
            {
                float[,] actual = result.Attention(layer, head);
                for (int query = 0; query < count; query++)
                {
                    for (int key = 0; key < count; key++)
                    {
                        worst = Math.Max(worst, Math.Abs(actual[query, key] - golden.Attention[layer][head][query, key]));
                    }
                }
            }

            for (int position = 0; position < count; position++)
            {
                double[] expected = Softmax(golden.LensLogits[layer][position]);
                double[] expectedTop = expected.OrderByDescending(p => p).Take(lensTokens).ToArray();
                var lens = result.LogitLens(layer, position);
                for (int i = 0; i < lensTokens; i++)
                {
                    string what = $"{model} lens, layer {layer}, position {position}, rank {i}";
                    Assert.True(Math.Abs(lens[i].Probability - expected[lens[i].Token]) < ProbabilityTolerance, $"{what}: {lens[i].Probability} for token {lens[i].Token}, reference {expected[lens[i].Token]}");
                    Assert.True(Math.Abs(lens[i].Probability - expectedTop[i]) < ProbabilityTolerance, $"{what}: the reference's rank {i} has {expectedTop[i]}");
                }
            }
        }

        Assert.True(worst < ProbabilityTolerance, $"{model}: largest attention probability error {worst:E2}");
    }

    [Fact]
    public void ASlidingWindowsAttentionIsZeroOutsideTheWindowAndTheLogitsAreTheFastSessions()
    {
        HfMistralWindow model = HfMistralWindow.Load(Golden("hf", "mistral-window"));
        int[] tokens = Enumerable.Range(0, HfMistralWindow.Context).Select(i => (i * 37) % HfMistralWindow.Vocab).ToArray();
        InspectionResult result = model.CreateInspectingSession().Inspect(tokens);
        using IInferenceSession fast = model.CreateSession();
        int window = HfMistralWindow.Shape.AttentionWindow;
        Assert.True(window < tokens.Length);
        for (int query = 0; query < tokens.Length; query++)
        {
            Assert.True(fast.Forward(tokens[query], query).SequenceEqual(result.Logits(query)), $"logits at position {query}");
            for (int layer = 0; layer < HfMistralWindow.Layers; layer++)
            {
                for (int head = 0; head < HfMistralWindow.Heads; head++)
                {
                    float[,] weights = result.Attention(layer, head);
                    double sum = 0;
                    for (int key = 0; key < tokens.Length; key++)
                    {
                        bool visible = key <= query && key > query - window;
                        Assert.True(visible || weights[query, key] == 0, $"layer {layer} head {head}: query {query} gives key {key} weight {weights[query, key]} outside its window");
                        sum += weights[query, key];
                    }

                    Assert.True(Math.Abs(sum - 1) < 1e-6, $"layer {layer} head {head} query {query}: the row sums to {sum}");
                }
            }
        }
    }

    private static double[] Softmax(double[] logits)
    {
        double max = logits.Max();
        double[] exps = logits.Select(l => Math.Exp(l - max)).ToArray();
        double total = exps.Sum();
        return exps.Select(e => e / total).ToArray();
    }
}
