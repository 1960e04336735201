using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Codegen.Generation;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Generation;

/// <summary>Stop strings on the decoded text, across token boundaries, with a scripted session and a fake tokenizer.</summary>
public sealed class StopStringTests
{
    // Token 0 is BOS (no text); 10 and 11 are the two UTF-8 bytes of "é".
    private static readonly FakeTokenizer Tokenizer = new(
        new[] { "", "Hel", "lo", " wor", "ld", "!", " The", " end", ".", "\n" }
            .Select(p => Encoding.UTF8.GetBytes(p))
            .Concat(new[] { new byte[] { 0xC3 }, new byte[] { 0xA9 } })
            .Concat(new[] { " caf", "<", "/s", ">" }.Select(p => Encoding.UTF8.GetBytes(p)))
            .ToArray());

    private static readonly int[] Script = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11, 5, 13, 14, 15, 9 };

    private const string FullText = "Hello world! The end.\n café!</s>\n";

    private static (List<string> Pieces, TextGenerationStream Run) Generate(
        string[] stops, int maxNewTokens = 17, int[]? prompt = null, int[]? script = null, int[]? stopTokens = null)
    {
        var session = new ScriptedTokenSession(Tokenizer.VocabularySize, script ?? Script);
        var options = GenerationOptions.Greedy with
        {
            MaxNewTokens = maxNewTokens,
            StopStrings = stops,
            StopTokens = stopTokens ?? Array.Empty<int>(),
        };
        TextGenerationStream run = TextGeneration.GenerateText(session, Tokenizer, prompt ?? new[] { 0 }, options);
        return (run.ToList(), run);
    }

    [Fact]
    public void TheScriptDecodesToTheFullText()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(Array.Empty<string>());

        Assert.Equal(FullText, string.Concat(pieces));
        Assert.Equal(FinishReason.Length, run.FinishReason);
        Assert.Equal(17, run.GeneratedTokenCount);
        Assert.Null(run.StopString);
    }

    [Fact]
    public void AStopStringAcrossTokenBoundariesEndsTheTextBeforeIt()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "o wo" });

        // "Hel" goes out; of "lo", the "o" that may start "o wo" is held back; " wor" completes the match.
        Assert.Equal(new[] { "Hel", "l" }, pieces);
        Assert.Equal(FinishReason.StopString, run.FinishReason);
        Assert.Equal("o wo", run.StopString);
        Assert.Null(run.StopToken);
        Assert.Equal(1, run.PromptTokenCount);
        Assert.Equal(3, run.GeneratedTokenCount);
    }

    [Fact]
    public void HeldBackTextIsReleasedWhenTheMatchFails()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "lo!" });

        // "l" of "Hel" and then "lo" might start "lo!"; " wor" shows they do not.
        Assert.Equal(new[] { "He", "l", "lo wor", "ld", "!" }, pieces.Take(5));
        Assert.Equal(FullText, string.Concat(pieces));
        Assert.Equal(FinishReason.Length, run.FinishReason);
    }

    [Fact]
    public void HeldBackTextIsReleasedAtTheTokenLimit()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "lo!" }, maxNewTokens: 2);

        Assert.Equal(new[] { "He", "l", "lo" }, pieces);
        Assert.Equal(FinishReason.Length, run.FinishReason);
        Assert.Equal(2, run.GeneratedTokenCount);
    }

    [Fact]
    public void HeldBackTextIsReleasedAtAStopToken()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "d.\n" }, stopTokens: new[] { 9 });

        Assert.Equal("Hello world! The end.", string.Concat(pieces));
        Assert.Equal(new[] { " en", "d." }, pieces.TakeLast(2));
        Assert.Equal(FinishReason.StopToken, run.FinishReason);
        Assert.Equal(9, run.StopToken);
        Assert.Null(run.StopString);
        Assert.Equal(9, run.GeneratedTokenCount);
    }

    [Fact]
    public void TextAfterTheStopStringInTheSameTokenIsDropped()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "nd" });

        Assert.Equal("Hello world! The e", string.Concat(pieces));
        Assert.Equal(7, run.GeneratedTokenCount);
    }

    [Fact]
    public void TheEarliestOfSeveralStopStringsWins()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "end", "world", "Hello" });

        Assert.Equal("", string.Concat(pieces));
        Assert.Equal("Hello", run.StopString);

        (pieces, run) = Generate(new[] { "end", "world" });
        Assert.Equal("Hello ", string.Concat(pieces));
        Assert.Equal("world", run.StopString);
    }

    [Fact]
    public void TheFirstStopStringToBeCompletedWinsOverOneThatStartedEarlier()
    {
        // "lo world!" starts first but "wor" is complete first: text that comes token by token cannot wait for more.
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "lo world!", "wor" });

        Assert.Equal("Hello ", string.Concat(pieces));
        Assert.Equal("wor", run.StopString);
    }

    [Fact]
    public void AStopStringWithACharacterSplitAcrossTokensMatches()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "é!" });

        Assert.Equal("Hello world! The end.\n caf", string.Concat(pieces));
        Assert.Equal(13, run.GeneratedTokenCount);
    }

    [Fact]
    public void AStopStringInThePromptDoesNotCount()
    {
        // The prompt is "Hello"; the generation " world! The end." does not contain it.
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "Hello" }, maxNewTokens: 6, prompt: new[] { 0, 1, 2 }, script: new[] { 3, 4, 5, 6, 7, 8 });

        Assert.Equal(" world! The end.", string.Concat(pieces));
        Assert.Equal(FinishReason.Length, run.FinishReason);
        Assert.Equal(3, run.PromptTokenCount);
    }

    [Fact]
    public void AStopStringThatStartsInThePromptDoesNotCount()
    {
        // The prompt ends "Hel"; the generated "lo" would complete "Hello" only with the prompt's text.
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "Hello" }, maxNewTokens: 3, prompt: new[] { 0, 1 }, script: new[] { 2, 3, 4 });

        Assert.Equal("lo world", string.Concat(pieces));
        Assert.Equal(FinishReason.Length, run.FinishReason);
    }

    public static IEnumerable<object[]> EverySubstring()
    {
        var seen = new HashSet<string>();
        for (int length = 1; length <= 6; length++)
        {
            for (int start = 0; start + length <= FullText.Length; start++)
            {
                string stop = FullText.Substring(start, length);
                if (seen.Add(stop))
                {
                    yield return new object[] { stop };
                }
            }
        }
    }

    [Fact]
    public void EverySubstringAsAStopStringEndsTheTextRightBeforeItsFirstOccurrence()
    {
        // Where each token's text ends in the full text, to know which token completes a match.
        var decoder = new StreamingDecoder(Tokenizer, previousToken: 0);
        var ends = new List<int>();
        int length = 0;
        foreach (int token in Script)
        {
            length += decoder.Append(token).Length;
            ends.Add(length);
        }

        foreach (object[] data in EverySubstring())
        {
            string stop = (string)data[0];
            (List<string> pieces, TextGenerationStream run) = Generate(new[] { stop });

            int at = FullText.IndexOf(stop, StringComparison.Ordinal);
            Assert.Equal(FullText[..at], string.Concat(pieces));
            Assert.All(pieces, piece => Assert.DoesNotContain(stop, piece));
            Assert.Equal(FinishReason.StopString, run.FinishReason);
            Assert.Equal(stop, run.StopString);
            Assert.Equal(ends.FindIndex(end => end >= at + stop.Length) + 1, run.GeneratedTokenCount);
        }
    }

    [Fact]
    public void NoTokensGiveNoTextAndTheLengthReason()
    {
        (List<string> pieces, TextGenerationStream run) = Generate(new[] { "x" }, maxNewTokens: 0);

        Assert.Empty(pieces);
        Assert.Equal(FinishReason.Length, run.FinishReason);
        Assert.Equal(0, run.GeneratedTokenCount);
    }

    [Fact]
    public void TheRunReportsProgressWhileItStreams()
    {
        var session = new ScriptedTokenSession(Tokenizer.VocabularySize, Script);
        TextGenerationStream run = TextGeneration.GenerateText(session, Tokenizer, new[] { 0 }, GenerationOptions.Greedy with { MaxNewTokens = 17 });
        var counts = new List<int>();

        Assert.Null(run.FinishReason);
        Assert.Equal(0, run.GeneratedTokenCount);
        foreach (string piece in run)
        {
            Assert.Null(run.FinishReason);
            counts.Add(run.GeneratedTokenCount);
        }

        Assert.Equal(FinishReason.Length, run.FinishReason);
        Assert.Equal(Enumerable.Range(1, 10).Concat(Enumerable.Range(12, 6)), counts);
    }

    [Fact]
    public void AStreamRunsOnce()
    {
        var session = new ScriptedTokenSession(Tokenizer.VocabularySize, Script);
        TextGenerationStream run = TextGeneration.GenerateText(session, Tokenizer, new[] { 0 }, GenerationOptions.Greedy with { MaxNewTokens = 3 });
        _ = run.ToList();

        Assert.Throws<InvalidOperationException>(() => run.GetEnumerator());
    }

    [Fact]
    public async Task TheAsyncStreamGivesTheSamePiecesAndReason()
    {
        foreach (string[] stops in new[] { new[] { "lo!" }, new[] { "o wo" }, new[] { "é!" }, Array.Empty<string>() })
        {
            (List<string> expected, TextGenerationStream syncRun) = Generate(stops);
            var session = new ScriptedTokenSession(Tokenizer.VocabularySize, Script);
            AsyncTextGenerationStream run = TextGeneration.GenerateTextAsync(
                session, Tokenizer, new[] { 0 }, GenerationOptions.Greedy with { MaxNewTokens = 17, StopStrings = stops });
            var pieces = new List<string>();
            await foreach (string piece in run)
            {
                pieces.Add(piece);
            }

            Assert.Equal(expected, pieces);
            Assert.Equal(syncRun.FinishReason, run.FinishReason);
            Assert.Equal(syncRun.StopString, run.StopString);
            Assert.Equal(syncRun.GeneratedTokenCount, run.GeneratedTokenCount);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await run.GetAsyncEnumerator().MoveNextAsync());
        }
    }

    [Fact]
    public void CancellationStopsTheTextStream()
    {
        using var cancellation = new System.Threading.CancellationTokenSource();
        var session = new ScriptedTokenSession(Tokenizer.VocabularySize, Script);
        TextGenerationStream run = TextGeneration.GenerateText(
            session, Tokenizer, new[] { 0 }, GenerationOptions.Greedy with { MaxNewTokens = 17 }, cancellation.Token);
        var pieces = new List<string>();

        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (string piece in run)
            {
                pieces.Add(piece);
                if (pieces.Count == 3)
                {
                    cancellation.Cancel();
                }
            }
        });

        Assert.Equal(new[] { "Hel", "lo", " wor" }, pieces);
        Assert.Null(run.FinishReason);
        Assert.Equal(3, run.GeneratedTokenCount);
    }

    [Fact]
    public async Task TheAsyncTextStreamHonoursBothCancellationTokens()
    {
        foreach (bool enumeratorToken in new[] { false, true })
        {
            using var cancellation = new System.Threading.CancellationTokenSource();
            var session = new ScriptedTokenSession(Tokenizer.VocabularySize, Script);
            AsyncTextGenerationStream run = TextGeneration.GenerateTextAsync(
                session, Tokenizer, new[] { 0 }, GenerationOptions.Greedy with { MaxNewTokens = 17 }, enumeratorToken ? default : cancellation.Token);
            int count = 0;

            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (string piece in run.WithCancellation(enumeratorToken ? cancellation.Token : default))
                {
                    if (++count == 2)
                    {
                        cancellation.Cancel();
                    }
                }
            });

            Assert.Equal(2, count);
            Assert.Null(run.FinishReason);
        }
    }

    [Fact]
    public void TheTokenLoopRefusesStopStrings()
    {
        var session = new ScriptedTokenSession(Tokenizer.VocabularySize, Script);
        var options = GenerationOptions.Greedy with { StopStrings = new[] { "end" } };

        var error = Assert.Throws<ArgumentException>(() => TextGeneration.Generate(session, new[] { 0 }, options));
        Assert.Throws<ArgumentException>(() => TextGeneration.GenerateAsync(session, new[] { 0 }, options));

        Assert.Contains("use GenerateText", error.Message);
    }

    [Fact]
    public void ANullTokenizerIsRefused()
    {
        var session = new ScriptedTokenSession(Tokenizer.VocabularySize, Script);

        Assert.Throws<ArgumentNullException>(() => TextGeneration.GenerateText(session, null!, new[] { 0 }, GenerationOptions.Greedy));
        Assert.Throws<ArgumentNullException>(() => TextGeneration.GenerateTextAsync(session, null!, new[] { 0 }, GenerationOptions.Greedy));
    }
}
