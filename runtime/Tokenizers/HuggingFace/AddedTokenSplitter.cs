using System;
using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// Splits text at added tokens as Hugging Face's tokenizers do: scanning left to right, at each
/// position the longest added token that starts there is a match; the text between matches is plain.
/// Each position tries only the tokens that start with its character, longest first, so the cost is
/// linear in the text for a fixed set of tokens.
/// </summary>
internal sealed class AddedTokenSplitter
{
    /// <summary>The tokens by their first character, longest first.</summary>
    private readonly Dictionary<char, (string Text, AddedToken Token)[]> _byFirstChar;

    /// <param name="tokens">Each token's text as it is matched (the normalized text for normalized tokens), and the token.</param>
    public AddedTokenSplitter(IEnumerable<(string Text, AddedToken Token)> tokens)
    {
        var groups = new Dictionary<char, List<(string, AddedToken)>>();
        foreach ((string text, AddedToken token) in tokens)
        {
            if (text.Length == 0)
            {
                continue;
            }

            if (!groups.TryGetValue(text[0], out List<(string, AddedToken)>? group))
            {
                groups[text[0]] = group = new List<(string, AddedToken)>();
            }

            group.Add((text, token));
        }

        _byFirstChar = new Dictionary<char, (string, AddedToken)[]>();
        foreach ((char first, List<(string Text, AddedToken Token)> group) in groups)
        {
            group.Sort((a, b) => b.Text.Length.CompareTo(a.Text.Length));
            _byFirstChar[first] = group.ToArray();
        }
    }

    /// <summary>The text as pieces in order: plain text (Token null) and matched added tokens.</summary>
    public List<(string Text, AddedToken? Token)> Split(string text)
    {
        var pieces = new List<(string Text, AddedToken? Token)>();
        if (_byFirstChar.Count == 0)
        {
            pieces.Add((text, null));
            return pieces;
        }

        int plainStart = 0;
        for (int i = 0; i < text.Length;)
        {
            if (TryMatch(text, i, out string? matched, out AddedToken? token))
            {
                if (i > plainStart)
                {
                    pieces.Add((text[plainStart..i], null));
                }

                pieces.Add((matched, token));
                i += matched.Length;
                plainStart = i;
            }
            else
            {
                i++;
            }
        }

        if (plainStart < text.Length)
        {
            pieces.Add((text[plainStart..], null));
        }

        return pieces;
    }

    private bool TryMatch(string text, int at, out string matched, out AddedToken token)
    {
        if (_byFirstChar.TryGetValue(text[at], out (string Text, AddedToken Token)[]? candidates))
        {
            ReadOnlySpan<char> rest = text.AsSpan(at);
            foreach ((string candidate, AddedToken candidateToken) in candidates)
            {
                if (rest.StartsWith(candidate, StringComparison.Ordinal))
                {
                    matched = candidate;
                    token = candidateToken;
                    return true;
                }
            }
        }

        matched = null!;
        token = null!;
        return false;
    }
}
