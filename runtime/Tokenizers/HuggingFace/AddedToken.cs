using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// One entry of tokenizer.json's <c>added_tokens</c>: a token matched whole in the text before the
/// model runs. <see cref="Special"/> tokens (such as <c>&lt;s&gt;</c>) decode to no text;
/// <see cref="LeftStrip"/>/<see cref="RightStrip"/> drop the whitespace before/after a match;
/// <see cref="Normalized"/> tokens are matched in the normalized text, as the normalizer writes them.
/// </summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LeftStrip, bool RightStrip, bool Normalized)
{
    /// <summary>Reads <c>added_tokens</c>: an array of objects with <c>id</c> and <c>content</c>, the flags defaulting to false.</summary>
    public static List<AddedToken> ReadAll(JsonField? addedTokens)
    {
        var tokens = new List<AddedToken>();
        if (addedTokens is not JsonField array)
        {
            return tokens;
        }

        var seenIds = new Dictionary<int, string>();
        var seenContents = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (JsonField item in array.Items())
        {
            JsonField idNode = item.Required("id");
            int id = idNode.Id();
            JsonField contentNode = item.Required("content");
            string content = contentNode.String();
            if (content.Length == 0)
            {
                throw contentNode.Fail("is empty; an added token needs text");
            }

            if (!seenIds.TryAdd(id, content))
            {
                throw idNode.Fail($"is also the id of the added token \"{seenIds[id]}\"");
            }

            if (!seenContents.Add(content))
            {
                throw contentNode.Fail("is the text of an earlier added token");
            }

            // single_word is read for its type only: Hugging Face's JavaScript tokenizer ignores it, and so does this runtime.
            _ = item.OptionalBool("single_word", false);
            tokens.Add(new AddedToken(id, content, item.OptionalBool("special", false), item.OptionalBool("lstrip", false),
                item.OptionalBool("rstrip", false), item.OptionalBool("normalized", false)));
        }

        return tokens;
    }
}
