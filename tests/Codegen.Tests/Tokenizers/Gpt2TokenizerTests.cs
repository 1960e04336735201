using System;
using System.Linq;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// GPT-2's byte-level BPE with the real GPT-2 vocabulary and with tiny-random-gpt2's own
/// 1000-token one. Expected ids come from an independent implementation of GPT-2's encoder.py.
/// </summary>
public sealed class Gpt2TokenizerTests
{
    private static readonly Lazy<Gpt2Tokenizer> Gpt2 = new(() => Gpt2Tokenizer.Load(TestModels.Path("gpt2-tokenizer")));
    private static readonly Lazy<Gpt2Tokenizer> Tiny = new(() => Gpt2Tokenizer.Load(TestModels.Path("gpt2-tiny")));

    [Fact]
    public void HelloWorldEncodesAsGpt2()
    {
        Assert.Equal(new[] { 15496, 995 }, Gpt2.Value.Encode("Hello world", addBos: false));
    }

    [Theory]
    [InlineData(" Hello  world\n\nnew line\tx", new[] { 18435, 220, 995, 198, 198, 3605, 1627, 197, 87 })]
    [InlineData("café naïve 😀 日本語", new[] { 66, 1878, 2634, 41492, 30325, 222, 10545, 245, 98, 17312, 105, 45739, 252 })]
    [InlineData("It's 2024, isn't it?  Yes!!\n", new[] { 1026, 338, 48609, 11, 2125, 470, 340, 30, 220, 3363, 3228, 198 })]
    [InlineData("   leading and trailing   ", new[] { 220, 220, 3756, 290, 25462, 220, 220, 220 })]
    [InlineData("<|endoftext|>", new[] { 27, 91, 437, 1659, 5239, 91, 29 })]
    public void EncodesAsGpt2(string text, int[] expected)
    {
        Assert.Equal(expected, Gpt2.Value.Encode(text, addBos: false));
    }

    [Fact]
    public void EndOfTextIsTheStopToken()
    {
        Assert.Equal(50257, Gpt2.Value.VocabularySize);
        Assert.Equal(50256, Gpt2.Value.EosToken);
        Assert.Equal(50256, Gpt2.Value.BosToken);
        Assert.Equal(new[] { 50256 }, Gpt2.Value.StopTokens);
    }

    [Fact]
    public void AddBosPutsEndOfTextFirst()
    {
        Assert.Equal(new[] { 50256, 15496, 995 }, Gpt2.Value.Encode("Hello world", addBos: true));
        Assert.Equal(new[] { 50256 }, Gpt2.Value.Encode("", addBos: true));
        Assert.Empty(Gpt2.Value.Encode("", addBos: false));
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData(" leading space")]
    [InlineData("   leading and trailing   ")]
    [InlineData("two\nlines\r\n\n\ttabbed")]
    [InlineData("café naïve Ærøskøbing")]
    [InlineData("emoji 😀👍🏽 and 日本語")]
    [InlineData("<|endoftext|> is plain text here")]
    public void DecodeInvertsEncode(string text)
    {
        Assert.Equal(text, Gpt2.Value.Decode(Gpt2.Value.Encode(text, addBos: false)));
        Assert.Equal(text, Gpt2.Value.Decode(Gpt2.Value.Encode(text, addBos: true)));
    }

    [Fact]
    public void SingleTokensDecodeToTheirText()
    {
        Assert.Equal("Hello", Gpt2.Value.Decode(-1, 15496));
        Assert.Equal(" world", Gpt2.Value.Decode(15496, 995));
        Assert.Equal("", Gpt2.Value.Decode(995, 50256));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2.Value.Decode(-1, 50257));
    }

    [Fact]
    public void TinyVocabularyHasItsOwnEndOfText()
    {
        Assert.Equal(1000, Tiny.Value.VocabularySize);
        Assert.Equal(0, Tiny.Value.EosToken);
        Assert.Equal(new[] { 0 }, Tiny.Value.StopTokens);
        Assert.Equal(new[] { 0, 40, 416, 79, 206, 750 }, Tiny.Value.Encode("Hello world", addBos: true));
        Assert.Equal("Hello world", Tiny.Value.Decode(new[] { 40, 416, 79, 206, 750, 0 }));
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData(" Hello  world\n\nnew line")]
    [InlineData("It's 2024, isn't it?  Yes!!\n")]
    [InlineData("café naïve")]
    public void TinyDecodeInvertsEncode(string text)
    {
        int[] ids = Tiny.Value.Encode(text, addBos: false);

        Assert.All(ids, id => Assert.InRange(id, 0, 999));
        Assert.Equal(text, Tiny.Value.Decode(ids));
    }

    [Fact]
    public void TinyVocabularyLeavesOutBytesItLacks()
    {
        // tiny-random-gpt2 has no token for tab, carriage return or '{', and Hugging Face's
        // tokenizer, having no unknown token, leaves them out.
        Assert.Equal(new[] { 65, 158, 66 }, Tiny.Value.Encode("a\r\nb{", addBos: false));
        Assert.Equal("ab", Tiny.Value.Decode(Tiny.Value.Encode("a\tb", addBos: false)));
    }

    [Fact]
    public void SplitCharactersJoinInSequencesOnly()
    {
        int[] ids = Gpt2.Value.Encode("😀", addBos: false);

        Assert.True(ids.Length > 1);
        Assert.Contains('\uFFFD', string.Concat(ids.Select(id => Gpt2.Value.Decode(-1, id))));
        Assert.Equal("😀", Gpt2.Value.Decode(ids));
    }
}
