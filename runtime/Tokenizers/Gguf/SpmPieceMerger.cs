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
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsByText;

    /// <summary>Each token's place among the scores, best first (see <see cref="ScoredPairMerger.ScoreOrder"/>).</summary>
    private readonly int[] _scoreOrder;

    /// <summary>The token of each byte, for characters the vocabulary lacks; -1 (left out) where there is none.</summary>
    private readonly int[] _tokenOfByte;

    public SpmPieceMerger(Dictionary<string, int> idsByText, float[] scores, int[] tokenOfByte)
    {
        _idsByText = idsByText.GetAlternateLookup<ReadOnlySpan<char>>();
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
        var queue = new PriorityQueue<CandidatePair, long>();
        int lookups = 0;
        for (int left = 0; left + 1 < symbols.StartCount; left++)
        {
            QueuePair(escaped, starts, symbols, left, queue, ref lookups);
        }

        while (queue.TryDequeue(out CandidatePair pair, out _))
        {
            if (!symbols.IsCurrent(pair))
            {
                continue;
            }

            symbols.MergeWithNext(pair.Left, pair.MergedToken);
            int previous = symbols.Previous(pair.Left);
            if (previous >= 0)
            {
                QueuePair(escaped, starts, symbols, previous, queue, ref lookups);
            }

            if (symbols.Next(pair.Left) >= 0)
            {
                QueuePair(escaped, starts, symbols, pair.Left, queue, ref lookups);
            }
        }

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

    /// <summary>Queues the merge of <paramref name="left"/> and the symbol after it if their joined text is a token.</summary>
    private void QueuePair(
        string escaped, List<int> starts, MergeSymbols symbols, int left, PriorityQueue<CandidatePair, long> queue, ref int lookups)
    {
        int right = symbols.Next(left);
        int afterRight = symbols.Next(right);
        int end = afterRight >= 0 ? starts[afterRight] : escaped.Length;
        lookups++;
        if (_idsByText.TryGetValue(escaped.AsSpan(starts[left], end - starts[left]), out int id))
        {
            queue.Enqueue(symbols.Pair(left, id), ((long)_scoreOrder[id] << 32) | (uint)left);
        }
    }
}
