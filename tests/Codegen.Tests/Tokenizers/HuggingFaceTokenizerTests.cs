using System.Collections.Generic;
using System.Linq;
using System.Text;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// <see cref="HuggingFaceTokenizer"/> against Hugging Face's JavaScript tokenizers (the goldens of
/// <see cref="HuggingFaceGoldens"/>): Llama 2, Phi-3, tiny GPT-2, and Llama 3 / Qwen2 style files.
/// </summary>
public sealed class HuggingFaceTokenizerTests
{
    public static TheoryData<string> Goldens => new(HuggingFaceGoldens.Names);

    [Theory]
    [MemberData(nameof(Goldens))]
    public void IdsEqualTheReferenceWithoutSpecialTokens(string name)
    {
        ITokenizer tokenizer = HuggingFaceGoldens.Tokenizer(name);
        IReadOnlyList<HuggingFaceGoldens.Case> cases = HuggingFaceGoldens.Read(name);
        Assert.True(cases.Count >= 70, $"{cases.Count} cases");

        var mismatches = new List<string>();
        foreach (HuggingFaceGoldens.Case c in cases)
        {
            int[] actual = tokenizer.Encode(c.Text, addBos: false);
            if (!actual.SequenceEqual(c.Ids))
            {
                mismatches.Add(Mismatch(c.Text, c.Ids, actual));
            }
        }

        Assert.True(mismatches.Count == 0, $"{name}: {mismatches.Count} of {cases.Count} differ:\n" + string.Join('\n', mismatches));
    }

    [Theory]
    [MemberData(nameof(Goldens))]
    public void IdsEqualTheReferenceWithSpecialTokens(string name)
    {
        ITokenizer tokenizer = HuggingFaceGoldens.Tokenizer(name);
        IReadOnlyList<HuggingFaceGoldens.Case> cases = HuggingFaceGoldens.Read(name);

        var mismatches = new List<string>();
        foreach (HuggingFaceGoldens.Case c in cases)
        {
            int[] actual = tokenizer.Encode(c.Text, addBos: true);
            if (!actual.SequenceEqual(c.WithSpecial))
            {
                mismatches.Add(Mismatch(c.Text, c.WithSpecial, actual));
            }
        }

        Assert.True(mismatches.Count == 0, $"{name}: {mismatches.Count} of {cases.Count} differ:\n" + string.Join('\n', mismatches));
    }

    /// <summary>
    /// Our decoding of the reference ids equals the reference's (skipping special tokens), for every string
    /// without a special token after text: there Hugging Face keeps the space that this runtime strips
    /// after a special token (see <see cref="HuggingFaceBpeTokenizer"/>'s remarks).
    /// </summary>
    [Theory]
    [MemberData(nameof(Goldens))]
    public void DecodeEqualsTheReference(string name)
    {
        ITokenizer tokenizer = HuggingFaceGoldens.Tokenizer(name);
        IReadOnlyList<HuggingFaceGoldens.Case> cases = HuggingFaceGoldens.Read(name);

        var mismatches = new List<string>();
        int compared = 0;
        foreach (HuggingFaceGoldens.Case c in cases.Where(c => !HasSpecialTokenAfterText(tokenizer, c.Ids)))
        {
            compared++;
            string actual = tokenizer.Decode(c.Ids);
            if (actual != c.Decoded)
            {
                mismatches.Add($"\"{Escape(c.Text)}\": reference \"{Escape(c.Decoded)}\", ours \"{Escape(actual)}\"");
            }
        }

        Assert.True(compared >= cases.Count - 8, $"{name}: only {compared} of {cases.Count} compared");
        Assert.True(mismatches.Count == 0, $"{name}: {mismatches.Count} of {compared} differ:\n" + string.Join('\n', mismatches));
    }

    /// <summary>
    /// Where the reference round-trips a string, so do we, with and without special tokens; and
    /// decoding token by token through <see cref="StreamingDecoder"/> gives valid text pieces that join to it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Goldens))]
    public void RoundTripsWhereTheReferenceDoes(string name)
    {
        ITokenizer tokenizer = HuggingFaceGoldens.Tokenizer(name);
        IReadOnlyList<HuggingFaceGoldens.Case> cases = HuggingFaceGoldens.Read(name);
        var roundTrips = cases.Where(c => c.Decoded == c.Text).ToList();
        Assert.True(roundTrips.Count >= 30, $"{name}: only {roundTrips.Count} of {cases.Count} round-trip in the reference");

        foreach (HuggingFaceGoldens.Case c in roundTrips)
        {
            foreach (bool addBos in new[] { false, true })
            {
                int[] ids = tokenizer.Encode(c.Text, addBos);
                Assert.Equal(c.Text, tokenizer.Decode(ids));

                var stream = new StreamingDecoder(tokenizer);
                var text = new StringBuilder();
                foreach (int id in ids)
                {
                    string piece = stream.Append(id);
                    Assert.DoesNotContain('\uFFFD', piece);
                    Assert.True(IsWellFormed(piece), $"{name}: a lone surrogate in a piece of \"{Escape(c.Text)}\"");
                    text.Append(piece);
                }

                text.Append(stream.Flush());
                Assert.Equal(c.Text, text.ToString());
            }
        }
    }

    /// <summary>Whether a special token (one that decodes to nothing) comes after a token with text.</summary>
    private static bool HasSpecialTokenAfterText(ITokenizer tokenizer, int[] ids)
    {
        bool afterText = false;
        int plain = tokenizer.Encode("a", addBos: false)[0];
        foreach (int id in ids)
        {
            bool special = tokenizer.DecodeBytes(plain, id).Length == 0;
            if (special && afterText)
            {
                return true;
            }

            afterText |= !special;
        }

        return false;
    }

    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Mismatch(string text, int[] expected, int[] actual) =>
        $"\"{Escape(text)}\":\n  reference [{string.Join(' ', expected)}]\n  ours      [{string.Join(' ', actual)}]";

    private static string Escape(string text) =>
        text.Length > 80 ? Escape(text[..80]) + "..." : text.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
}
