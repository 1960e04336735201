using System.Collections.Generic;
using System.IO;
using Codegen.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated tokenizer.json files (the tiny GPT-2's real one, byte-level BPE with an added token and
/// ByteLevel pre-tokenizer, post-processor and decoder) through <see cref="HuggingFaceTokenizer.Load(string)"/>;
/// a file that loads encodes and decodes a short text.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class HuggingFaceTokenizerFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void TokenizerJsonLoadsOrFailsWithATypedError()
    {
        var seed = new Seed("shared: gpt2-tiny/tokenizer.json", File.ReadAllBytes(TestModels.Path("gpt2-tiny", "tokenizer.json")));
        var target = new FuzzTarget(
            "tokenizer.json (HuggingFaceTokenizer.Load)",
            "tokenizer.json",
            new Dictionary<string, byte[]>(),
            path => TokenizerUse.EncodeAndDecode(HuggingFaceTokenizer.Load(path)));

        FuzzDriver.Run(target, JsonFileCases.Systematic(seed, pathLimit: 60), random => JsonFileCases.Random(seed, random), output);
    }
}
