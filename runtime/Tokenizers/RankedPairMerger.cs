using System;
using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// GPT-2's byte-level BPE merge of one pre-token: merge the adjacent pair that comes first in
/// merges.txt (the lowest rank), the leftmost such pair on ties, until no pair has a merge. A
/// priority queue of candidate pairs over a linked list of symbols, as Hugging Face's tokenizers
/// do, so a pre-token of n bytes takes at most 3n merge look-ups and O(n log n) time.
/// </summary>
internal sealed class RankedPairMerger
{
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> _merges;

    /// <summary>The token of each byte on its own, or -1 where the vocabulary has none.</summary>
    private readonly int[] _tokenOfByte;

    /// <param name="merges">The merges in merges.txt's order, as token ids; each pair once.</param>
    /// <param name="tokenOfByte">The token of each of the 256 bytes, or -1 where the vocabulary lacks it.</param>
    public RankedPairMerger(IReadOnlyList<(int Left, int Right, int Merged)> merges, int[] tokenOfByte)
    {
        _merges = new Dictionary<(int, int), (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            (int left, int right, int merged) = merges[rank];
            _merges.Add((left, right), (rank, merged));
        }

        _tokenOfByte = tokenOfByte;
    }

    /// <summary>The buffers one encoding reuses from pre-token to pre-token; one per thread at a time.</summary>
    public sealed class Workspace
    {
        internal readonly MergeSymbols Symbols = new();
        /// <summary>Candidate merges by rank, then by left symbol: <c>rank &lt;&lt; 32 | left</c>.</summary>
        internal readonly PriorityQueue<CandidatePair, long> Queue = new();
        internal int[] StartTokens = new int[64];
    }

    /// <summary>
    /// Appends the tokens of one pre-token's UTF-8 bytes to <paramref name="output"/>: each byte's
    /// token (a byte the vocabulary lacks is left out, as Hugging Face's tokenizer does without an
    /// unknown token), then the merges. Returns the number of merge look-ups it took.
    /// </summary>
    public int MergeWord(ReadOnlySpan<byte> utf8, Workspace workspace, List<int> output)
    {
        if (workspace.StartTokens.Length < utf8.Length)
        {
            workspace.StartTokens = new int[Math.Max(utf8.Length, 2 * workspace.StartTokens.Length)];
        }

        int count = 0;
        foreach (byte b in utf8)
        {
            if (_tokenOfByte[b] >= 0)
            {
                workspace.StartTokens[count++] = _tokenOfByte[b];
            }
        }

        return MergeTokens(workspace.StartTokens.AsSpan(0, count), workspace, output);
    }

    /// <summary>
    /// Appends to <paramref name="output"/> the tokens that merging <paramref name="startTokens"/> gives
    /// (a negative start token never merges and comes out as it is, for the caller to replace). Returns
    /// the number of merge look-ups it took.
    /// </summary>
    public int MergeTokens(ReadOnlySpan<int> startTokens, Workspace workspace, List<int> output)
    {
        MergeSymbols symbols = workspace.Symbols;
        symbols.Reset(startTokens);
        int mergeLookups = symbols.MergeAll(new RankedMerges(_merges), workspace.Queue);
        symbols.AddTokensTo(output);
        return mergeLookups;
    }

    /// <summary>A pair merges when merges.txt has it; the queue orders it by its line (rank).</summary>
    private readonly struct RankedMerges(Dictionary<(int Left, int Right), (int Rank, int Merged)> merges) : IPairMerges
    {
        public bool TryFind(MergeSymbols symbols, int left, out int mergedToken, out int order)
        {
            bool found = merges.TryGetValue((symbols.Token(left), symbols.Token(symbols.Next(left))), out (int Rank, int Merged) merge);
            (order, mergedToken) = merge;
            return found;
        }
    }
}
