using System.Text;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>Token-by-token decoding that holds back characters split across tokens.</summary>
public sealed class StreamingDecoderTests
{
    private static string Stream(ITokenizer tokenizer, int previous, int[] tokens, out bool sawReplacement)
    {
        var stream = new StreamingDecoder(tokenizer, previous);
        var text = new StringBuilder();
        sawReplacement = false;
        foreach (int token in tokens)
        {
            string piece = stream.Append(token);
            sawReplacement |= piece.Contains('\uFFFD');
            text.Append(piece);
        }

        return text.Append(stream.Flush()).ToString();
    }

    [Fact]
    public void Gpt2EmojiComesOutWhole()
    {
        var tokenizer = Gpt2Tokenizer.Load(TestModels.Path("gpt2-tokenizer"));
        const string text = "smile 😀, thumbs 👍🏽 and 日本語!";

        Assert.Equal(text, Stream(tokenizer, -1, tokenizer.Encode(text, addBos: false), out bool sawReplacement));
        Assert.False(sawReplacement);
    }

    [Fact]
    public void Llama2cByteTokensJoinAndBosRuleApplies()
    {
        var tokenizer = Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), 512);
        const string text = "naïve 日本 😀";
        int[] tokens = tokenizer.Encode(text, addBos: true);

        Assert.Equal(text, Stream(tokenizer, -1, tokens, out bool sawReplacement));
        Assert.False(sawReplacement);
        Assert.Equal(text, Stream(tokenizer, Llama2cTokenizer.Bos, tokens[1..], out _));
    }

    [Fact]
    public void FlushEndsAnUnfinishedCharacter()
    {
        var tokenizer = Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), 512);
        var stream = new StreamingDecoder(tokenizer);

        Assert.Equal("", stream.Append(Llama2cTokenizer.FirstByteToken + 0xC3));
        Assert.Equal("\uFFFD", stream.Flush());
    }
}
