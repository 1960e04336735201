using System;
using System.IO;
using Codegen.Formats.Gguf;
using Codegen.Tests.Formats.Gguf;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// Every problem in a GGUF file's tokenizer metadata is a <see cref="ModelLoadException"/> naming the
/// file and the key.
/// </summary>
public sealed class GgufTokenizerLoadErrorTests
{
    private static readonly string[] Tokens = { "<unk>", "<s>", "</s>", "\u2581a", "a", "b" };

    /// <summary>A small, valid "llama" vocabulary; <paramref name="leaveOut"/> names a key not to write.</summary>
    private static GgufBuilder Spm(string? leaveOut = null)
    {
        var builder = new GgufBuilder();
        void Add(string key, Action<GgufBuilder> add)
        {
            if (key != leaveOut)
            {
                add(builder);
            }
        }

        Add("tokenizer.ggml.model", b => b.AddString("tokenizer.ggml.model", "llama"));
        Add("tokenizer.ggml.tokens", b => b.AddStringArray("tokenizer.ggml.tokens", Tokens));
        Add("tokenizer.ggml.scores", b => b.AddFloat32Array("tokenizer.ggml.scores", new float[] { 0, 0, 0, -1, -2, -3 }));
        Add("tokenizer.ggml.token_type", b => b.AddInt32Array("tokenizer.ggml.token_type", new[] { 2, 3, 3, 1, 1, 1 }));
        return builder;
    }

    [Fact]
    public void AValidSmallVocabularyLoads()
    {
        ITokenizer tokenizer = Load(Spm());

        Assert.Equal(new[] { 3, 5 }, tokenizer.Encode("ab", addBos: false));
    }

    [Theory]
    [InlineData("tokenizer.ggml.model")]
    [InlineData("tokenizer.ggml.tokens")]
    [InlineData("tokenizer.ggml.scores")]
    public void AMissingKeyIsNamed(string key)
    {
        AssertRefused(Spm(leaveOut: key), key, "missing");
    }

    [Fact]
    public void AnUnknownModelIsNamed()
    {
        AssertRefused(Spm(leaveOut: "tokenizer.ggml.model").AddString("tokenizer.ggml.model", "bert"), "tokenizer.ggml.model", "\"bert\"");
    }

    [Fact]
    public void ScoresOfAnotherLengthAreRefused()
    {
        AssertRefused(
            Spm(leaveOut: "tokenizer.ggml.scores").AddFloat32Array("tokenizer.ggml.scores", new float[] { 0, 0 }),
            "tokenizer.ggml.scores", "has 2 elements");
    }

    [Fact]
    public void TokenTypesOfAnotherLengthAreRefused()
    {
        AssertRefused(
            Spm(leaveOut: "tokenizer.ggml.token_type").AddInt32Array("tokenizer.ggml.token_type", new[] { 1 }),
            "tokenizer.ggml.token_type", "has 1 elements");
    }

    [Fact]
    public void AnUnknownTokenTypeIsRefused()
    {
        AssertRefused(
            Spm(leaveOut: "tokenizer.ggml.token_type").AddInt32Array("tokenizer.ggml.token_type", new[] { 2, 3, 3, 1, 9, 1 }),
            "tokenizer.ggml.token_type", "type 9");
    }

    [Fact]
    public void TokensOfTheWrongTypeAreRefused()
    {
        AssertRefused(
            Spm(leaveOut: "tokenizer.ggml.tokens").AddInt32Array("tokenizer.ggml.tokens", new[] { 1, 2, 3, 4, 5, 6 }),
            "tokenizer.ggml.tokens", "array of string");
    }

    [Theory]
    [InlineData("tokenizer.ggml.bos_token_id", 6u)]
    [InlineData("tokenizer.ggml.eos_token_id", 100u)]
    [InlineData("tokenizer.ggml.unknown_token_id", 4000000000u)]
    public void ATokenIdOutOfRangeIsNamed(string key, uint id)
    {
        AssertRefused(Spm().AddUInt32(key, id), key, "0 to 5");
    }

    [Fact]
    public void AllOnesMeansNoToken()
    {
        // llama.cpp's converters write 0xFFFFFFFF (its -1) for a special token the model lacks.
        ITokenizer tokenizer = Load(Spm().AddUInt32("tokenizer.ggml.eos_token_id", uint.MaxValue));

        Assert.Equal(-1, tokenizer.EosToken);
        Assert.Empty(tokenizer.StopTokens);
    }

    [Fact]
    public void AnUnknownPreTokenizerIsNamedWithItsValue()
    {
        AssertRefused(Gpt2("deepseek-llm"), "tokenizer.ggml.pre", "\"deepseek-llm\"");
    }

    [Fact]
    public void AMissingPreTokenizerIsNamed()
    {
        AssertRefused(Gpt2(null), "tokenizer.ggml.pre", "missing");
    }

    [Fact]
    public void AGpt2VocabularyWithoutMergesIsRefused()
    {
        var builder = new GgufBuilder()
            .AddString("tokenizer.ggml.model", "gpt2")
            .AddString("tokenizer.ggml.pre", "gpt-2")
            .AddStringArray("tokenizer.ggml.tokens", new[] { "a", "b", "ab" });
        AssertRefused(builder, "tokenizer.ggml.merges", "missing");
    }

    [Theory]
    [InlineData("a c", "not in")]
    [InlineData("ab", "not two tokens")]
    [InlineData("a b", "appears twice")]
    public void ABadMergeIsNamed(string merge, string expected)
    {
        var builder = new GgufBuilder()
            .AddString("tokenizer.ggml.model", "gpt2")
            .AddString("tokenizer.ggml.pre", "gpt-2")
            .AddStringArray("tokenizer.ggml.tokens", new[] { "a", "b", "ab" })
            .AddStringArray("tokenizer.ggml.merges", new[] { "a b", merge });
        AssertRefused(builder, "tokenizer.ggml.merges", expected);
    }

    [Fact]
    public void ASmallGpt2VocabularyMerges()
    {
        var builder = new GgufBuilder()
            .AddString("tokenizer.ggml.model", "gpt2")
            .AddString("tokenizer.ggml.pre", "gpt-2")
            .AddStringArray("tokenizer.ggml.tokens", new[] { "a", "b", "ab", "\u0120", "\u0120ab" })
            .AddStringArray("tokenizer.ggml.merges", new[] { "a b", "\u0120 ab" });

        ITokenizer tokenizer = Load(builder);

        Assert.Equal(new[] { 2, 4, 0 }, tokenizer.Encode("ab aba", addBos: false));
        Assert.Equal("ab aba", tokenizer.Decode(new[] { 2, 4, 0 }));
    }

    private static GgufBuilder Gpt2(string? pre)
    {
        var builder = new GgufBuilder()
            .AddString("tokenizer.ggml.model", "gpt2")
            .AddStringArray("tokenizer.ggml.tokens", new[] { "a", "b", "ab" })
            .AddStringArray("tokenizer.ggml.merges", new[] { "a b" });
        return pre is null ? builder : builder.AddString("tokenizer.ggml.pre", pre);
    }

    internal static ITokenizer Load(GgufBuilder builder)
    {
        string path = Path.Combine(Path.GetTempPath(), $"codegen-ggtok-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, builder.Build());
        try
        {
            return GgufTokenizer.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertRefused(GgufBuilder builder, string key, string expected)
    {
        var error = Assert.Throws<ModelLoadException>(() => Load(builder));

        Assert.Contains(".gguf", error.FilePath);
        Assert.Contains($"'{key}'", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
