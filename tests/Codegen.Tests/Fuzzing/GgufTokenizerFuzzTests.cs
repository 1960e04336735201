using Codegen.Formats.Gguf;
using Codegen.Tests.Formats.Gguf;
using Codegen.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated GGUF files holding only tokenizer metadata through <see cref="GgufTokenizer.Load(string)"/>;
/// a file that loads encodes and decodes a short text, whose ids must be inside the vocabulary.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class GgufTokenizerFuzzTests(ITestOutputHelper output)
{
    /// <summary>A small "llama" vocabulary: unknown, BOS, EOS, byte tokens, pieces with U+2581, a user-defined token.</summary>
    private static readonly Seed SpmVocabulary = new("built: \"llama\" tokenizer, 16 tokens", BuildSpm());

    /// <summary>A small "gpt2" vocabulary with merges and pre-tokenizer "llama-bpe".</summary>
    private static readonly Seed BpeVocabulary = new("built: \"gpt2\" tokenizer, llama-bpe, 10 tokens, 4 merges", BuildBpe());

    [Fact]
    public void SpmVocabularyLoadsOrFailsWithATypedError()
    {
        var target = new FuzzTarget(
            "GGUF tokenizer (GgufTokenizer.Load, \"llama\")", "spm.gguf", FuzzTarget.NoCompanions,
            path => TokenizerUse.EncodeAndDecode(GgufTokenizer.Load(path)));

        FuzzDriver.Run(target, GgufCases.Systematic(SpmVocabulary, fieldLimit: 1000), random => GgufCases.Random(SpmVocabulary, random), output);
    }

    [Fact]
    public void BpeVocabularyLoadsOrFailsWithATypedError()
    {
        var target = new FuzzTarget(
            "GGUF tokenizer (GgufTokenizer.Load, \"gpt2\")", "bpe.gguf", FuzzTarget.NoCompanions,
            path => TokenizerUse.EncodeAndDecode(GgufTokenizer.Load(path)));

        FuzzDriver.Run(target, GgufCases.Systematic(BpeVocabulary, fieldLimit: 1000), random => GgufCases.Random(BpeVocabulary, random), output);
    }

    private static byte[] BuildSpm()
    {
        string[] tokens =
        {
            "<unk>", "<s>", "</s>", "<0x0A>", "<0xC3>", "<0xBC>", "<0xF0>", "\u2581", "a", "e", "n", "t", "\u2581a", "\u2581t", "an", "<|user|>",
        };
        return new GgufBuilder()
            .AddString("tokenizer.ggml.model", "llama")
            .AddStringArray("tokenizer.ggml.tokens", tokens)
            .AddFloat32Array("tokenizer.ggml.scores", new float[] { 0, 0, 0, 0, 0, 0, 0, -1, -2, -3, -4, -5, -6, -7, -8, 0 })
            .AddInt32Array("tokenizer.ggml.token_type", new[] { 2, 3, 3, 6, 6, 6, 6, 1, 1, 1, 1, 1, 1, 1, 1, 4 })
            .AddUInt32("tokenizer.ggml.bos_token_id", 1)
            .AddUInt32("tokenizer.ggml.eos_token_id", 2)
            .AddUInt32("tokenizer.ggml.unknown_token_id", 0)
            .AddBool("tokenizer.ggml.add_space_prefix", true)
            .Build();
    }

    private static byte[] BuildBpe()
    {
        string[] tokens = { "a", "n", "t", "\u0120", "\u0120a", "an", "\u0120an", "ant", "<|begin_of_text|>", "<|eot_id|>" };
        return new GgufBuilder()
            .AddString("tokenizer.ggml.model", "gpt2")
            .AddString("tokenizer.ggml.pre", "llama-bpe")
            .AddStringArray("tokenizer.ggml.tokens", tokens)
            .AddInt32Array("tokenizer.ggml.token_type", new[] { 1, 1, 1, 1, 1, 1, 1, 1, 3, 3 })
            .AddStringArray("tokenizer.ggml.merges", new[] { "\u0120 a", "a n", "\u0120a n", "an t" })
            .AddUInt32("tokenizer.ggml.bos_token_id", 8)
            .AddUInt32("tokenizer.ggml.eot_token_id", 9)
            .Build();
    }
}
