using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// GPT-2's merge loop: the same ids as Microsoft.ML.Tokenizers' byte-level BPE (kept as
/// <see cref="Gpt2ReferenceEncoder"/>), which Gpt2Tokenizer used to run on, with work that grows
/// linearly in the length of a pre-token.
/// </summary>
public sealed class Gpt2MergeTests
{
    private static readonly Lazy<Gpt2Tokenizer> Gpt2 = new(() => Gpt2Tokenizer.Load(TestModels.Path("gpt2-tokenizer")));

    public static IEnumerable<object[]> Vocabularies() => new[]
    {
        new object[] { "gpt2-tokenizer", "vocab.json", "merges.txt" },
        new object[] { "gpt2-tiny", "vocab.json", "merges.txt" },
        new object[] { "tokenizers/llama3.2", "encoder.json", "vocab.bpe" },
    };

    [Theory]
    [InlineData(1_000)]
    [InlineData(20_000)]
    public void MergeLookupsGrowLinearlyInOneLongWord(int length)
    {
        // One pre-token of n letters: each start symbol's pair is looked up once and each merge
        // looks up the two new pairs it makes, so at most 3n look-ups.
        string word = new('a', length);

        int[] tokens = Gpt2.Value.Encode(word, addBos: false, out int mergeLookups);

        Assert.Equal(length / 4, tokens.Length); // "aaaa" is one token
        Assert.InRange(mergeLookups, length - 1, 3 * length);
    }

    [Fact]
    public void MergeLookupsGrowLinearlyInProse()
    {
        string text = TokenizerTestTexts.Prose(20_000);

        Gpt2.Value.Encode(text, addBos: false, out int mergeLookups);

        Assert.InRange(mergeLookups, 1, 3 * Encoding.UTF8.GetByteCount(text));
    }

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void EncodesAsMicrosoftMlTokenizersOnRealAndRandomTexts(string folder, string vocabulary, string merges)
    {
        string vocabularyPath = TestModels.Path(folder.Split('/').Append(vocabulary).ToArray());
        string mergesPath = TestModels.Path(folder.Split('/').Append(merges).ToArray());
        var tokenizer = Gpt2Tokenizer.Load(vocabularyPath, mergesPath);
        var reference = new Gpt2ReferenceEncoder(vocabularyPath, mergesPath);

        foreach (string text in TokenizerTestTexts.All().Append(new string('a', 3000)).Append(string.Concat(Enumerable.Repeat("ab", 700))))
        {
            int[] expected = reference.Encode(text);
            int[] actual = tokenizer.Encode(text, addBos: false);
            Assert.True(expected.SequenceEqual(actual),
                $"\"{Escaped(text)}\": expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
    }

    [Fact]
    public void RepeatedPairsMergeFromTheLeft()
    {
        // "aaa" with the one merge "a a": the two pairs have the same rank, and the leftmost goes first.
        string folder = Directory.CreateTempSubdirectory("codegen-gpt2-ties-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "vocab.json"), "{\"a\": 0, \"aa\": 1}");
            File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\na a\n");
            var tokenizer = Gpt2Tokenizer.Load(folder);

            Assert.Equal(new[] { 1, 0 }, tokenizer.Encode("aaa", addBos: false));
            Assert.Equal(new[] { 1, 1, 0 }, tokenizer.Encode("aaaaa", addBos: false));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Escaped(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
}
