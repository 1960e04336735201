using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Codegen.Tokenizers;

/// <summary>
/// Runs a pre-tokenizer pattern over code points rather than UTF-16 code units. .NET's
/// <see cref="Regex"/> sees a character outside the Basic Multilingual Plane as two surrogates,
/// which <c>\p{L}</c> and <c>\p{N}</c> do not match, where llama.cpp's splitter sees one letter or
/// digit. So the pattern runs on a stand-in text with one character a code point: each surrogate
/// pair replaced by a BMP character of the same class for these patterns (a letter 'A', a digit
/// '0', or '§' for anything else), and the matches are mapped back to the original text.
/// </summary>
/// <remarks>
/// The stand-ins suit patterns that only ask whether a character is a letter, a digit, whitespace
/// or a line break, and match a few ASCII letters after an apostrophe (none of which is 'A'):
/// GPT-2's, Llama 3's and Qwen2's. A lone surrogate stays as it is (neither letter, digit nor space).
/// </remarks>
internal static class CodePointRegexSplitter
{
    /// <summary>The pieces of <paramref name="text"/> that <paramref name="pattern"/> matches, as (start, length) in the original text.</summary>
    public static List<(int Start, int Length)> Split(Regex pattern, string text)
    {
        var pieces = new List<(int Start, int Length)>();
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (ValueMatch match in pattern.EnumerateMatches(text))
            {
                pieces.Add((match.Index, match.Length));
            }

            return pieces;
        }

        // starts[j] is the original index of stand-in character j; starts[^1] is the text's length.
        var standIn = new StringBuilder(text.Length);
        var starts = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length;)
        {
            starts.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                standIn.Append(StandIn(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))));
                i += 2;
            }
            else
            {
                standIn.Append(text[i]);
                i++;
            }
        }

        starts.Add(text.Length);
        foreach (ValueMatch match in pattern.EnumerateMatches(standIn.ToString()))
        {
            int start = starts[match.Index];
            pieces.Add((start, starts[match.Index + match.Length] - start));
        }

        return pieces;
    }

    private static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => 'A',
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => '0',
        _ => '\u00A7',
    };
}
