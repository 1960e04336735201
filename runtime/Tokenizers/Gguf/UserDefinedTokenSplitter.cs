using System;
using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// Splits plain text around the vocabulary's user-defined tokens, which llama.cpp matches whole
/// before merging even when special tokens are not parsed: longest token first, leftmost
/// occurrence first. Control and unknown tokens are never matched in plain text.
/// </summary>
internal sealed class UserDefinedTokenSplitter
{
    /// <summary>The user-defined tokens' texts and ids, longest text first.</summary>
    private readonly (string Text, int Id)[] _tokens;

    public UserDefinedTokenSplitter(string[] texts, GgufTokenType[] types)
    {
        var tokens = new List<(string Text, int Id)>();
        for (int id = 0; id < texts.Length; id++)
        {
            if (types[id] == GgufTokenType.UserDefined && texts[id].Length > 0)
            {
                tokens.Add((texts[id], id));
            }
        }

        // Longest first, as llama.cpp orders its special-token cache; then by id.
        tokens.Sort((a, b) => a.Text.Length != b.Text.Length ? b.Text.Length.CompareTo(a.Text.Length) : a.Id.CompareTo(b.Id));
        _tokens = tokens.ToArray();
    }

    /// <summary>
    /// The text as fragments in order: runs of plain text (Id -1) and user-defined tokens (Text null).
    /// Each token in turn, longest first, splits every plain-text fragment at its occurrences.
    /// </summary>
    public List<(string? Text, int Id)> Split(string text)
    {
        var fragments = new List<(string? Text, int Id)>();
        if (text.Length > 0)
        {
            fragments.Add((text, -1));
        }

        foreach ((string token, int id) in _tokens)
        {
            for (int i = 0; i < fragments.Count; i++)
            {
                if (fragments[i].Text is not string plain)
                {
                    continue;
                }

                int at = plain.IndexOf(token, StringComparison.Ordinal);
                if (at < 0)
                {
                    continue;
                }

                fragments.RemoveAt(i);
                int insert = i;
                if (at > 0)
                {
                    fragments.Insert(insert++, (plain[..at], -1));
                }

                fragments.Insert(insert++, (null, id));
                string rest = plain[(at + token.Length)..];
                if (rest.Length > 0)
                {
                    fragments.Insert(insert, (rest, -1));
                }

                // Continue with the fragment after the token (the rest, if any).
                i = insert - 1;
            }
        }

        return fragments;
    }
}
