using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Generation;
using Codegen.Tests.EndToEnd;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Generation;

/// <summary>The text loop and the new options on the real stories260K model and its llama2.c tokenizer.</summary>
public sealed class Stories260KTextTests
{
    private const int Bos = 1;

    private static readonly Lazy<Stories260KModel> Model =
        new(() => Stories260KModel.Load(TestModels.Path("stories260K", "stories260K.bin")));

    private static readonly Lazy<Llama2cTokenizer> Tokenizer =
        new(() => Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), 512));

    private static (string Text, TextGenerationStream Run) Text(GenerationOptions options, int[]? prompt = null)
    {
        using var session = Model.Value.CreateSession();
        TextGenerationStream run = TextGeneration.GenerateText(session, Tokenizer.Value, prompt ?? new[] { Bos }, options);
        return (string.Concat(run), run);
    }

    private static int[] Tokens(GenerationOptions options, int[]? prompt = null)
    {
        using var session = Model.Value.CreateSession();
        return TextGeneration.Generate(session, prompt ?? new[] { Bos }, options).ToArray();
    }

    [Fact]
    public void TheTextIsTheDecodedTokens()
    {
        var options = GenerationOptions.Greedy with { MaxNewTokens = 120 };
        int[] tokens = Tokens(options);

        (string text, TextGenerationStream run) = Text(options);

        var decoder = new StreamingDecoder(Tokenizer.Value, previousToken: Bos);
        Assert.Equal(string.Concat(tokens.Select(decoder.Append)) + decoder.Flush(), text);
        Assert.Equal(FinishReason.Length, run.FinishReason);
        Assert.Equal(120, run.GeneratedTokenCount);
    }

    [Fact]
    public void StopStringsAcrossTokenBoundariesEndTheStoryBeforeThem()
    {
        var options = GenerationOptions.Greedy with { MaxNewTokens = 120 };
        int[] tokens = Tokens(options);
        var decoder = new StreamingDecoder(Tokenizer.Value, previousToken: Bos);
        var ends = new List<int>();
        string full = string.Empty;
        foreach (int token in tokens)
        {
            full += decoder.Append(token);
            ends.Add(full.Length);
        }

        // Stop strings of 2 to 8 characters that straddle a token boundary, from all along the story.
        int tested = 0;
        for (int i = 2; i < ends.Count - 1; i += 7)
        {
            int boundary = ends[i];
            foreach (int before in new[] { 1, 3 })
            {
                foreach (int after in new[] { 1, 4 })
                {
                    if (boundary - before < 0 || boundary + after > full.Length)
                    {
                        continue;
                    }

                    string stop = full.Substring(boundary - before, before + after);
                    int at = full.IndexOf(stop, StringComparison.Ordinal);
                    (string text, TextGenerationStream run) = Text(options with { StopStrings = new[] { stop } });

                    Assert.Equal(full[..at], text);
                    Assert.Equal(FinishReason.StopString, run.FinishReason);
                    Assert.Equal(stop, run.StopString);
                    Assert.Equal(ends.FindIndex(end => end >= at + stop.Length) + 1, run.GeneratedTokenCount);
                    tested++;
                }
            }
        }

        Assert.True(tested > 40, $"only {tested} stop strings tested");
    }

    [Fact]
    public void AStopStringThatNeverComesChangesNothing()
    {
        var options = GenerationOptions.Greedy with { MaxNewTokens = 100 };

        (string plain, _) = Text(options);
        (string stopped, TextGenerationStream run) = Text(options with { StopStrings = new[] { "zebra!?", "Once upon a dragon" } });

        Assert.Equal(plain, stopped);
        Assert.Equal(FinishReason.Length, run.FinishReason);
    }

    [Fact]
    public void TheStoryEndsAtEosWithTheStopTokenReason()
    {
        var tokenizer = Tokenizer.Value;
        int[] tokens = Tokens(GenerationOptions.Greedy with { MaxNewTokens = 400 });
        int eos = Array.IndexOf(tokens, tokenizer.EosToken);
        int bos = Array.IndexOf(tokens, tokenizer.BosToken);
        int first = new[] { eos, bos }.Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        Assert.True(first >= 0, "the greedy story should end within 400 tokens");

        (string text, TextGenerationStream run) = Text(GenerationOptions.Greedy with
        {
            MaxNewTokens = 400,
            StopTokens = new[] { tokenizer.BosToken, tokenizer.EosToken },
        });

        Assert.Equal(tokenizer.Decode(tokens.Take(first)).TrimStart(), text.TrimStart());
        Assert.Equal(FinishReason.StopToken, run.FinishReason);
        Assert.Equal(tokens[first], run.StopToken);
        Assert.Equal(first + 1, run.GeneratedTokenCount);
    }

    [Fact]
    public void AStrongPresencePenaltyOverAllTokensNeverRepeatsAToken()
    {
        int[] greedy = Tokens(GenerationOptions.Greedy with { MaxNewTokens = 150 });
        int[] penalized = Tokens(GenerationOptions.Greedy with { MaxNewTokens = 150, PresencePenalty = 100, PenaltyWindow = -1 });

        Assert.True(greedy.Distinct().Count() < greedy.Length, "the plain greedy story repeats tokens");
        Assert.Equal(penalized.Length, penalized.Distinct().Count());
        Assert.DoesNotContain(Bos, penalized);
    }

    [Fact]
    public void AWindowOfOneOnlyStopsImmediateRepeats()
    {
        int[] penalized = Tokens(GenerationOptions.Greedy with { MaxNewTokens = 200, PresencePenalty = 100, PenaltyWindow = 1 });

        for (int i = 1; i < penalized.Length; i++)
        {
            Assert.NotEqual(penalized[i - 1], penalized[i]);
        }

        Assert.True(penalized.Distinct().Count() < penalized.Length, "tokens come back once they leave the window");
    }

    [Fact]
    public void NeutralPenaltiesGiveTheGreedyStory()
    {
        var greedy = GenerationOptions.Greedy with { MaxNewTokens = 100 };

        Assert.Equal(Tokens(greedy), Tokens(greedy with { RepetitionPenalty = 1, FrequencyPenalty = 0, PresencePenalty = 0, PenaltyWindow = -1 }));
        Assert.NotEqual(Tokens(greedy), Tokens(greedy with { RepetitionPenalty = 1.5f }));
    }

    [Fact]
    public void ThePromptCountsForThePenalties()
    {
        var greedy = GenerationOptions.Greedy with { MaxNewTokens = 1 };
        int first = Tokens(greedy)[0];

        // The first greedy token, put in the prompt and heavily penalized, is not picked again; outside the window it is.
        Assert.NotEqual(first, Tokens(greedy with { PresencePenalty = 100 }, new[] { first, Bos })[0]);
        Assert.Equal(Tokens(greedy, new[] { first, Bos })[0], Tokens(greedy with { PresencePenalty = 100, PenaltyWindow = 1 }, new[] { first, Bos })[0]);
    }

    [Fact]
    public void AStrongLogitBiasForcesAToken()
    {
        int[] tokens = Tokens(new GenerationOptions { Seed = 1, MaxNewTokens = 30, LogitBias = new Dictionary<int, float> { [300] = 100 } });

        Assert.All(tokens, token => Assert.Equal(300, token));
    }
}
