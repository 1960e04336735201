using Codegen.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated llama2.c checkpoints through the generated loaders, whose header checks compare every
/// field with the declared shape; a checkpoint that loads runs one forward step, whose logits must be finite.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class Llama2cCheckpointFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Stories260KCheckpointLoadsOrFailsWithATypedError()
    {
        Seed seed = FuzzSeeds.Stories260KCheckpoint;
        var target = new FuzzTarget(
            "llama2.c checkpoint (Stories260KModel.Load)",
            "stories260K.bin",
            FuzzTarget.NoCompanions,
            path => ForwardStep.NonFiniteLogits(Stories260KModel.Load(path).CreateSession(), token: 1));

        FuzzDriver.Run(target, Llama2cCheckpointCases.Systematic(seed), random => Llama2cCheckpointCases.Random(seed, random), output);
    }

    [Fact]
    public void OddGroupedQueryCheckpointLoadsOrFailsWithATypedError()
    {
        Seed seed = FuzzSeeds.LlamaOddGqaCheckpoint;
        var target = new FuzzTarget(
            "llama2.c checkpoint (LlamaOddGqa.Load)",
            "llama-odd-gqa.bin",
            FuzzTarget.NoCompanions,
            path => ForwardStep.NonFiniteLogits(LlamaOddGqa.Load(path).CreateSession(), token: 1));

        FuzzDriver.Run(target, Llama2cCheckpointCases.Systematic(seed), random => Llama2cCheckpointCases.Random(seed, random), output);
    }

    [Fact]
    public void SeparateClassifierCheckpointLoadsOrFailsWithATypedError()
    {
        Seed seed = FuzzSeeds.LlamaOddSeparateCheckpoint;
        var target = new FuzzTarget(
            "llama2.c checkpoint (LlamaOddSeparate.Load, separate classifier)",
            "llama-odd-separate.bin",
            FuzzTarget.NoCompanions,
            path => ForwardStep.NonFiniteLogits(LlamaOddSeparate.Load(path).CreateSession(), token: 1));

        FuzzDriver.Run(target, Llama2cCheckpointCases.Systematic(seed), random => Llama2cCheckpointCases.Random(seed, random), output);
    }
}
