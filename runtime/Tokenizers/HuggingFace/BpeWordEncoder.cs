using System;
using System.Collections.Generic;
using System.Text;

namespace Codegen.Tokenizers;

/// <summary>
/// The model step of a tokenizer.json BPE tokenizer: turns one pre-token into ids, merging by merge
/// rank with <see cref="RankedPairMerger"/> (leftmost pair on ties, as Hugging Face does).
/// Byte-level pre-tokens start as their UTF-8 bytes' tokens; other pre-tokens start as one symbol a
/// code point, and a code point the vocabulary lacks becomes its UTF-8 bytes' <c>&lt;0xHH&gt;</c>
/// tokens with byte fallback (when the vocabulary has them all), else the unknown token (one for a
/// run of them with <c>fuse_unk</c>), else nothing.
/// </summary>
internal sealed class BpeWordEncoder
{
    private readonly RankedPairMerger _merger;
    private readonly SpanKeyedIds _idsByText;
    private readonly bool _byteLevel;
    private readonly bool _ignoreMerges;
    private readonly bool _byteFallback;
    private readonly bool _fuseUnknown;
    private readonly int _unknown;
    private readonly int[] _byteTokens;
    private readonly int[] _tokenOfByte;

    /// <param name="model">The model section.</param>
    /// <param name="idsByText">The id of each token text, the added tokens' included (as Hugging Face looks them up).</param>
    /// <param name="byteLevel">Whether pre-tokens are byte-level.</param>
    public BpeWordEncoder(BpeModelJson model, Dictionary<string, int> idsByText, bool byteLevel)
    {
        _idsByText = new SpanKeyedIds(idsByText);
        _byteLevel = byteLevel;
        _ignoreMerges = model.IgnoreMerges;
        _byteFallback = model.ByteFallback;
        _fuseUnknown = model.FuseUnknown;
        _unknown = model.UnknownToken is string unknown ? model.Ids[unknown] : -1;
        _byteTokens = new int[256];
        _tokenOfByte = ByteLevelAlphabet.TokenOfEachByte(model.Ids);
        for (int b = 0; b < 256; b++)
        {
            _byteTokens[b] = model.Ids.GetValueOrDefault(ByteFallbackTokens.Name(b), -1);
        }

        _merger = new RankedPairMerger(model.Merges, _tokenOfByte);
    }

    /// <summary>Appends the ids of one pre-token to <paramref name="output"/>.</summary>
    public void Encode(string piece, RankedPairMerger.Workspace workspace, List<int> output)
    {
        if (_byteLevel)
        {
            EncodeBytes(piece, workspace, output);
        }
        else
        {
            EncodeCharacters(piece, workspace, output);
        }
    }

    private void EncodeBytes(string piece, RankedPairMerger.Workspace workspace, List<int> output)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(piece);
        if (_ignoreMerges)
        {
            Span<char> text = utf8.Length <= 256 ? stackalloc char[utf8.Length] : new char[utf8.Length];
            for (int i = 0; i < utf8.Length; i++)
            {
                text[i] = ByteLevelAlphabet.CharOf(utf8[i]);
            }

            if (_idsByText.TryGetValue(text, out int whole))
            {
                output.Add(whole);
                return;
            }
        }

        // A byte the vocabulary lacks stays a symbol that never merges, then comes out as the unknown
        // token or nothing, as in Hugging Face's tokenizers (so that its neighbours do not merge across it).
        var starts = new int[utf8.Length];
        for (int i = 0; i < utf8.Length; i++)
        {
            starts[i] = _tokenOfByte[utf8[i]] >= 0 ? _tokenOfByte[utf8[i]] : -1;
        }

        var merged = new List<int>(utf8.Length);
        _merger.MergeTokens(starts, workspace, merged);
        foreach (int token in merged)
        {
            if (token >= 0)
            {
                output.Add(token);
            }
            else if (_unknown >= 0)
            {
                output.Add(_unknown);
            }
        }
    }

    private void EncodeCharacters(string piece, RankedPairMerger.Workspace workspace, List<int> output)
    {
        if (_ignoreMerges && _idsByText.TryGetValue(piece, out int whole))
        {
            output.Add(whole);
            return;
        }

        // One symbol a code point: its token, or -(start + 1) for a code point the vocabulary lacks.
        var starts = new int[piece.Length];
        int count = 0;
        for (int i = 0; i < piece.Length; i += CodePointLength(piece, i))
        {
            starts[count++] = _idsByText.TryGetValue(piece.AsSpan(i, CodePointLength(piece, i)), out int id) ? id : -(i + 1);
        }

        var merged = new List<int>(count);
        _merger.MergeTokens(starts.AsSpan(0, count), workspace, merged);
        bool afterUnknown = false;
        foreach (int token in merged)
        {
            if (token >= 0)
            {
                output.Add(token);
                afterUnknown = false;
                continue;
            }

            int start = -token - 1;
            if (AddByteTokens(piece.AsSpan(start, CodePointLength(piece, start)), output))
            {
                afterUnknown = false;
            }
            else if (_unknown >= 0 && !(_fuseUnknown && afterUnknown))
            {
                output.Add(_unknown);
                afterUnknown = true;
            }
        }
    }

    /// <summary>With byte fallback, appends the code point's UTF-8 bytes' tokens when the vocabulary has them all.</summary>
    private bool AddByteTokens(ReadOnlySpan<char> codePoint, List<int> output)
    {
        if (!_byteFallback)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[8];
        int length = Encoding.UTF8.GetBytes(codePoint, utf8);
        foreach (byte b in utf8[..length])
        {
            if (_byteTokens[b] < 0)
            {
                return false;
            }
        }

        foreach (byte b in utf8[..length])
        {
            output.Add(_byteTokens[b]);
        }

        return true;
    }

    /// <summary>2 for a surrogate pair at <paramref name="i"/>, else 1 (a lone surrogate is a code point of its own).</summary>
    private static int CodePointLength(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
}
