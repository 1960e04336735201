using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// The "gpt2" (byte-level BPE) tokenizer of a GGUF file: Llama 3.2's vocabulary written into a GGUF
/// file with pre-tokenizer "llama-bpe", against llama.cpp's llama-bpe test vectors.
/// </summary>
public sealed class GgufBpeTokenizerTests
{
    private static readonly Lazy<GgufBpeTokenizer> Llama3 = new(() => (GgufBpeTokenizer)GgufTokenizer.Load(Llama3GgufVocabulary.Path));

    [Fact]
    public void EveryLlamaCppTestVectorMatches()
    {
        IReadOnlyList<(string Text, int[] Ids)> vectors = LlamaCppTestVectors.Read("llama-bpe");
        Assert.Equal(46, vectors.Count);

        var mismatches = new List<string>();
        foreach ((string text, int[] expected) in vectors)
        {
            int[] actual = Llama3.Value.Encode(text, addBos: false);
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
        GgufBpeTokenizer tokenizer = Llama3.Value;

        Assert.Equal(128010, tokenizer.VocabularySize);
        Assert.Equal(128000, tokenizer.BosToken);
        Assert.Equal(128001, tokenizer.EosToken);
        Assert.Equal(new[] { 128001, 128009, 128008 }, tokenizer.StopTokens);
        Assert.True(tokenizer.AddsBos);
        Assert.Equal(128000, tokenizer.Encode("Hello", addBos: true)[0]);
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData("  two spaces\n\nand lines\r\n")]
    [InlineData("Äpfel, 🦙 and 自然言語処理 3333333")]
    public void DecodeGivesBackTheText(string text)
    {
        GgufBpeTokenizer tokenizer = Llama3.Value;

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addBos: true)));
    }

    [Fact]
    public void ControlTokenNamesAreEncodedAsPlainText()
    {
        int[] tokens = Llama3.Value.Encode("<|eot_id|>", addBos: false);

        Assert.True(tokens.Length > 1);
        Assert.All(tokens, token => Assert.True(token < 128000));
        Assert.Equal("<|eot_id|>", Llama3.Value.Decode(tokens));
    }
}
