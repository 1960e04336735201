using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Codegen.Tests.Formats.Gguf;
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
    public void ALetterOutsideTheBasicPlaneIsALetterToThePreTokenizer()
    {
        // U+1D400 (mathematical bold A, a letter) is F0 9D 90 80 in UTF-8 and two UTF-16 code units.
        // As a letter it stays in one word with the "a" before it, so "a" and its first byte merge;
        // seen as two surrogates (not letters) it would be a word of its own and nothing would merge.
        char Byte(int value) => ByteLevelAlphabet.CharOf((byte)value);
        string[] tokens = { "a", $"{Byte(0xF0)}", $"{Byte(0x9D)}", $"{Byte(0x90)}", $"{Byte(0x80)}", $"a{Byte(0xF0)}" };
        var builder = new GgufBuilder()
            .AddString("tokenizer.ggml.model", "gpt2")
            .AddString("tokenizer.ggml.pre", "llama-bpe")
            .AddStringArray("tokenizer.ggml.tokens", tokens)
            .AddStringArray("tokenizer.ggml.merges", new[] { $"a {Byte(0xF0)}" });

        ITokenizer tokenizer = GgufTokenizerLoadErrorTests.Load(builder);

        Assert.Equal(new[] { 5, 2, 3, 4 }, tokenizer.Encode("a\U0001D400", addBos: false));
    }

    [Fact]
    public void DigitsOutsideTheBasicPlaneGoInThrees()
    {
        Assert.True(BpePreTokenizers.TryGet("llama-bpe", out Regex pattern, out _));

        // U+1D7CF to U+1D7D2, mathematical bold digits 1 to 4: two code units each.
        List<(int Start, int Length)> pieces = CodePointRegexSplitter.Split(pattern, "\U0001D7CF\U0001D7D0\U0001D7D1\U0001D7D2 x");

        Assert.Equal(new[] { (0, 6), (6, 2), (8, 2) }, pieces);
    }

    [Fact]
    public void ControlTokenNamesAreEncodedAsPlainText()
    {
        int[] tokens = Llama3.Value.Encode("<|eot_id|>", addBos: false);

        Assert.True(tokens.Length > 1);
        Assert.All(tokens, token => Assert.True(token < 128000));
        Assert.Equal("<|eot_id|>", Llama3.Value.Decode(tokens));
    }

    /// <summary>
    /// A GGUF "gpt2" tokenizer with pre-tokenizer <paramref name="pre"/>, over Llama 3.2's vocabulary, gives the ids
    /// Hugging Face's own tokenizer gives for the tokenizer.json of that style (the goldens of HuggingFaceTokenizerTests),
    /// on every corpus string that the file's NFC normalizer leaves alone and that names no added token (GGUF
    /// tokenizers read control-token names as text, and llama.cpp does not normalize).
    /// </summary>
    [Theory]
    [InlineData("qwen2", "qwen2-style")]
    [InlineData("llama-bpe", "llama3-style")]
    public void EachPreTokenizerGivesHuggingFacesIdsForItsStyle(string pre, string golden)
    {
        ITokenizer tokenizer = GgufTokenizerLoadErrorTests.Load(Llama3GgufVocabulary.Builder(pre));
        var cases = HuggingFaceGoldens.Read(golden)
            .Where(c => c.Text.Normalize(System.Text.NormalizationForm.FormC) == c.Text && !c.Text.Contains("<|", System.StringComparison.Ordinal))
            .ToList();

        Assert.True(cases.Count > 50, $"{cases.Count} cases");
        Assert.All(cases, c => Assert.Equal(c.Ids, tokenizer.Encode(c.Text, addBos: false)));
    }
}
