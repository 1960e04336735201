using System;
using System.Runtime.CompilerServices;

namespace Codegen.Kernels;

/// <summary>
/// The layout of the CPU key cache of one layer. Keys are cached transposed in blocks of
/// <see cref="KeyBlock"/> positions, [KvHeads, CachePositions / KeyBlock, HeadDim, KeyBlock], so
/// attention scores sixteen positions with HeadDim vector multiply-adds and no horizontal sums, and a
/// head's keys are one forward stream. Values are cached one row per position, [CachePositions, KvDim],
/// with no kernel of their own: a position's value row is written where the value projection puts it.
/// </summary>
public static class KeyCache
{
    /// <summary>Positions a block of the key cache holds, each dimension's sixteen side by side.</summary>
    public const int KeyBlock = 16;

    /// <summary>
    /// Where element <paramref name="i"/> (of KvDim) of the key of <paramref name="position"/> sits in the key
    /// cache: its key/value head's part, then its block of positions, its dimension and its place in the block.
    /// </summary>
    /// <typeparam name="TShape">The model's shape.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyCacheIndex<TShape>(int i, int position)
        where TShape : IModelShape =>
        ((i / TShape.HeadDim) * TShape.HeadDim * TShape.CachePositions) + ((position & ~(KeyBlock - 1)) * TShape.HeadDim) + ((i % TShape.HeadDim) * KeyBlock) + (position & (KeyBlock - 1));

    /// <summary>Writes the key of <paramref name="position"/> (KvDim values) into the key cache.</summary>
    /// <typeparam name="TShape">The model's shape.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreKey<TShape>(ReadOnlySpan<float> key, float[] keys, int position)
        where TShape : IModelShape
    {
        for (int i = 0; i < TShape.KvDim; i++)
        {
            keys[KeyCacheIndex<TShape>(i, position)] = key[i];
        }
    }

    /// <summary>
    /// Writes the keys of a prefill chunk's tokens [<paramref name="first"/>, <paramref name="end"/>) (rows of
    /// KvDim in <paramref name="keyRows"/>, token t at position <paramref name="firstPosition"/> + t) into the
    /// key cache, one dimension at a time: within a block the tokens' positions are neighbours, so each
    /// dimension's writes are contiguous instead of a block apart.
    /// </summary>
    /// <typeparam name="TShape">The model's shape.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreKeys<TShape>(float[] keyRows, int first, int end, float[] keys, int firstPosition)
        where TShape : IModelShape
    {
        for (int i = 0; i < TShape.KvDim; i++)
        {
            for (int t = first; t < end; t++)
            {
                keys[KeyCacheIndex<TShape>(i, firstPosition + t)] = keyRows[(t * TShape.KvDim) + i];
            }
        }
    }
}
