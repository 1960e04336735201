using System;
using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// The <c>model</c> section of a tokenizer.json of <c>type</c> "BPE": <c>vocab</c> (token → id),
/// <c>merges</c> (most important first, each "left right" or ["left", "right"]; each side and their join a token), <c>unk_token</c>,
/// <c>byte_fallback</c>, <c>fuse_unk</c> and <c>ignore_merges</c>. Dropout, a continuing-subword
/// prefix and an end-of-word suffix are refused; so is any other model type.
/// </summary>
internal sealed class BpeModelJson
{
    private BpeModelJson(string[] tokens, Dictionary<string, int> ids, List<(int Left, int Right, int Merged)> merges)
    {
        Tokens = tokens;
        Ids = ids;
        Merges = merges;
    }

    /// <summary>The model's tokens, indexed by id (ids 0 to count - 1).</summary>
    public string[] Tokens { get; }

    /// <summary>The id of each token text.</summary>
    public Dictionary<string, int> Ids { get; }

    /// <summary>The merges as token ids, most important first.</summary>
    public List<(int Left, int Right, int Merged)> Merges { get; }

    /// <summary>The unknown token's text, or null.</summary>
    public string? UnknownToken { get; private init; }

    /// <summary>Whether a character the vocabulary lacks becomes its UTF-8 bytes' <c>&lt;0xHH&gt;</c> tokens.</summary>
    public bool ByteFallback { get; private init; }

    /// <summary>Whether consecutive unknown characters give one unknown token.</summary>
    public bool FuseUnknown { get; private init; }

    /// <summary>Whether a pre-token that is a token on its own is that token without merging.</summary>
    public bool IgnoreMerges { get; private init; }

    public static BpeModelJson Read(JsonField model)
    {
        // Files written before "type" was saved name no type; like Hugging Face, a vocab object with merges is BPE.
        if (model.Optional("type") is not JsonField type)
        {
            if (model.Optional("merges") is null || model.Required("vocab").Kind != System.Text.Json.JsonValueKind.Object)
            {
                throw new ModelLoadException(model.File, "'model.type' is missing and the model is not BPE (a 'vocab' object with 'merges')");
            }
        }
        else if (type.String() != "BPE")
        {
            throw type.Fail("is a tokenizer model this runtime does not support; it supports \"BPE\" (byte-level or with byte fallback)");
        }

        if (model.Optional("dropout") is JsonField dropout && !(dropout.Kind == System.Text.Json.JsonValueKind.Number && dropout.Element.GetDouble() == 0))
        {
            throw dropout.Fail("asks for BPE dropout, which this runtime does not support (it encodes deterministically)");
        }

        foreach (string affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (model.Optional(affix) is JsonField node && node.String().Length > 0)
            {
                throw node.Fail("is not supported: this runtime reads BPE models without subword prefixes or word suffixes");
            }
        }

        (string[] tokens, Dictionary<string, int> ids) = ReadVocabulary(model.Required("vocab"));
        return new BpeModelJson(tokens, ids, ReadMerges(model.Required("merges"), ids))
        {
            UnknownToken = ReadUnknownToken(model, ids),
            ByteFallback = model.OptionalBool("byte_fallback", false),
            FuseUnknown = model.OptionalBool("fuse_unk", false),
            IgnoreMerges = model.OptionalBool("ignore_merges", false),
        };
    }

    private static string? ReadUnknownToken(JsonField model, Dictionary<string, int> ids)
    {
        if (model.Optional("unk_token") is not JsonField node)
        {
            return null;
        }

        string unknown = node.String();
        return ids.ContainsKey(unknown) ? unknown : throw node.Fail("is not a token of 'model.vocab'");
    }

    private static (string[] Tokens, Dictionary<string, int> Ids) ReadVocabulary(JsonField vocab)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<(string Token, JsonField Id)>();
        foreach ((string token, JsonField idNode) in vocab.Properties())
        {
            ids.Add(token, idNode.Id());
            entries.Add((token, idNode));
        }

        if (ids.Count == 0)
        {
            throw vocab.Fail("is empty");
        }

        var tokens = new string[ids.Count];
        foreach ((string token, JsonField idNode) in entries)
        {
            int id = ids[token];
            if (id >= tokens.Length)
            {
                throw idNode.Fail($"is out of range: {tokens.Length} tokens need ids 0 to {tokens.Length - 1}");
            }

            if (tokens[id] is { } other)
            {
                throw idNode.Fail($"is also the id of \"{other}\"");
            }

            tokens[id] = token;
        }

        return (tokens, ids);
    }

    private static List<(int Left, int Right, int Merged)> ReadMerges(JsonField mergesNode, Dictionary<string, int> ids)
    {
        var merges = new List<(int Left, int Right, int Merged)>(mergesNode.Count());
        var seen = new HashSet<(int, int)>();
        foreach (JsonField merge in mergesNode.Items())
        {
            (string left, string right) = MergeSides(merge, ids);
            if (!ids.TryGetValue(left, out int leftId) || !ids.TryGetValue(right, out int rightId)
                || !ids.TryGetValue(left + right, out int mergedId))
            {
                throw merge.Fail("has a side, or a join of the two, that is not in 'model.vocab'");
            }

            if (!seen.Add((leftId, rightId)))
            {
                throw merge.Fail("repeats an earlier merge");
            }

            merges.Add((leftId, rightId, mergedId));
        }

        return merges;
    }

    /// <summary>A merge's two sides: "left right" (exactly one space) or ["left", "right"].</summary>
    private static (string Left, string Right) MergeSides(JsonField merge, Dictionary<string, int> ids)
    {
        if (merge.Kind == System.Text.Json.JsonValueKind.Array)
        {
            if (merge.Count() != 2)
            {
                throw merge.Fail("is not a pair [\"left\", \"right\"]");
            }

            using IEnumerator<JsonField> sides = merge.Items().GetEnumerator();
            sides.MoveNext();
            string left = sides.Current.String();
            sides.MoveNext();
            return (left, sides.Current.String());
        }

        // A merge of space tokens is ambiguous ("     " in Llama 2's file); take the first space after
        // which both sides and their join are tokens.
        string line = merge.String();
        for (int space = line.Length > 1 ? line.IndexOf(' ', 1) : -1; space > 0 && space < line.Length - 1; space = line.IndexOf(' ', space + 1))
        {
            string left = line[..space];
            string right = line[(space + 1)..];
            if (ids.ContainsKey(left) && ids.ContainsKey(right) && ids.ContainsKey(left + right))
            {
                return (left, right);
            }
        }

        throw merge.Fail("is not two tokens of 'model.vocab' with a space between them whose join is a token too");
    }
}
