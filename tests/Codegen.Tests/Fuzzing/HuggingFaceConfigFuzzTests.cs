using System.Collections.Generic;
using System.IO;
using Codegen.Formats;
using Codegen.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated config.json files beside the real gpt2-tiny weights: the generated loader reads the
/// config (<see cref="HuggingFaceConfig.TryLoadBeside"/>) and checks it against the declared shape;
/// a model that loads runs one forward step.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class HuggingFaceConfigFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Gpt2TinyConfigLoadsOrFailsWithATypedError()
    {
        Seed seed = FuzzSeeds.Gpt2TinyConfig;
        var target = new FuzzTarget(
            "config.json (HuggingFaceConfig through Gpt2Tiny.Load)",
            HuggingFaceConfig.FileName,
            new Dictionary<string, byte[]> { ["model.safetensors"] = FuzzSeeds.Gpt2TinyWeights.Bytes },
            path => ForwardStep.NonFiniteLogits(Gpt2Tiny.Load(Path.GetDirectoryName(path)!).CreateSession(), token: 0));

        FuzzDriver.Run(target, JsonFileCases.Systematic(seed, pathLimit: 60), random => JsonFileCases.Random(seed, random), output);
    }
}
