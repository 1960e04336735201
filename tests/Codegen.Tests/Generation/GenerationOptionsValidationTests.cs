using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.Generation;

/// <summary>Every new option out of range is refused with a message that names it and its value.</summary>
public sealed class GenerationOptionsValidationTests
{
    public static TheoryData<string, GenerationOptions, string> BadOptions() => new()
    {
        { "MinP", new GenerationOptions { MinP = -0.1f }, (-0.1f).ToString() },
        { "MinP", new GenerationOptions { MinP = 1.5f }, 1.5f.ToString() },
        { "MinP", new GenerationOptions { MinP = float.NaN }, float.NaN.ToString() },
        { "RepetitionPenalty", new GenerationOptions { RepetitionPenalty = 0 }, "0" },
        { "RepetitionPenalty", new GenerationOptions { RepetitionPenalty = -1.2f }, (-1.2f).ToString() },
        { "RepetitionPenalty", new GenerationOptions { RepetitionPenalty = float.PositiveInfinity }, float.PositiveInfinity.ToString() },
        { "RepetitionPenalty", new GenerationOptions { RepetitionPenalty = float.NaN }, float.NaN.ToString() },
        { "FrequencyPenalty", new GenerationOptions { FrequencyPenalty = float.NaN }, float.NaN.ToString() },
        { "FrequencyPenalty", new GenerationOptions { FrequencyPenalty = float.NegativeInfinity }, float.NegativeInfinity.ToString() },
        { "PresencePenalty", new GenerationOptions { PresencePenalty = float.PositiveInfinity }, float.PositiveInfinity.ToString() },
        { "PenaltyWindow", new GenerationOptions { PenaltyWindow = -2 }, "-2" },
        { "LogitBias", new GenerationOptions { LogitBias = new Dictionary<int, float> { [4] = float.NaN } }, "token 4" },
        { "LogitBias", new GenerationOptions { LogitBias = new Dictionary<int, float> { [-3] = 1 } }, "token -3" },
        { "LogitBias", new GenerationOptions { LogitBias = null! }, "null" },
        { "StopStrings", new GenerationOptions { StopStrings = null! }, "null" },
        { "StopStrings", new GenerationOptions { StopStrings = new[] { "a", "" } }, "StopStrings[1] is empty" },
        { "StopStrings", new GenerationOptions { StopStrings = new[] { null!, "b" } }, "StopStrings[0] is null" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ABadOptionIsRefusedNamingItAndItsValue(string name, GenerationOptions options, string value)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.StartsWith(name, error.Message);
        Assert.Equal(name, error.ParamName);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void TheDefaultsAndTheEdgesOfEveryRangeAreAccepted()
    {
        new GenerationOptions().Validate();
        new GenerationOptions { MinP = 0, RepetitionPenalty = 1e-6f, FrequencyPenalty = -2, PresencePenalty = -2, PenaltyWindow = -1 }.Validate();
        new GenerationOptions { MinP = 1, RepetitionPenalty = 100, FrequencyPenalty = 2, PresencePenalty = 2, PenaltyWindow = 0 }.Validate();
        new GenerationOptions { LogitBias = new Dictionary<int, float> { [0] = -100, [9] = 100 }, StopStrings = new[] { "\n\n" } }.Validate(10);
    }

    [Fact]
    public void ALogitBiasTokenOutsideTheVocabularyIsRefusedWhenTheLoopStarts()
    {
        using var session = new FixedLogitsSession(64, new float[16]);
        var options = new GenerationOptions { LogitBias = new Dictionary<int, float> { [3] = 1, [16] = 5 } };

        var error = Assert.Throws<ArgumentException>(() => TextGeneration.Generate(session, new[] { 1 }, options));
        var textError = Assert.Throws<ArgumentException>(() =>
            TextGeneration.GenerateText(session, new FakeTokenizer(Enumerable.Repeat("x", 16).ToArray()), new[] { 1 }, options));

        Assert.Equal("LogitBias names token 16, outside the vocabulary (0 to 15).", error.Message.Split(" (Parameter")[0]);
        Assert.Equal(error.Message, textError.Message);
        Assert.Throws<ArgumentException>(() => new Sampler(16, options));
    }

    [Fact]
    public void TheLoopRefusesBadNewOptionsBeforeRunning()
    {
        using var session = new FixedLogitsSession(64, new float[16]);

        var error = Assert.Throws<ArgumentException>(() => TextGeneration.Generate(session, new[] { 1 }, new GenerationOptions { MinP = 2 }));

        Assert.StartsWith("MinP must be in [0, 1]", error.Message);
    }
}
