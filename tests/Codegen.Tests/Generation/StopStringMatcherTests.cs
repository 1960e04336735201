using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.Generation;

/// <summary>The matcher alone, against reading the whole text character by character, on random texts cut into random pieces.</summary>
public sealed class StopStringMatcherTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomPiecesGiveTheTextUpToTheFirstStopStringAndHoldBackLessThanTheLongest(int seed)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 400; trial++)
        {
            string[] stops = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomText(random, random.Next(1, 6))).ToArray();
            int longest = stops.Max(s => s.Length);
            string text = RandomText(random, random.Next(0, 60));
            var matcher = new StopStringMatcher(stops);
            var output = new StringBuilder();
            var pieces = new List<string>();
            int at = 0;
            while (at < text.Length && matcher.Matched is null)
            {
                int length = Math.Min(text.Length - at, random.Next(0, 5));
                pieces.Add(text.Substring(at, length));
                output.Append(matcher.Push(pieces[^1]));
                at += length;
                Assert.True(matcher.HeldBack < longest, $"held back {matcher.HeldBack} characters with stop strings of at most {longest}");
            }

            if (matcher.Matched is null)
            {
                output.Append(matcher.Release());
            }

            // The first stop string to end, as the text is read character by character; at the same end, the longest.
            int first = -1;
            for (int end = 1; end <= text.Length && first < 0; end++)
            {
                first = stops.Where(s => text[..end].EndsWith(s, StringComparison.Ordinal))
                    .Select(s => end - s.Length).DefaultIfEmpty(-1).Min();
            }

            string expected = first < 0 ? text : text[..first];
            Assert.True(
                expected == output.ToString(),
                $"stop strings [{string.Join(", ", stops.Select(Escape))}], pieces [{string.Join(", ", pieces.Select(Escape))}]: expected {Escape(expected)}, got {Escape(output.ToString())}");
            Assert.Equal(first >= 0, matcher.Matched is not null);
            if (first >= 0)
            {
                Assert.Equal(text.Substring(first, matcher.Matched!.Length), matcher.Matched);
            }
        }
    }

    [Fact]
    public void WithoutStopStringsEachPieceGoesOutAsItIs()
    {
        var matcher = new StopStringMatcher(Array.Empty<string>());
        string piece = "once upon a time";

        Assert.Same(piece, matcher.Push(piece));
        Assert.Equal(0, matcher.HeldBack);
    }

    [Fact]
    public void NothingIsReleasedAfterAMatch()
    {
        var matcher = new StopStringMatcher(new[] { "ab" });

        Assert.Equal("x", matcher.Push("xab"));
        Assert.Equal("", matcher.Push("more"));
        Assert.Equal("", matcher.Release());
        Assert.Equal("ab", matcher.Matched);
    }

    private static string Escape(string text) => "\"" + text.Replace("\n", "\\n") + "\"";

    private static string RandomText(Random random, int length)
    {
        // A small alphabet, so stop strings and near misses are common.
        var text = new char[length];
        for (int i = 0; i < length; i++)
        {
            text[i] = "aab\n"[random.Next(4)];
        }

        return new string(text);
    }
}
