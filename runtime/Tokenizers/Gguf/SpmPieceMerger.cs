using System;
using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// llama.cpp's SentencePiece-style merge of one escaped text (spaces already U+2581): the text
/// starts as one symbol a character; then, repeatedly, the adjacent pair whose joined text is a
/// token with the highest score merges (the leftmost pair on ties) until no joined pair is a
/// token. A symbol left that is a token gives that token; any other (a character the vocabulary
/// lacks) gives its UTF-8 bytes' byte tokens. A priority queue of candidate pairs over a linked
/// list of symbols (<see cref="MergeSymbols"/>, as <see cref="ScoredPairMerger"/> uses) keeps it
/// O(n log n) with at most 3n look-ups.
/// </summary>
internal sealed class SpmPieceMerger
{
    private readonly SpanKeyedIds _idsByText;

    /// <summary>Each token's place among the scores, best first (see <see cref="ScoredPairMerger.ScoreOrder"/>).</summary>
    private readonly int[] _scoreOrder;

    /// <summary>The token of each byte, for characters the vocabulary lacks; -1 (left out) where there is none.</summary>
    private readonly int[] _tokenOfByte;

    public SpmPieceMerger(Dictionary<string, int> idsByText, float[] scores, int[] tokenOfByte)
    {
        _idsByText = new SpanKeyedIds(idsByText);
        _scoreOrder = ScoredPairMerger.ScoreOrder(scores);
        _tokenOfByte = tokenOfByte;
    }

    /// <summary>Appends the tokens of <paramref name="escaped"/> to <paramref name="output"/>; returns the pair look-ups it took.</summary>
    public int Merge(string escaped, List<int> output)
    {
        // One symbol a character (a surrogate pair is one character); the token of each, or -1.
        var starts = new List<int>(escaped.Length);
        var startTokens = new List<int>(escaped.Length);
        for (int i = 0; i < escaped.Length;)
        {
            int length = char.IsHighSurrogate(escaped[i]) && i + 1 < escaped.Length && char.IsLowSurrogate(escaped[i + 1]) ? 2 : 1;
            starts.Add(i);
            startTokens.Add(_idsByText.TryGetValue(escaped.AsSpan(i, length), out int id) ? id : -1);
            i += length;
        }

        var symbols = new MergeSymbols();
        symbols.Reset(startTokens.ToArray());
        int lookups = symbols.MergeAll(new JoinedText(this, escaped, starts), new PriorityQueue<CandidatePair, long>());

        var merged = new List<int>();
        symbols.AddTokensTo(merged);
        int symbol = 0;
        foreach (int token in merged)
        {
            if (token >= 0)
            {
                output.Add(token);
            }
            else
            {
                AddByteTokens(Text(escaped, starts, symbols, symbol), output);
            }

            symbol = symbols.Next(symbol);
        }

        return lookups;
    }

    private void AddByteTokens(ReadOnlySpan<char> character, List<int> output)
    {
        Span<byte> utf8 = stackalloc byte[8];
        int count = System.Text.Encoding.UTF8.GetBytes(character, utf8);
        foreach (byte b in utf8[..count])
        {
            if (_tokenOfByte[b] >= 0)
            {
                output.Add(_tokenOfByte[b]);
            }
        }
    }

    private static ReadOnlySpan<char> Text(string escaped, List<int> starts, MergeSymbols symbols, int symbol)
    {
        int next = symbols.Next(symbol);
        int end = next >= 0 ? starts[next] : escaped.Length;
        return escaped.AsSpan(starts[symbol], end - starts[symbol]);
    }

    /// <summary>A pair merges when the text the two symbols span is a token; the queue orders it by that token's score.</summary>
    private readonly struct JoinedText(SpmPieceMerger merger, string escaped, List<int> starts) : IPairMerges
    {
        public bool TryFind(MergeSymbols symbols, int left, out int mergedToken, out int order)
        {
            int afterRight = symbols.Next(symbols.Next(left));
            int end = afterRight >= 0 ? starts[afterRight] : escaped.Length;
            if (merger._idsByText.TryGetValue(escaped.AsSpan(starts[left], end - starts[left]), out mergedToken))
            {
                order = merger._scoreOrder[mergedToken];
                return true;
            }

            order = 0;
            return false;
        }
    }
}
