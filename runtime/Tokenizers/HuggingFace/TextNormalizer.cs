using System;
using System.Collections.Generic;
using System.Text;

namespace Codegen.Tokenizers;

/// <summary>
/// tokenizer.json's <c>normalizer</c>: a <c>Sequence</c> of, or one of, <c>Prepend</c> (text put
/// before a non-empty text), <c>Replace</c> with a <c>String</c> pattern (every occurrence), and the
/// Unicode forms <c>NFC</c>, <c>NFD</c>, <c>NFKC</c>, <c>NFKD</c>. Anything else is refused.
/// </summary>
internal sealed class TextNormalizer
{
    private readonly List<Func<string, string>> _steps;

    private TextNormalizer(List<Func<string, string>> steps) => _steps = steps;

    /// <summary>The normalizer <paramref name="node"/> describes, or null for none.</summary>
    public static TextNormalizer? Read(JsonField? node)
    {
        if (node is not JsonField normalizer)
        {
            return null;
        }

        var steps = new List<Func<string, string>>();
        AddSteps(normalizer, steps);
        return new TextNormalizer(steps);
    }

    /// <summary>The text after every step in turn.</summary>
    public string Normalize(string text)
    {
        foreach (Func<string, string> step in _steps)
        {
            text = step(text);
        }

        return text;
    }

    private static void AddSteps(JsonField normalizer, List<Func<string, string>> steps)
    {
        JsonField type = normalizer.Required("type");
        switch (type.String())
        {
            case "Sequence":
                foreach (JsonField inner in normalizer.Required("normalizers").Items())
                {
                    AddSteps(inner, steps);
                }

                break;
            case "Prepend":
                string prepend = normalizer.Required("prepend").String();
                steps.Add(text => text.Length == 0 ? text : prepend + text);
                break;
            case "Replace":
                string pattern = StringPattern(normalizer.Required("pattern"));
                string content = normalizer.Required("content").String();
                steps.Add(text => text.Replace(pattern, content, StringComparison.Ordinal));
                break;
            case "NFC":
                steps.Add(text => NormalizeUnicode(text, NormalizationForm.FormC));
                break;
            case "NFD":
                steps.Add(text => NormalizeUnicode(text, NormalizationForm.FormD));
                break;
            case "NFKC":
                steps.Add(text => NormalizeUnicode(text, NormalizationForm.FormKC));
                break;
            case "NFKD":
                steps.Add(text => NormalizeUnicode(text, NormalizationForm.FormKD));
                break;
            default:
                throw type.Fail("is a normalizer this runtime does not support; it supports Sequence, Prepend, Replace (String pattern), NFC, NFD, NFKC, NFKD");
        }
    }

    /// <summary>
    /// The text in a Unicode normal form. .NET refuses to normalize a lone surrogate, which JavaScript
    /// leaves as it is; so text with one is normalized piece by piece between them.
    /// </summary>
    private static string NormalizeUnicode(string text, NormalizationForm form)
    {
        try
        {
            return text.Normalize(form);
        }
        catch (ArgumentException)
        {
            var normalized = new StringBuilder(text.Length);
            int start = 0;
            for (int i = 0; i < text.Length; i++)
            {
                bool pair = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                if (pair)
                {
                    i++;
                }
                else if (char.IsSurrogate(text[i]))
                {
                    normalized.Append(text.AsSpan(start, i - start).ToString().Normalize(form)).Append(text[i]);
                    start = i + 1;
                }
            }

            return normalized.Append(text[start..].Normalize(form)).ToString();
        }
    }

    /// <summary>A <c>{"String": "..."}</c> pattern's text; a <c>Regex</c> pattern is refused.</summary>
    internal static string StringPattern(JsonField pattern)
    {
        if (pattern.Optional("String") is JsonField text && text.String().Length > 0)
        {
            return text.String();
        }

        throw pattern.Fail("is not supported here: only a non-empty {\"String\": ...} pattern is");
    }
}
