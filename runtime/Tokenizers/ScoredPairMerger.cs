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

    /// <summary>Each token's place among the scores, best first: 0 for the highest score, the same for equal scores.</summary>
    private readonly int[] _scoreOrder;
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
        _scoreOrder = ScoreOrder(scores);
        _idsByKey = idsByKey;
        _longestKey = longestKey;
    }

    /// <summary>Merges <paramref name="tokens"/> in place; returns the number of pair look-ups it took.</summary>
    public int MergePairs(List<int> tokens)
    {
        var symbols = new MergeSymbols();
        symbols.Reset(CollectionsMarshal.AsSpan(tokens));

        // Highest score first, then the leftmost symbol: score order << 32 | left.
        var queue = new PriorityQueue<CandidatePair, long>();
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
        MergeSymbols symbols, int left, PriorityQueue<CandidatePair, long> queue, char[] joined, ref int pairLookups)
    {
        string leftKey = _keys[symbols.Token(left)];
        string rightKey = _keys[symbols.Token(symbols.Next(left))];
        leftKey.CopyTo(joined);
        rightKey.CopyTo(joined.AsSpan(leftKey.Length));
        pairLookups++;
        if (_idsByKey.TryGetValue(joined.AsSpan(0, leftKey.Length + rightKey.Length), out int id) && _scores[id] > NoMergeScore)
        {
            queue.Enqueue(symbols.Pair(left, id), ((long)_scoreOrder[id] << 32) | (uint)left);
        }
    }

    /// <summary>Each token's place among <paramref name="scores"/>, best first: 0 for the highest score, the same for equal scores.</summary>
    internal static int[] ScoreOrder(float[] scores)
    {
        int[] ids = new int[scores.Length];
        for (int id = 0; id < ids.Length; id++)
        {
            ids[id] = id;
        }

        // Highest first; NaN last (a NaN score never merges anyway).
        Array.Sort(ids, (a, b) => scores[b].CompareTo(scores[a]));
        var order = new int[scores.Length];
        for (int i = 1; i < ids.Length; i++)
        {
            order[ids[i]] = scores[ids[i]] == scores[ids[i - 1]] ? order[ids[i - 1]] : i;
        }

        return order;
    }
}
