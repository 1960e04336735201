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
    private readonly SpanKeyedIds _idsByKey;
    private readonly int _longestKey;

    /// <param name="keys">Each token's piece as Latin-1 characters (one char a byte), as run.c joins them.</param>
    /// <param name="scores">Each token's merge score.</param>
    /// <param name="idsByKey">The token of each piece (the lowest id of repeated pieces).</param>
    /// <param name="longestKey">The longest piece, in bytes.</param>
    public ScoredPairMerger(string[] keys, float[] scores, SpanKeyedIds idsByKey, int longestKey)
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

        // Highest score first, then the leftmost symbol.
        int pairLookups = symbols.MergeAll(new JoinedPieces(this, new char[2 * _longestKey]), new PriorityQueue<CandidatePair, long>());
        tokens.Clear();
        symbols.AddTokensTo(tokens);
        return pairLookups;
    }

    /// <summary>A pair merges when the two pieces joined are a token that may merge; the queue orders it by that token's score.</summary>
    private readonly struct JoinedPieces(ScoredPairMerger merger, char[] joined) : IPairMerges
    {
        public bool TryFind(MergeSymbols symbols, int left, out int mergedToken, out int order)
        {
            string leftKey = merger._keys[symbols.Token(left)];
            string rightKey = merger._keys[symbols.Token(symbols.Next(left))];
            leftKey.CopyTo(joined);
            rightKey.CopyTo(joined.AsSpan(leftKey.Length));
            if (merger._idsByKey.TryGetValue(joined.AsSpan(0, leftKey.Length + rightKey.Length), out mergedToken)
                && merger._scores[mergedToken] > NoMergeScore)
            {
                order = merger._scoreOrder[mergedToken];
                return true;
            }

            order = 0;
            return false;
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
