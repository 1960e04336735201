using System;
using System.IO;
using System.Linq;
using System.Text;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// stories260K's tok512.bin against llama2.c's run.c: the expected ids of encodings come from
/// run.c's own <c>encode</c>, and its greedy output decodes to its printed text.
/// </summary>
public sealed class Llama2cTokenizerTests
{
    private const int Vocab = 512;
    private const string FirstSentence = "Once upon a time, there was a little girl named Lily.";

    private static readonly Lazy<Llama2cTokenizer> Tokenizer =
        new(() => Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), Vocab));

    private static int[] ReferenceIds() =>
        File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-256.ids"))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse)
            .ToArray();

    private static string DecodeOneByOne(int[] ids)
    {
        var text = new StringBuilder();
        int previous = Llama2cTokenizer.Bos;
        foreach (int token in ids)
        {
            text.Append(Tokenizer.Value.Decode(previous, token));
            previous = token;
        }

        return text.ToString();
    }

    [Fact]
    public void ReportsTheLlama2cSpecialTokens()
    {
        Assert.Equal(Vocab, Tokenizer.Value.VocabularySize);
        Assert.Equal(1, Tokenizer.Value.BosToken);
        Assert.Equal(2, Tokenizer.Value.EosToken);
        Assert.Equal(new[] { 1, 2 }, Tokenizer.Value.StopTokens);
    }

    [Fact]
    public void ReferenceGreedyIdsDecodeToTheReferenceText()
    {
        // run.c's 200 steps from BOS print 200 tokens: the text is exactly the first 200 ids.
        string expected = File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-200.txt"));
        int[] ids = ReferenceIds();

        Assert.Equal(expected, DecodeOneByOne(ids[..200]));
        Assert.NotEqual(expected, DecodeOneByOne(ids[..199]));
        Assert.Equal(expected, Tokenizer.Value.Decode(ids[..200].Prepend(Llama2cTokenizer.Bos)));
    }

    [Fact]
    public void LeadingSpaceIsDroppedOnlyAfterBos()
    {
        const int once = 403; // " Once"

        Assert.Equal("Once", Tokenizer.Value.Decode(Llama2cTokenizer.Bos, once));
        Assert.Equal(" Once", Tokenizer.Value.Decode(426, once));
        Assert.Equal(" Once", Tokenizer.Value.Decode(-1, once));
    }

    [Fact]
    public void ByteTokensDecodeToTheirBytes()
    {
        Assert.Equal("\n", Tokenizer.Value.Decode(426, Llama2cTokenizer.FirstByteToken + 0x0A));
        Assert.Equal("A", Tokenizer.Value.Decode(426, Llama2cTokenizer.FirstByteToken + 0x41));
        Assert.Equal(new byte[] { 0xC3 }, Tokenizer.Value.DecodeBytes(426, Llama2cTokenizer.FirstByteToken + 0xC3).ToArray());

        // Half a character on its own is U+FFFD; in a sequence the bytes join up.
        Assert.Equal("\uFFFD", Tokenizer.Value.Decode(426, Llama2cTokenizer.FirstByteToken + 0xC3));
        Assert.Equal("ï", Tokenizer.Value.Decode(new[] { Llama2cTokenizer.FirstByteToken + 0xC3, Llama2cTokenizer.FirstByteToken + 0xAF }));
    }

    [Fact]
    public void ControlTokensDecodeToNoText()
    {
        Assert.Equal("", Tokenizer.Value.Decode(426, Llama2cTokenizer.Bos));
        Assert.Equal("", Tokenizer.Value.Decode(426, Llama2cTokenizer.Eos));
    }

    [Fact]
    public void TokensOutsideTheVocabularyAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Value.Decode(1, Vocab));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Value.Decode(1, -1));
    }

    [Fact]
    public void FirstSentenceEncodesToTheReferenceGreedyIds()
    {
        int[] expected = ReferenceIds()[..15].Prepend(Llama2cTokenizer.Bos).ToArray();

        Assert.Equal(expected, Tokenizer.Value.Encode(FirstSentence, addBos: true));
        Assert.Equal(expected[1..], Tokenizer.Value.Encode(FirstSentence, addBos: false));
    }

    // Expected ids are run.c's encode() output for tok512.bin (built from karpathy/llama2.c run.c).
    [Theory]
    [InlineData("Hello", new[] { 346, 306, 414 })]
    [InlineData("café", new[] { 280, 412, 431, 485 })]
    [InlineData("x", new[] { 410, 444 })]
    [InlineData("  two  spaces ", new[] { 410, 410, 259, 424, 414, 410, 262, 427, 412, 331, 419, 410 })]
    [InlineData("line one\nline two", new[] { 278, 271, 411, 353, 411, 13, 421, 271, 411, 259, 424, 414 })]
    [InlineData("naïve 日本 😀", new[] { 297, 412, 198, 178, 360, 410, 233, 154, 168, 233, 159, 175, 410, 243, 162, 155, 131 })]
    public void EncodesAsRunC(string text, int[] expected)
    {
        Assert.Equal(expected, Tokenizer.Value.Encode(text, addBos: false));
        Assert.Equal(expected.Prepend(Llama2cTokenizer.Bos), Tokenizer.Value.Encode(text, addBos: true));
    }

    [Fact]
    public void EmptyTextHasNoDummyPrefix()
    {
        Assert.Empty(Tokenizer.Value.Encode("", addBos: false));
        Assert.Equal(new[] { Llama2cTokenizer.Bos }, Tokenizer.Value.Encode("", addBos: true));
    }

    [Theory]
    [InlineData(FirstSentence)]
    [InlineData("")]
    [InlineData("café")]
    [InlineData("line one\nline two\n")]
    [InlineData("  two  spaces ")]
    [InlineData("naïve 日本 😀 \u00001")]
    public void DecodeInvertsEncodeAfterBos(string text)
    {
        Assert.Equal(text, Tokenizer.Value.Decode(Tokenizer.Value.Encode(text, addBos: true)));

        // Without BOS the dummy-prefix space stays, as run.c prints it.
        Assert.Equal(text.Length == 0 ? "" : " " + text, Tokenizer.Value.Decode(Tokenizer.Value.Encode(text, addBos: false)));
    }
}
