using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// BOS, EOS and stop tokens of <see cref="HuggingFaceTokenizer"/> from tokenizer_config.json and the
/// post-processor, the option that reads special-token names as plain text, and linear-time encoding.
/// Expected ids are looked up in the files by the tokens' texts.
/// </summary>
public sealed class HuggingFaceTokenizerSpecialTokenTests
{
    private static HuggingFaceBpeTokenizer Load(string name, HuggingFaceTokenizerOptions? options = null) =>
        HuggingFaceTokenizer.Load(HuggingFaceGoldens.Folder(name), options ?? new HuggingFaceTokenizerOptions());

    /// <summary>The id tokenizer.json gives <paramref name="content"/> (an added token's, else the vocabulary's).</summary>
    private static int IdOf(string name, string content)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(HuggingFaceGoldens.Folder(name), "tokenizer.json")));
        foreach (JsonElement token in json.RootElement.GetProperty("added_tokens").EnumerateArray())
        {
            if (token.GetProperty("content").GetString() == content)
            {
                return token.GetProperty("id").GetInt32();
            }
        }

        return json.RootElement.GetProperty("model").GetProperty("vocab").GetProperty(content).GetInt32();
    }

    [Fact]
    public void Llama2AddsBosFromItsConfigAndTemplate()
    {
        HuggingFaceBpeTokenizer tokenizer = Load("llama2");

        Assert.Equal(IdOf("llama2", "<s>"), tokenizer.BosToken);
        Assert.Equal(IdOf("llama2", "</s>"), tokenizer.EosToken);
        Assert.Equal(new[] { tokenizer.EosToken }, tokenizer.StopTokens);
        Assert.Equal(new[] { tokenizer.BosToken }, tokenizer.AddedFirst);
        Assert.Empty(tokenizer.AddedLast);
        Assert.Equal(32000, tokenizer.VocabularySize);
        Assert.Equal(tokenizer.BosToken, tokenizer.Encode("Hello", addBos: true)[0]);
        Assert.Equal(0, tokenizer.DecodeBytes(-1, tokenizer.BosToken).Length);
    }

    [Fact]
    public void Phi3NamesBosButAddsNoneAndStopsAtTheEndOfATurn()
    {
        HuggingFaceBpeTokenizer tokenizer = Load("phi-3-mini");

        Assert.Equal(IdOf("phi-3-mini", "<s>"), tokenizer.BosToken);
        Assert.Equal(IdOf("phi-3-mini", "<|endoftext|>"), tokenizer.EosToken);
        Assert.Equal(new[] { tokenizer.EosToken, IdOf("phi-3-mini", "<|end|>") }, tokenizer.StopTokens);
        Assert.Empty(tokenizer.AddedFirst);
        Assert.Equal(tokenizer.Encode("Hello", addBos: false), tokenizer.Encode("Hello", addBos: true));

        // "</s>" is not special in Phi-3's file, so it decodes to its text.
        Assert.Equal("</s>", tokenizer.Decode(new[] { IdOf("phi-3-mini", "</s>") }));
    }

    [Fact]
    public void Gpt2UsesEndOfTextForBothAndAddsNothing()
    {
        HuggingFaceBpeTokenizer tokenizer = Load("gpt2-tiny");

        Assert.Equal(IdOf("gpt2-tiny", "<|endoftext|>"), tokenizer.BosToken);
        Assert.Equal(tokenizer.BosToken, tokenizer.EosToken);
        Assert.Empty(tokenizer.AddedFirst);
        Assert.Equal(1000, tokenizer.VocabularySize);
    }

    [Fact]
    public void WithoutAConfigBosIsWhatTheTemplateAdds()
    {
        HuggingFaceBpeTokenizer tokenizer = Load("llama3-style");

        Assert.Equal(IdOf("llama3-style", "<|begin_of_text|>"), tokenizer.BosToken);
        Assert.Equal(-1, tokenizer.EosToken);
        Assert.Equal(new[] { IdOf("llama3-style", "<|end_of_text|>") }, tokenizer.StopTokens);
        Assert.Equal(128002, tokenizer.VocabularySize);
    }

    [Fact]
    public void ConfigFlagsReplaceTheTemplate()
    {
        using var folder = new Codegen.Tests.Formats.TempDirectory();
        string source = HuggingFaceGoldens.Folder("llama2");
        File.Copy(Path.Combine(source, "tokenizer.json"), Path.Combine(folder.FullPath, "tokenizer.json"));
        File.WriteAllText(Path.Combine(folder.FullPath, "tokenizer_config.json"),
            """{"add_bos_token": false, "add_eos_token": true, "bos_token": "<s>", "eos_token": {"content": "</s>"}}""");

        var tokenizer = (HuggingFaceBpeTokenizer)HuggingFaceTokenizer.Load(folder.FullPath);

        Assert.Empty(tokenizer.AddedFirst);
        Assert.Equal(new[] { tokenizer.EosToken }, tokenizer.AddedLast);
        int[] ids = tokenizer.Encode("Hello", addBos: true);
        Assert.Equal(tokenizer.Encode("Hello", addBos: false).Append(tokenizer.EosToken), ids);
    }

    /// <summary>Qwen2.5's real tokenizer_config.json (bos_token null, eos_token "&lt;|im_end|&gt;") beside the Qwen2 style file.</summary>
    [Fact]
    public void Qwen25ConfigHasNoBosAndStopsAtTheEndOfAMessage()
    {
        using var folder = new Codegen.Tests.Formats.TempDirectory();
        File.Copy(Path.Combine(HuggingFaceGoldens.Folder("qwen2-style"), "tokenizer.json"), Path.Combine(folder.FullPath, "tokenizer.json"));
        File.Copy(TestModels.Path("tokenizers", "qwen2.5", "tokenizer_config.json"), Path.Combine(folder.FullPath, "tokenizer_config.json"));

        var tokenizer = (HuggingFaceBpeTokenizer)HuggingFaceTokenizer.Load(folder.FullPath);

        Assert.Equal(-1, tokenizer.BosToken);
        Assert.Equal(IdOf("qwen2-style", "<|im_end|>"), tokenizer.EosToken);
        Assert.Equal(new[] { tokenizer.EosToken, IdOf("qwen2-style", "<|endoftext|>") }, tokenizer.StopTokens);
        Assert.Empty(tokenizer.AddedFirst);
        Assert.Empty(tokenizer.AddedLast);
    }

    [Fact]
    public void TheFileItselfLoadsLikeItsFolder()
    {
        string folder = HuggingFaceGoldens.Folder("phi-3-mini");
        ITokenizer fromFile = HuggingFaceTokenizer.Load(Path.Combine(folder, "tokenizer.json"));
        const string text = "<|user|>\nHello, world!<|end|>";

        Assert.Equal(HuggingFaceGoldens.Tokenizer("phi-3-mini").Encode(text, addBos: true), fromFile.Encode(text, addBos: true));
        Assert.Equal(IdOf("phi-3-mini", "<|endoftext|>"), fromFile.EosToken);
    }

    [Fact]
    public void SpecialTokenNamesAreTokensUnlessTheOptionSaysPlainText()
    {
        HuggingFaceBpeTokenizer matching = Load("phi-3-mini");
        HuggingFaceBpeTokenizer plain = Load("phi-3-mini", new HuggingFaceTokenizerOptions { MatchSpecialTokensInText = false });
        int user = IdOf("phi-3-mini", "<|user|>");
        const string text = "<|user|>\nHi";

        Assert.Equal(user, matching.Encode(text, addBos: false)[0]);
        int[] ids = plain.Encode(text, addBos: false);
        Assert.DoesNotContain(user, ids);
        Assert.Equal(text, plain.Decode(ids));
    }

    [Theory]
    [InlineData("llama2", 'a')]
    [InlineData("llama2", ' ')]
    [InlineData("llama3-style", ' ')]
    [InlineData("llama3-style", '7')]
    [InlineData("gpt2-tiny", 'x')]
    public void LongRunsEncodeInLinearTime(string name, char repeated)
    {
        ITokenizer tokenizer = HuggingFaceGoldens.Tokenizer(name);
        tokenizer.Encode("warm up", addBos: false);
        string text = new(repeated, 200_000);

        var clock = Stopwatch.StartNew();
        int[] ids = tokenizer.Encode(text, addBos: false);
        clock.Stop();

        Assert.NotEmpty(ids);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{name}: 200,000 '{repeated}' took {clock.Elapsed}");
    }
}
