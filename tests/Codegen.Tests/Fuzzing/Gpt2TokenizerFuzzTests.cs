using System.Collections.Generic;
using System.IO;
using Codegen.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated GPT-2 vocab.json and merges.txt (each beside the other's valid gpt2-tiny file) through
/// <see cref="Gpt2Tokenizer.Load(string)"/>; a pair that loads encodes and decodes a short text.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class Gpt2TokenizerFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void VocabularyLoadsOrFailsWithATypedError()
    {
        Seed seed = FuzzSeeds.Gpt2TinyVocabulary;
        var target = new FuzzTarget(
            "vocab.json (Gpt2Tokenizer.Load)",
            "vocab.json",
            new Dictionary<string, byte[]> { ["merges.txt"] = FuzzSeeds.Gpt2TinyMerges.Bytes },
            path => TokenizerUse.EncodeAndDecode(Gpt2Tokenizer.Load(Path.GetDirectoryName(path)!)));

        FuzzDriver.Run(target, JsonFileCases.Systematic(seed, pathLimit: 40), random => JsonFileCases.Random(seed, random), output);
    }

    [Fact]
    public void MergesLoadOrFailWithATypedError()
    {
        Seed seed = FuzzSeeds.Gpt2TinyMerges;
        var target = new FuzzTarget(
            "merges.txt (Gpt2Tokenizer.Load)",
            "merges.txt",
            new Dictionary<string, byte[]> { ["vocab.json"] = FuzzSeeds.Gpt2TinyVocabulary.Bytes },
            path => TokenizerUse.EncodeAndDecode(Gpt2Tokenizer.Load(Path.GetDirectoryName(path)!)));

        FuzzDriver.Run(target, MergesCases.Systematic(seed), random => MergesCases.Random(seed, random), output);
    }
}
