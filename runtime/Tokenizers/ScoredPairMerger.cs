using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Codegen.Tokenizers;

/// <summary>
/// llama2.c's merge loop (run.c's <c>encode</c>): merge the adjacent pair whose joined piece is in
/// the vocabulary with the highest score, the leftmost such pair on ties, until none is left. A
/// priority queue of candidate pairs over a linked list of symbols (as SentencePiece and llama.cpp
/// do) finds each merge without rescanning the text, so a text of n symbols takes at most 3n
/// vocabulary look-ups and O(n log n) time, and gives run.c's tokens.
/// </summary>
internal sealed class ScoredPairMerger
{
    /// <summary>run.c's starting best score: pairs whose merged token scores this or less never merge.</summary>
    private const float NoMergeScore = -1e10f;

    private readonly string[] _keys;
    private readonly float[] _scores;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsByKey;
    private readonly int _longestKey;

    /// <param name="keys">Each token's piece as Latin-1 characters (one char a byte), as run.c joins them.</param>
    /// <param name="scores">Each token's merge score.</param>
    /// <param name="idsByKey">The token of each piece (the lowest id of repeated pieces).</param>
    /// <param name="longestKey">The longest piece, in bytes.</param>
    public ScoredPairMerger(string[] keys, float[] scores, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> idsByKey, int longestKey)
    {
        _keys = keys;
        _scores = scores;
        _idsByKey = idsByKey;
        _longestKey = longestKey;
    }

    /// <summary>Merges <paramref name="tokens"/> in place; returns the number of pair look-ups it took.</summary>
    public int MergePairs(List<int> tokens)
    {
        var symbols = new MergeSymbols();
        symbols.Reset(CollectionsMarshal.AsSpan(tokens));

        // Highest score first (the negated score ascending), then the leftmost symbol.
        var queue = new PriorityQueue<CandidatePair, (float NegatedScore, int Left)>();
        char[] joined = new char[2 * _longestKey];
        int pairLookups = 0;
        for (int left = 0; left + 1 < symbols.StartCount; left++)
        {
            QueuePair(symbols, left, queue, joined, ref pairLookups);
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
                QueuePair(symbols, previous, queue, joined, ref pairLookups);
            }

            if (symbols.Next(pair.Left) >= 0)
            {
                QueuePair(symbols, pair.Left, queue, joined, ref pairLookups);
            }
        }

        tokens.Clear();
        symbols.AddTokensTo(tokens);
        return pairLookups;
    }

    /// <summary>Queues the merge of <paramref name="left"/> and the symbol after it, if their joined piece is a token that may merge.</summary>
    private void QueuePair(
        MergeSymbols symbols, int left, PriorityQueue<CandidatePair, (float, int)> queue, char[] joined, ref int pairLookups)
    {
        string leftKey = _keys[symbols.Token(left)];
        string rightKey = _keys[symbols.Token(symbols.Next(left))];
        leftKey.CopyTo(joined);
        rightKey.CopyTo(joined.AsSpan(leftKey.Length));
        pairLookups++;
        if (_idsByKey.TryGetValue(joined.AsSpan(0, leftKey.Length + rightKey.Length), out int id) && _scores[id] > NoMergeScore)
        {
            queue.Enqueue(symbols.Pair(left, id), (-_scores[id], left));
        }
    }
}
