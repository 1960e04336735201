using Codegen.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>Mutated llama2.c tokenizer files through <see cref="Llama2cTokenizer.Load"/>; a file that loads encodes and decodes a short text.</summary>
[Collection(FuzzCollection.Name)]
public sealed class Llama2cTokenizerFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Tok512LoadsOrFailsWithATypedError()
    {
        Seed seed = FuzzSeeds.Tok512;
        var target = new FuzzTarget(
            "llama2.c tokenizer (Llama2cTokenizer.Load, 512 tokens)",
            "tok512.bin",
            FuzzTarget.NoCompanions,
            path => TokenizerUse.EncodeAndDecode(Llama2cTokenizer.Load(path, 512)));

        FuzzDriver.Run(target, Llama2cTokenizerCases.Systematic(seed), random => Llama2cTokenizerCases.Random(seed, random), output);
    }
}
