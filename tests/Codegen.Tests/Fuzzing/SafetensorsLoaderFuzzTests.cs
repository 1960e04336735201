using System.Collections.Generic;
using System.IO;
using Codegen.Formats;
using Codegen.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated safetensors weights through the generated GPT-2 loaders (with the real config.json beside
/// them); weights that load run one forward step, whose logits must be finite, and the file's
/// tensors must cover its data buffer without gaps.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class SafetensorsLoaderFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Gpt2TinyWeightsLoadOrFailWithATypedError()
    {
        Seed seed = FuzzSeeds.Gpt2TinyWeights;
        var target = new FuzzTarget(
            "safetensors (Gpt2Tiny.Load, F32)",
            "model.safetensors",
            new Dictionary<string, byte[]> { ["config.json"] = FuzzSeeds.Gpt2TinyConfig.Bytes },
            path => ForwardStep.NonFiniteLogits(Gpt2Tiny.Load(path).CreateSession(), token: 0) ?? GapInTheFile(path));

        FuzzDriver.Run(target, SafetensorsCases.Systematic(seed, pathLimit: 40), random => SafetensorsCases.Random(seed, random), output);
    }

    [Fact]
    public void Gpt2OddBf16WeightsLoadOrFailWithATypedError()
    {
        Seed seed = FuzzSeeds.Gpt2OddBf16Weights;
        var target = new FuzzTarget(
            "safetensors (Gpt2Odd.Load, BF16)",
            "model.safetensors",
            new Dictionary<string, byte[]> { ["config.json"] = FuzzSeeds.Gpt2OddConfig.Bytes },
            path => ForwardStep.NonFiniteLogits(Gpt2Odd.Load(path).CreateSession(), token: 0) ?? GapInTheFile(path));

        FuzzDriver.Run(target, SafetensorsCases.Systematic(seed, pathLimit: 20), random => SafetensorsCases.Random(seed, random), output);
    }

    private static string? GapInTheFile(string path)
    {
        using SafetensorsFile file = SafetensorsFile.Open(path);
        return SafetensorsLayout.Gap(file);
    }
}
