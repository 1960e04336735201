using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// Generated models of both families against independent float64 PyTorch forward passes
/// (tests/golden/*.py): logits at every prompt position and the greedy continuation. The "hf/" models are
/// declared from Hugging Face configs and loaded from Hugging Face folders (tests/golden/hf_families.py):
/// Llama (grouped heads; all four biases with llama3 scaling and BF16 shards; linear scaling), Mistral with
/// a sliding window, Qwen2 with query/key/value biases, Phi-3 with fused tensors. Their reference rotates
/// Hugging Face's way (dimension i with i + HeadDim / 2); the kernels rotate adjacent pairs after the loader
/// reorders the query and key rows.
/// </summary>
public sealed class GoldenLogitsTests
{
    private const double Tolerance = 1e-4;

    private static string Golden(params string[] parts) => Path.Combine(new[] { AppContext.BaseDirectory, "Golden" }.Concat(parts).ToArray());

    public static IEnumerable<object[]> Models() => new[]
    {
        new object[] { "gpt2-tiny" },
        new object[] { "gpt2-odd" },
        new object[] { "llama-odd-gqa" },
        new object[] { "llama-odd-separate" },
        new object[] { "hf/llama-hf" },
        new object[] { "hf/llama-hf-bias-bf16-sharded" },
        new object[] { "hf/llama-linear" },
        new object[] { "hf/mistral-window" },
        new object[] { "hf/qwen2" },
        new object[] { "hf/phi3" },
    };

    /// <summary>A model's golden file: Golden/&lt;model&gt;-logits.txt, or Golden/hf/&lt;name&gt;/&lt;name&gt;-logits.txt beside a Hugging Face folder.</summary>
    internal static IReadOnlyList<GoldenPrompt> GoldenOf(string model) =>
        GoldenLogits.Read(model.StartsWith("hf/", StringComparison.Ordinal) ? $"{model}/{model[3..]}-logits.txt" : $"{model}-logits.txt");

    private static IInferenceSession Open(string model) => model switch
    {
        "gpt2-tiny" => Gpt2Tiny.Load(TestModels.Path("gpt2-tiny", "model.safetensors")).CreateSession(),
        "gpt2-odd" => Gpt2Odd.Load(Golden("gpt2-odd")).CreateSession(),
        "llama-odd-gqa" => LlamaOddGqa.Load(Golden("llama-odd-gqa.bin")).CreateSession(),
        "llama-odd-separate" => LlamaOddSeparate.Load(Golden("llama-odd-separate.bin")).CreateSession(),
        "hf/llama-hf" => HfLlama.Load(Golden(model)).CreateSession(),
        "hf/llama-hf-bias-bf16-sharded" => HfLlamaBiasScaled.Load(Golden(model)).CreateSession(),
        "hf/llama-linear" => HfLlamaLinear.Load(Golden(model)).CreateSession(),
        "hf/mistral-window" => HfMistralWindow.Load(Golden(model)).CreateSession(),
        "hf/qwen2" => HfQwen2.Load(Golden(model)).CreateSession(),
        "hf/phi3" => HfPhi3.Load(Golden(model)).CreateSession(),
        _ => throw new ArgumentException(model),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void LogitsMatchTheReferenceAtEveryPosition(string model)
    {
        using IInferenceSession session = Open(model);
        foreach (GoldenPrompt golden in GoldenOf(model))
        {
            session.Reset();
            for (int position = 0; position < golden.Prompt.Length; position++)
            {
                ReadOnlySpan<float> logits = session.Forward(golden.Prompt[position], position);
                double error = GoldenLogits.RelativeError(golden.Logits[position], logits);
                Assert.True(error < Tolerance, $"{model}, prompt of {golden.Prompt.Length}, position {position}: relative error {error:E2}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PrefillLogitsMatchTheReference(string model)
    {
        using IInferenceSession session = Open(model);
        foreach (GoldenPrompt golden in GoldenOf(model))
        {
            session.Reset();
            ReadOnlySpan<float> logits = session.Prefill(golden.Prompt, 0);
            double error = GoldenLogits.RelativeError(golden.Logits[^1], logits);
            Assert.True(error < Tolerance, $"{model}, prompt of {golden.Prompt.Length}: relative error {error:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void GreedyIdsMatchTheReference(string model)
    {
        using IInferenceSession session = Open(model);
        foreach (GoldenPrompt golden in GoldenOf(model))
        {
            var options = GenerationOptions.Greedy with { MaxNewTokens = golden.Greedy.Length };
            int[] actual = TextGeneration.Generate(session, golden.Prompt, options).ToArray();
            Assert.Equal(golden.Greedy, actual);
        }
    }

    [Fact]
    public void AShorterContextReadsTheFirstPositionsOfTheTable()
    {
        using var full = Gpt2Odd.Load(Golden("gpt2-odd")).CreateSession();
        using var shorter = Gpt2OddShortContext.Load(Golden("gpt2-odd", "model.safetensors")).CreateSession();
        for (int position = 0; position < 20; position++)
        {
            Assert.Equal(full.Forward(position + 3, position).ToArray(), shorter.Forward(position + 3, position).ToArray());
        }
    }

    [Fact]
    public void Bf16WeightsGiveNearlyTheSameLogits()
    {
        using var f32 = Gpt2Odd.Load(Golden("gpt2-odd", "model.safetensors")).CreateSession();
        using var bf16 = Gpt2Odd.Load(Golden("gpt2-odd", "model-bf16.safetensors")).CreateSession();
        for (int position = 0; position < 12; position++)
        {
            float[] expected = f32.Forward(position * 7 % 113, position).ToArray();
            double error = GoldenLogits.RelativeError(expected, bf16.Forward(position * 7 % 113, position));
            Assert.True(error is > 0 and < 0.02, $"position {position}: relative error {error:E2}");
        }
    }
}
