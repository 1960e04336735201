using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// Models declared from Hugging Face configs, loaded from Hugging Face folders, against independent float64
/// PyTorch forwards written from each family's definition (tests/golden/hf_families.py): logits at every prompt
/// position, prefill, and the greedy continuation. The reference rotates Hugging Face's way (dimension i with
/// i + HeadDim / 2); the generated kernels rotate adjacent pairs after the loader reorders the query and key rows.
/// </summary>
public sealed class HuggingFaceGoldenTests
{
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { "llama-hf" },
        new object[] { "llama-hf-bias-bf16-sharded" },
        new object[] { "llama-linear" },
        new object[] { "mistral-window" },
        new object[] { "qwen2" },
        new object[] { "phi3" },
    };

    internal static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "hf", name);

    internal static IReadOnlyList<GoldenPrompt> Golden(string name) => GoldenLogits.Read(Path.Combine("hf", name, name + "-logits.txt"));

    private static IInferenceSession Open(string name) => name switch
    {
        "llama-hf" => HfLlama.Load(Folder(name)).CreateSession(),
        "llama-hf-bias-bf16-sharded" => HfLlamaBiasScaled.Load(Folder(name)).CreateSession(),
        "llama-linear" => HfLlamaLinear.Load(Folder(name)).CreateSession(),
        "mistral-window" => HfMistralWindow.Load(Folder(name)).CreateSession(),
        "qwen2" => HfQwen2.Load(Folder(name)).CreateSession(),
        "phi3" => HfPhi3.Load(Folder(name)).CreateSession(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsMatchTheReferenceAtEveryPosition(string name)
    {
        using IInferenceSession session = Open(name);
        foreach (GoldenPrompt golden in Golden(name))
        {
            session.Reset();
            for (int position = 0; position < golden.Prompt.Length; position++)
            {
                double error = GoldenLogits.RelativeError(golden.Logits[position], session.Forward(golden.Prompt[position], position));
                Assert.True(error < Tolerance, $"{name}, prompt of {golden.Prompt.Length}, position {position}: relative error {error:E2}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PrefillLogitsMatchTheReference(string name)
    {
        using IInferenceSession session = Open(name);
        foreach (GoldenPrompt golden in Golden(name))
        {
            session.Reset();
            double error = GoldenLogits.RelativeError(golden.Logits[^1], session.Prefill(golden.Prompt, 0));
            Assert.True(error < Tolerance, $"{name}, prompt of {golden.Prompt.Length}: relative error {error:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GreedyIdsMatchTheReference(string name)
    {
        using IInferenceSession session = Open(name);
        foreach (GoldenPrompt golden in Golden(name))
        {
            var options = GenerationOptions.Greedy with { MaxNewTokens = golden.Greedy.Length };
            Assert.Equal(golden.Greedy, TextGeneration.Generate(session, golden.Prompt, options).ToArray());
        }
    }

    [Fact]
    public void TheGpt2ConfigDeclaresTheSameModelAsItsSizes()
    {
        using IInferenceSession fromConfig = HfGpt2Odd.Load(Path.Combine(AppContext.BaseDirectory, "Golden", "gpt2-odd")).CreateSession();
        using IInferenceSession fromSizes = Gpt2Odd.Load(Path.Combine(AppContext.BaseDirectory, "Golden", "gpt2-odd")).CreateSession();
        Assert.Equal(Gpt2Odd.FfnDim, HfGpt2Odd.FfnDim);
        Assert.Equal(Gpt2Odd.Context, HfGpt2Odd.Context);
        for (int position = 0; position < 10; position++)
        {
            Assert.Equal(fromSizes.Forward((position * 11) + 3, position).ToArray(), fromConfig.Forward((position * 11) + 3, position).ToArray());
        }
    }

    /// <summary>
    /// The Qwen2 folder read into Q8 projection matrices. These random models amplify weight rounding: BF16
    /// weights move their logits by up to 0.028 of the largest, Q8 weights (and 8-bit inputs) by up to 0.056
    /// (llama-hf) and 0.089 (qwen2), measured 2026-12-05. A misread row, block or bias moves them by their own size.
    /// </summary>
    [Fact]
    public void Q8WeightsStayCloseToTheReference()
    {
        using IInferenceSession session = HfQwen2Q8.Load(Folder("qwen2")).CreateSession();
        GoldenPrompt golden = Golden("qwen2")[^1];
        for (int position = 0; position < golden.Prompt.Length; position++)
        {
            double error = GoldenLogits.RelativeError(golden.Logits[position], session.Forward(golden.Prompt[position], position));
            Assert.True(error is > 0 and < 0.15, $"position {position}: relative error {error:E2}");
        }
    }

    [Fact]
    public void AModelWithBiasesRefusesALlama2cCheckpoint()
    {
        var error = Assert.Throws<ModelLoadException>(() => HfQwen2.Load(TestModels.Path("stories260K", "stories260K.bin")));
        Assert.Contains("biases", error.Message);
    }

    [Fact]
    public void AFolderOfAnotherShapeIsRefusedNamingTheConfigField()
    {
        var error = Assert.Throws<ModelLoadException>(() => HfLlama.Load(Folder("qwen2")));
        Assert.Contains("hidden_size", error.Message);
    }
}
