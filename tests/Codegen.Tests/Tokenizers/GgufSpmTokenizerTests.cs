using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Tests.Formats.Gguf;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// The "llama" (SentencePiece-style) tokenizer of a GGUF file: the full Llama 2 vocabulary of
/// <c>llama-2-tiny-random.gguf</c> against llama.cpp's own test vectors for that vocabulary.
/// </summary>
public sealed class GgufSpmTokenizerTests
{
    private static readonly Lazy<GgufSpmTokenizer> Llama2 =
        new(() => (GgufSpmTokenizer)GgufTokenizer.Load(TestModels.Path("gguf-tiny-random", "llama-2-tiny-random.gguf")));

    [Fact]
    public void EveryLlamaCppTestVectorMatches()
    {
        IReadOnlyList<(string Text, int[] Ids)> vectors = LlamaCppTestVectors.Read("llama-spm");
        Assert.Equal(46, vectors.Count);

        var mismatches = new List<string>();
        foreach ((string text, int[] expected) in vectors)
        {
            int[] actual = Llama2.Value.Encode(text, addBos: false);
            if (!actual.SequenceEqual(expected))
            {
                mismatches.Add($"\"{text}\": expected [{string.Join(' ', expected)}], got [{string.Join(' ', actual)}]");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {vectors.Count} differ:\n" + string.Join('\n', mismatches));
    }

    [Fact]
    public void SpecialTokensComeFromTheMetadata()
    {
        GgufSpmTokenizer tokenizer = Llama2.Value;

        Assert.Equal(32000, tokenizer.VocabularySize);
        Assert.Equal(1, tokenizer.BosToken);
        Assert.Equal(2, tokenizer.EosToken);
        Assert.Contains(2, tokenizer.StopTokens);
        Assert.True(tokenizer.AddsBos);
        Assert.Equal(new[] { 1, 15043, 3186 }, tokenizer.Encode("Hello world", addBos: true));
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData(" leading space and  two")]
    [InlineData("line\nbreaks\tand tabs")]
    [InlineData("Äpfel, 🦙 and 自然言語処理")]
    [InlineData("\u0001 control byte")]
    public void DecodeGivesBackTheText(string text)
    {
        GgufSpmTokenizer tokenizer = Llama2.Value;

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addBos: true)));
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addBos: false)));
    }

    [Fact]
    public void ControlTokenNamesAreEncodedAsPlainText()
    {
        int[] tokens = Llama2.Value.Encode("<s>hi</s>", addBos: false);

        Assert.DoesNotContain(1, tokens);
        Assert.DoesNotContain(2, tokens);
        Assert.Equal("<s>hi</s>", Llama2.Value.Decode(tokens));
    }

    [Fact]
    public void ByteTokensAndControlTokensDecode()
    {
        GgufSpmTokenizer tokenizer = Llama2.Value;

        Assert.Equal("", tokenizer.Decode(-1, 0)); // <unk>
        Assert.Equal("", tokenizer.Decode(-1, 1)); // <s>
        Assert.Equal("", tokenizer.Decode(-1, 2)); // </s>
        Assert.Equal("\n", tokenizer.Decode(5, 13)); // <0x0A>
        Assert.Equal(" world", tokenizer.Decode(15043, 3186)); // ▁world after ▁Hello keeps its space
        Assert.Equal("world", tokenizer.Decode(1, 3186)); // after BOS the dummy prefix is dropped
    }

    [Fact]
    public void UserDefinedTokensAreMatchedWholeAndThePrefixSpaceFollowsThem()
    {
        string[] tokens = { "<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "<|user|>", "<0x62>" };
        var builder = new GgufBuilder()
            .AddString("tokenizer.ggml.model", "llama")
            .AddStringArray("tokenizer.ggml.tokens", tokens)
            .AddFloat32Array("tokenizer.ggml.scores", new float[] { 0, 0, 0, -1, -2, -3, -1, 0, 0 })
            .AddInt32Array("tokenizer.ggml.token_type", new[] { 2, 3, 3, 1, 1, 1, 1, 4, 6 });

        ITokenizer tokenizer = GgufTokenizerLoadErrorTests.Load(builder);
        int[] ids = tokenizer.Encode("a<|user|>a<s>", addBos: true);

        // BOS, "▁a", <|user|>, then "▁a" again (a dummy prefix after the user-defined token), and
        // "<s>" as plain text: '<' and 's' and '>' are not tokens, so their bytes ('s' has no byte
        // token either, so the unknown token's id 0 stands for it).
        Assert.Equal(new[] { 1, 6, 7, 6, 0, 0, 0 }, ids);
        Assert.Equal("a<|user|> a", tokenizer.Decode(ids));
    }

    [Fact]
    public void Stories260KGgufEncodesAsTheLlama2cTokenizerOfItsSourceFile()
    {
        // llama.cpp's llama2.c converter wrote stories260K.gguf's tokenizer from tok512.bin; llama2.c's
        // run.c and llama.cpp merge by the same rule, so both give the same ids.
        ITokenizer fromGguf = GgufTokenizer.Load(TestModels.Path("stories260K", "stories260K.gguf"));
        Llama2cTokenizer fromTok512 = Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), 512);

        Assert.Equal(512, fromGguf.VocabularySize);
        IEnumerable<string> texts = TokenizerTestTexts.LlamaCppTestStrings()
            .Append(TokenizerTestTexts.Story())
            .Concat(TokenizerTestTexts.Random(seed: 11, count: 300, maxFragments: 12));
        foreach (string text in texts)
        {
            Assert.Equal(fromTok512.Encode(text, addBos: true), fromGguf.Encode(text, addBos: true));
        }
    }

    [Fact]
    public void MergeLookupsGrowLinearly()
    {
        string text = string.Concat(Enumerable.Repeat("the quick brown fox ", 500));

        Llama2.Value.Encode(text, addBos: false, out int lookups);

        Assert.InRange(lookups, text.Length - 1, 3 * (text.Length + 1));
    }
}
