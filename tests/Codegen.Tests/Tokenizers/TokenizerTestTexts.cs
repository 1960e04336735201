using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// Texts to compare tokenizer implementations on: llama.cpp's tokenizer test strings, TinyStories
/// prose, and seeded random strings of letters, digits, punctuation, whitespace runs, contractions,
/// accented, CJK and emoji characters and lone surrogates.
/// </summary>
internal static class TokenizerTestTexts
{
    private static readonly string[] Fragments =
    {
        "a", "e", "the", " the", "Hello", " world", "Once", " upon", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
        "isn't", "I'm", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "0", "7", "42", "2024", "3.14", " 1,000",
        ".", ",", "!", "?!", "...", "\"", "(", ")", "{", "}", "<|endoftext|>", "-", "--", "_", "#", "@", "$",
        "é", "café", "naïve", "Ærøskøbing", "ß", "Ω", "日本語", "中文", "한국어", "привет", "مرحبا", "😀", "👍🏽", "🇫🇷",
        "\u00A0", "\u2028", "\u3000", "\ud800", "\udc00", "\u0000", "\u00ad", "x", "aaaa", "zzz", "Q",
    };

    /// <summary>llama.cpp's test strings (the <c>.inp</c> files of <c>tokenizers/llamacpp-testvectors</c>).</summary>
    public static IEnumerable<string> LlamaCppTestStrings()
    {
        foreach (string file in Directory.GetFiles(TestModels.Path("tokenizers", "llamacpp-testvectors"), "*.inp").Order(StringComparer.Ordinal))
        {
            foreach (string text in File.ReadAllText(file).Split("\n__ggml_vocab_test__\n"))
            {
                yield return text;
            }
        }
    }

    /// <summary>The reference greedy story of stories260K: 464 characters of TinyStories prose.</summary>
    public static string Story() => File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-200.txt"));

    /// <summary>The story repeated and cut to <paramref name="length"/> characters.</summary>
    public static string Prose(int length)
    {
        string story = Story() + "\n";
        var text = new StringBuilder(length + story.Length);
        while (text.Length < length)
        {
            text.Append(story);
        }

        return text.ToString(0, length);
    }

    /// <summary><paramref name="count"/> seeded random texts of fragments, each up to <paramref name="maxFragments"/> long.</summary>
    public static IEnumerable<string> Random(int seed, int count, int maxFragments)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            int fragments = random.Next(maxFragments + 1);
            for (int j = 0; j < fragments; j++)
            {
                text.Append(random.Next(4) == 0
                    ? (char)random.Next(0x20, 0x250)
                    : Fragments[random.Next(Fragments.Length)]);
            }

            yield return text.ToString();
        }
    }

    /// <summary>All of the above, for equality tests: real strings, prose of several lengths and random strings.</summary>
    public static IEnumerable<string> All() =>
        LlamaCppTestStrings()
            .Concat(new[] { Story(), Prose(3000), new string('a', 500), new string(' ', 300) + "x", "" })
            .Concat(Random(seed: 20261205, count: 400, maxFragments: 40));
}
