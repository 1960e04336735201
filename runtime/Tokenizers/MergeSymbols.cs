using System;
using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// The symbols of a text being merged by BPE: a doubly linked list over arrays, indexed by each
/// symbol's position in the starting sequence. A merge joins a symbol with the next one; the
/// first symbol is never removed. Each symbol has a version that changes whenever it changes or
/// is removed, so a queued <see cref="CandidatePair"/> can tell whether it still holds.
/// </summary>
internal sealed class MergeSymbols
{
    private int[] _tokens = Array.Empty<int>();
    private int[] _next = Array.Empty<int>();
    private int[] _previous = Array.Empty<int>();
    private int[] _versions = Array.Empty<int>();
    private int _count;

    /// <summary>Starts over with <paramref name="tokens"/> as the symbols, in order.</summary>
    public void Reset(ReadOnlySpan<int> tokens)
    {
        if (_tokens.Length < tokens.Length)
        {
            int capacity = Math.Max(tokens.Length, 2 * _tokens.Length);
            _tokens = new int[capacity];
            _next = new int[capacity];
            _previous = new int[capacity];
            _versions = new int[capacity];
        }

        _count = tokens.Length;
        tokens.CopyTo(_tokens);
        for (int i = 0; i < _count; i++)
        {
            _next[i] = i + 1 < _count ? i + 1 : -1;
            _previous[i] = i - 1;
            _versions[i] = 0;
        }
    }

    /// <summary>The number of symbols <see cref="Reset"/> started with.</summary>
    public int StartCount => _count;

    /// <summary>The symbol's token.</summary>
    public int Token(int symbol) => _tokens[symbol];

    /// <summary>The symbol after <paramref name="symbol"/>, or -1 at the end.</summary>
    public int Next(int symbol) => _next[symbol];

    /// <summary>The symbol before <paramref name="symbol"/>, or -1 at the start.</summary>
    public int Previous(int symbol) => _previous[symbol];

    /// <summary>A candidate merge of <paramref name="left"/> and the symbol after it, as they are now.</summary>
    public CandidatePair Pair(int left, int mergedToken)
    {
        int right = _next[left];
        return new CandidatePair(left, right, _versions[left], _versions[right], mergedToken);
    }

    /// <summary>Whether neither symbol of <paramref name="pair"/> has changed or gone since it was made.</summary>
    public bool IsCurrent(in CandidatePair pair) =>
        _versions[pair.Left] == pair.LeftVersion && _versions[pair.Right] == pair.RightVersion;

    /// <summary>Replaces <paramref name="left"/> and the symbol after it with one symbol of <paramref name="mergedToken"/>.</summary>
    public void MergeWithNext(int left, int mergedToken)
    {
        int right = _next[left];
        int afterRight = _next[right];
        _tokens[left] = mergedToken;
        _next[left] = afterRight;
        if (afterRight >= 0)
        {
            _previous[afterRight] = left;
        }

        _versions[left]++;
        _versions[right]++;
    }

    /// <summary>
    /// Runs BPE over the symbols: queues every adjacent pair that <paramref name="merges"/> knows, then again and again
    /// takes the first pair of the queue (by its order: best merge, then leftmost), skips it when a symbol of it has
    /// changed since, merges it, and queues the new pairs on both sides, until the queue is empty. Each pair is looked
    /// up at most 3 times per starting symbol; returns the number of look-ups.
    /// </summary>
    /// <typeparam name="TMerges">A struct, so each merger's look-up is compiled into the loop.</typeparam>
    public int MergeAll<TMerges>(TMerges merges, PriorityQueue<CandidatePair, long> queue)
        where TMerges : struct, IPairMerges
    {
        queue.Clear();
        int lookups = 0;
        for (int left = 0; left + 1 < _count; left++)
        {
            Queue(merges, left, queue, ref lookups);
        }

        while (queue.TryDequeue(out CandidatePair pair, out _))
        {
            if (!IsCurrent(pair))
            {
                continue;
            }

            MergeWithNext(pair.Left, pair.MergedToken);
            int previous = _previous[pair.Left];
            if (previous >= 0)
            {
                Queue(merges, previous, queue, ref lookups);
            }

            if (_next[pair.Left] >= 0)
            {
                Queue(merges, pair.Left, queue, ref lookups);
            }
        }

        return lookups;
    }

    private void Queue<TMerges>(TMerges merges, int left, PriorityQueue<CandidatePair, long> queue, ref int lookups)
        where TMerges : struct, IPairMerges
    {
        lookups++;
        if (merges.TryFind(this, left, out int mergedToken, out int order))
        {
            queue.Enqueue(Pair(left, mergedToken), ((long)order << 32) | (uint)left);
        }
    }

    /// <summary>Appends the tokens of the symbols, in order, to <paramref name="output"/>.</summary>
    public void AddTokensTo(List<int> output)
    {
        for (int symbol = _count > 0 ? 0 : -1; symbol >= 0; symbol = _next[symbol])
        {
            output.Add(_tokens[symbol]);
        }
    }
}

/// <summary>What a BPE merger knows: whether a pair of adjacent symbols merges, into what, and how early.</summary>
internal interface IPairMerges
{
    /// <summary>
    /// Whether <paramref name="left"/> and the symbol after it merge; if so into <paramref name="mergedToken"/>, with
    /// <paramref name="order"/> placing it in the queue (lower first: a merge rank, or a score's place).
    /// </summary>
    bool TryFind(MergeSymbols symbols, int left, out int mergedToken, out int order);
}

/// <summary>
/// A merge waiting in a BPE priority queue: symbol <paramref name="Left"/> with the symbol after it,
/// <paramref name="Right"/>, into <paramref name="MergedToken"/>, valid while both symbols still have
/// the versions they had when it was queued.
/// </summary>
internal readonly record struct CandidatePair(int Left, int Right, int LeftVersion, int RightVersion, int MergedToken);
