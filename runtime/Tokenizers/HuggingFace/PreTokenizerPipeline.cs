using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace Codegen.Tokenizers;

/// <summary>
/// tokenizer.json's <c>pre_tokenizer</c>: splits a normalized text into the pieces the model merges
/// one by one. Supported: a <c>Sequence</c> of, or one of, <c>Split</c> (a <c>Regex</c> among
/// <see cref="BpePreTokenizers.KnownRegexes"/> or a <c>String</c>; behavior <c>Isolated</c> or
/// <c>Removed</c>; <c>invert</c> false), <c>ByteLevel</c> (last; <c>add_prefix_space</c>,
/// <c>use_regex</c> for GPT-2's pattern) and <c>Metaspace</c> (<c>replacement</c>,
/// <c>prepend_scheme</c> first/always/never or the older <c>add_prefix_space</c>, <c>split</c>).
/// Regexes run over code points (<see cref="CodePointRegexSplitter"/>), as Hugging Face's do.
/// </summary>
internal sealed class PreTokenizerPipeline
{
    /// <summary>One step: appends the pieces of one piece, given the index of its section among the added-token splits.</summary>
    private delegate void Step(string piece, int sectionIndex, List<string> output);

    private readonly List<Step> _steps;

    private PreTokenizerPipeline(List<Step> steps, bool byteLevel)
    {
        _steps = steps;
        ByteLevel = byteLevel;
    }

    /// <summary>Whether the pieces are byte-level: their UTF-8 bytes, written in <see cref="ByteLevelAlphabet"/>, are merged.</summary>
    public bool ByteLevel { get; }

    /// <summary>The pipeline <paramref name="node"/> describes; none (null) keeps the text as one piece.</summary>
    public static PreTokenizerPipeline Read(JsonField? node)
    {
        var steps = new List<Step>();
        bool byteLevel = false;
        if (node is JsonField preTokenizer)
        {
            AddSteps(preTokenizer, steps, ref byteLevel);
        }

        return new PreTokenizerPipeline(steps, byteLevel);
    }

    /// <summary>The pieces of <paramref name="text"/>, the section <paramref name="sectionIndex"/> of the added-token split.</summary>
    public List<string> Split(string text, int sectionIndex)
    {
        var pieces = new List<string> { text };
        foreach (Step step in _steps)
        {
            var next = new List<string>(pieces.Count);
            foreach (string piece in pieces)
            {
                step(piece, sectionIndex, next);
            }

            pieces = next;
        }

        return pieces;
    }

    private static void AddSteps(JsonField node, List<Step> steps, ref bool byteLevel)
    {
        JsonField type = node.Required("type");
        if (byteLevel)
        {
            throw type.Fail("comes after a ByteLevel pre-tokenizer; this runtime supports ByteLevel only as the last step");
        }

        switch (type.String())
        {
            case "Sequence":
                foreach (JsonField inner in node.Required("pretokenizers").Items())
                {
                    AddSteps(inner, steps, ref byteLevel);
                }

                break;
            case "Split":
                steps.Add(SplitStep(node));
                break;
            case "ByteLevel":
                steps.Add(ByteLevelStep(node));
                byteLevel = true;
                break;
            case "Metaspace":
                steps.Add(MetaspaceStep(node));
                break;
            default:
                throw type.Fail("is a pre-tokenizer this runtime does not support; it supports Sequence, Split, ByteLevel and Metaspace");
        }
    }

    private static Step SplitStep(JsonField node)
    {
        if (node.OptionalBool("invert", false))
        {
            throw node.Required("invert").Fail("is not supported: this runtime splits with invert false only");
        }

        Regex pattern = SplitPattern(node.Required("pattern"));
        JsonField behaviorNode = node.Required("behavior");
        switch (behaviorNode.String())
        {
            case "Isolated":
                return (piece, _, output) =>
                {
                    int end = 0;
                    foreach ((int start, int length) in CodePointRegexSplitter.Split(pattern, piece))
                    {
                        AddIfNotEmpty(piece[end..start], output);
                        AddIfNotEmpty(piece.Substring(start, length), output);
                        end = start + length;
                    }

                    AddIfNotEmpty(piece[end..], output);
                };
            case "Removed":
                return (piece, _, output) =>
                {
                    int end = 0;
                    foreach ((int start, int length) in CodePointRegexSplitter.Split(pattern, piece))
                    {
                        AddIfNotEmpty(piece[end..start], output);
                        end = start + length;
                    }

                    AddIfNotEmpty(piece[end..], output);
                };
            default:
                throw behaviorNode.Fail("is a split behavior this runtime does not support; it supports Isolated and Removed");
        }
    }

    private static Regex SplitPattern(JsonField pattern)
    {
        if (pattern.Optional("Regex") is JsonField regex)
        {
            return BpePreTokenizers.TryGetByRegex(regex.String(), out Regex known)
                ? known
                : throw regex.Fail($"is a regex this runtime cannot run; it runs {BpePreTokenizers.KnownRegexes}");
        }

        return new Regex(Regex.Escape(TextNormalizer.StringPattern(pattern)), RegexOptions.CultureInvariant);
    }

    private static Step ByteLevelStep(JsonField node)
    {
        bool addPrefixSpace = node.OptionalBool("add_prefix_space", false);
        bool useRegex = node.OptionalBool("use_regex", true);
        return (piece, _, output) =>
        {
            if (addPrefixSpace && !piece.StartsWith(' '))
            {
                piece = " " + piece;
            }

            if (!useRegex)
            {
                output.Add(piece);
                return;
            }

            foreach ((int start, int length) in CodePointRegexSplitter.Split(BpePreTokenizers.Gpt2, piece))
            {
                output.Add(piece.Substring(start, length));
            }
        };
    }

    /// <summary>
    /// Metaspace: spaces become the replacement character, which is put first unless the piece starts
    /// with it (always, or only in the first section for "first"); with <c>split</c> (the default) the
    /// piece is then cut before each replacement character, as Hugging Face's Rust tokenizers do.
    /// </summary>
    private static Step MetaspaceStep(JsonField node)
    {
        string replacement = node.OptionalString("replacement", "\u2581")!;
        if (replacement.Length != 1)
        {
            throw node.Required("replacement").Fail("is not one character");
        }

        string scheme = node.Optional("prepend_scheme") is JsonField schemeNode
            ? schemeNode.String() switch
            {
                "first" or "always" or "never" => schemeNode.String(),
                _ => throw schemeNode.Fail("is not \"first\", \"always\" or \"never\""),
            }
            : node.OptionalBool("add_prefix_space", true) ? "always" : "never";
        bool split = node.OptionalBool("split", true);
        char mark = replacement[0];
        return (piece, sectionIndex, output) =>
        {
            string replaced = piece.Replace(' ', mark);
            if (!replaced.StartsWith(mark) && (scheme == "always" || (scheme == "first" && sectionIndex == 0)))
            {
                replaced = mark + replaced;
            }

            if (!split)
            {
                AddIfNotEmpty(replaced, output);
                return;
            }

            int start = 0;
            for (int i = 1; i <= replaced.Length; i++)
            {
                if (i == replaced.Length || replaced[i] == mark)
                {
                    AddIfNotEmpty(replaced[start..i], output);
                    start = i;
                }
            }
        };
    }

    private static void AddIfNotEmpty(string piece, List<string> output)
    {
        if (piece.Length > 0)
        {
            output.Add(piece);
        }
    }
}
