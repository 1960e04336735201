using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// What the Hugging Face models do besides matching their references (the references themselves are in
/// <see cref="GoldenLogitsTests"/>): a GPT-2 config declares the same model as its sizes, Q8 weights stay close,
/// a model with biases refuses files that hold none, and a folder of another shape is refused by its config.
/// </summary>
public sealed class HuggingFaceGoldenTests
{
    /// <summary>The Hugging Face cases of <see cref="GoldenLogitsTests"/>, by their folder names under Golden/hf.</summary>
    public static IEnumerable<object[]> Cases() => GoldenLogitsTests.Models()
        .Select(row => (string)row[0])
        .Where(model => model.StartsWith("hf/", StringComparison.Ordinal))
        .Select(model => new object[] { model[3..] });

    internal static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "hf", name);

    internal static IReadOnlyList<GoldenPrompt> Golden(string name) => GoldenLogitsTests.GoldenOf("hf/" + name);

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
