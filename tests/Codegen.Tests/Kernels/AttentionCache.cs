using System;

namespace Codegen.Tests.Kernels;

/// <summary>
/// Keys and values of positions 0..<see cref="Filled"/> - 1, kept per position for the reference and
/// packed into the generated kernels' cache layout: keys transposed in blocks of 16 positions,
/// [KvHeads, CachePositions / 16, HeadDim, 16] (see <see cref="KeyIndex"/>), values [CachePositions, KvDim]. Every cache
/// slot past the filled positions holds <see cref="Garbage"/> (NaN unless told otherwise), so any
/// read beyond the causal mask shows in the output.
/// </summary>
internal sealed class AttentionCache
{
    public AttentionCache(ShapeDims dims, int cachePositions, int filled, TestRandom random, float garbage = float.NaN)
    {
        Dims = dims;
        CachePositions = cachePositions;
        Filled = filled;
        Garbage = garbage;
        Keys = new float[filled][];
        Values = new float[filled][];
        for (int t = 0; t < filled; t++)
        {
            Keys[t] = random.Normal(dims.KvDim);
            Values[t] = random.Normal(dims.KvDim);
        }

        KeyCache = new float[dims.KvDim * cachePositions];
        ValueCache = new float[cachePositions * dims.KvDim];
        Pack();
    }

    public ShapeDims Dims { get; }

    public int CachePositions { get; }

    public int Filled { get; }

    public float Garbage { get; }

    /// <summary>Keys by position, KvDim each: the reference's view, and what to change before <see cref="Pack"/>.</summary>
    public float[][] Keys { get; }

    public float[][] Values { get; }

    public float[] KeyCache { get; }

    public float[] ValueCache { get; }

    /// <summary>Writes <see cref="Keys"/> and <see cref="Values"/> into the caches, garbage everywhere else.</summary>
    public void Pack()
    {
        KeyCache.AsSpan().Fill(Garbage);
        ValueCache.AsSpan().Fill(Garbage);
        for (int t = 0; t < Filled; t++)
        {
            for (int i = 0; i < Dims.KvDim; i++)
            {
                KeyCache[KeyIndex(Dims, CachePositions, i, t)] = Keys[t][i];
                ValueCache[(t * Dims.KvDim) + i] = Values[t][i];
            }
        }
    }

    /// <summary>
    /// Where element i of the key of position t sits: its key/value head's part of the cache, then its block of
    /// 16 positions, then its dimension within the head, then its place in the block.
    /// </summary>
    public static int KeyIndex(ShapeDims dims, int cachePositions, int i, int t) =>
        ((i / dims.HeadDim) * dims.HeadDim * cachePositions) + ((t / 16) * 16 * dims.HeadDim) + ((i % dims.HeadDim) * 16) + (t % 16);

    /// <summary>A score buffer of the size the session gives attention, [Heads, CachePositions], full of NaN.</summary>
    public float[] NewScores()
    {
        var scores = new float[Dims.Heads * CachePositions];
        scores.AsSpan().Fill(float.NaN);
        return scores;
    }

    /// <summary>The reference attention of <paramref name="query"/> at <paramref name="position"/> (&lt; Filled).</summary>
    public double[] Reference(ReadOnlySpan<float> query, int position) => Reference(query, position, window: position + 1);

    /// <summary>The reference attention of <paramref name="query"/> at <paramref name="position"/> over the last <paramref name="window"/> positions only.</summary>
    public double[] Reference(ReadOnlySpan<float> query, int position, int window) => ReferenceMath.CausalAttention(
        ReferenceMath.ToDouble(query),
        Array.ConvertAll(Keys, k => ReferenceMath.ToDouble(k)),
        Array.ConvertAll(Values, v => ReferenceMath.ToDouble(v)),
        position,
        Dims.Heads,
        Dims.KvHeads,
        Dims.HeadDim,
        firstVisible: Math.Max(0, position + 1 - window));
}
