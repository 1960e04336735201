using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// The special tokens tokenizer.json's <c>post_processor</c> puts around one encoded text when special
/// tokens are added: <c>TemplateProcessing</c> (its <c>single</c> template, the ids from
/// <c>special_tokens</c>), <c>RobertaProcessing</c>/<c>BertProcessing</c> (<c>cls</c> first, <c>sep</c>
/// last), <c>ByteLevel</c> (none), or a <c>Sequence</c> of them (each wrapping the result of the one before).
/// </summary>
internal sealed record SpecialTokenTemplate(int[] Prefix, int[] Suffix)
{
    public static readonly SpecialTokenTemplate None = new(System.Array.Empty<int>(), System.Array.Empty<int>());

    /// <summary>The template <paramref name="node"/> describes, checking each id against <paramref name="vocabularySize"/>.</summary>
    public static SpecialTokenTemplate Read(JsonField? node, int vocabularySize)
    {
        if (node is not JsonField processor)
        {
            return None;
        }

        JsonField type = processor.Required("type");
        switch (type.String())
        {
            case "ByteLevel":
                return None;
            case "Sequence":
                var prefix = new List<int>();
                var suffix = new List<int>();
                foreach (JsonField inner in processor.Required("processors").Items())
                {
                    SpecialTokenTemplate wrap = Read(inner, vocabularySize);
                    prefix.InsertRange(0, wrap.Prefix);
                    suffix.AddRange(wrap.Suffix);
                }

                return new SpecialTokenTemplate(prefix.ToArray(), suffix.ToArray());
            case "TemplateProcessing":
                return ReadTemplate(processor, vocabularySize);
            case "RobertaProcessing" or "BertProcessing":
                return new SpecialTokenTemplate(new[] { PairId(processor.Required("cls"), vocabularySize) }, new[] { PairId(processor.Required("sep"), vocabularySize) });
            default:
                throw type.Fail("is a post-processor this runtime does not support; it supports TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel and Sequence");
        }
    }

    private static SpecialTokenTemplate ReadTemplate(JsonField processor, int vocabularySize)
    {
        JsonField specialTokens = processor.Required("special_tokens");
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool sawSequence = false;
        foreach (JsonField item in processor.Required("single").Items())
        {
            if (item.Optional("Sequence") is JsonField sequence)
            {
                JsonField id = sequence.Required("id");
                if (id.String() != "A" || sawSequence)
                {
                    throw id.Fail("is not the one sequence \"A\" that a single-text template holds");
                }

                sawSequence = true;
            }
            else if (item.Optional("SpecialToken") is JsonField special)
            {
                JsonField name = special.Required("id");
                JsonField entry = specialTokens.Optional(name.String())
                    ?? throw name.Fail("is not a key of the post-processor's 'special_tokens'");
                foreach (JsonField id in entry.Required("ids").Items())
                {
                    (sawSequence ? suffix : prefix).Add(CheckedId(id, vocabularySize));
                }
            }
            else
            {
                throw item.Fail("is neither {\"Sequence\": ...} nor {\"SpecialToken\": ...}");
            }
        }

        return new SpecialTokenTemplate(prefix.ToArray(), suffix.ToArray());
    }

    /// <summary>The id of a Roberta/Bert <c>["text", id]</c> pair.</summary>
    private static int PairId(JsonField pair, int vocabularySize)
    {
        var items = new List<JsonField>(pair.Items());
        if (items.Count != 2)
        {
            throw pair.Fail("is not a [\"text\", id] pair");
        }

        return CheckedId(items[1], vocabularySize);
    }

    private static int CheckedId(JsonField id, int vocabularySize)
    {
        int value = id.Id();
        return value < vocabularySize ? value : throw id.Fail($"is out of range: token ids are 0 to {vocabularySize - 1}");
    }
}
