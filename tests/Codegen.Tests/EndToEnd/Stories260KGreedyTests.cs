using System;
using System.IO;
using System.Linq;
using Codegen.Generation;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>The generated stories260K model against the reference C implementation's greedy output.</summary>
public sealed class Stories260KGreedyTests
{
    private const int Bos = 1;

    private static readonly Lazy<Stories260KModel> Model =
        new(() => Stories260KModel.Load(TestModels.Path("stories260K", "stories260K.bin")));

    [Fact]
    public void GreedyIdsFromBosMatchTheReference()
    {
        int[] expected = File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-256.ids"))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse)
            .ToArray();
        Assert.Equal(256, expected.Length);

        using var session = Model.Value.CreateSession();
        int[] actual = TextGeneration.Generate(session, new[] { Bos }, GenerationOptions.Greedy with { MaxNewTokens = 256 }).ToArray();

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void GreedyStoryMatchesTheReferenceText()
    {
        string expected = File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-200.txt"));
        var tokenizer = Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), Stories260KModel.Vocab);

        // llama2.c's 200 steps feed positions 0 to 199 and print the 200 tokens sampled after them; it stops early on BOS.
        using var session = Model.Value.CreateSession();
        var options = GenerationOptions.Greedy with { MaxNewTokens = 200, StopTokens = new[] { Bos } };
        var text = new System.Text.StringBuilder();
        int previous = Bos;
        foreach (int token in TextGeneration.Generate(session, new[] { Bos }, options))
        {
            text.Append(tokenizer.Decode(previous, token));
            previous = token;
        }

        Assert.Equal(expected, text.ToString());
    }

    [Fact]
    public void ShorterContextGivesTheSameTokens()
    {
        var model = Stories260KShortContext.Load(TestModels.Path("stories260K", "stories260K.bin"));
        using var full = Model.Value.CreateSession();
        using var shorter = model.CreateSession();
        var options = GenerationOptions.Greedy with { MaxNewTokens = 100 };

        Assert.Equal(
            TextGeneration.Generate(full, new[] { Bos }, options).ToArray(),
            TextGeneration.Generate(shorter, new[] { Bos }, options).ToArray());
    }

    [Fact]
    public void SessionsOfOneModelDoNotShareState()
    {
        using var first = Model.Value.CreateSession();
        using var second = Model.Value.CreateSession();
        float[] alone = first.Forward(Bos, 0).ToArray();

        second.Forward(Bos, 0);
        second.Forward(400, 1);
        first.Reset();
        float[] again = first.Forward(Bos, 0).ToArray();

        Assert.Equal(alone, again);
    }
}
