using System;
using System.Runtime.CompilerServices;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// The KV cache of one session, allocated once for the whole context, in the generated code's layout:
/// per layer, keys transposed in blocks of 16 positions, [kvHeads, cachePositions / 16, headDim, 16] (so
/// attention scores many positions with one vector load, and a head's keys are one forward stream), and
/// values [cachePositions, kvDim]. The position count is the context rounded up to 16, so attention's
/// blocks of positions never leave a head's part.
/// </summary>
internal sealed class RuntimeSizedKeyValueCache
{
    private readonly float[][] keys;
    private readonly float[][] values;

    /// <summary>Positions a block of the key cache holds.</summary>
    public const int KeyBlock = 16;

    private readonly int headDim;

    public RuntimeSizedKeyValueCache(int layers, int kvDim, int headDim, int context)
    {
        KvDim = kvDim;
        this.headDim = headDim;
        CachePositions = (context + 15) / 16 * 16;
        keys = new float[layers][];
        values = new float[layers][];
        for (int layer = 0; layer < layers; layer++)
        {
            keys[layer] = new float[checked(CachePositions * kvDim)];
            values[layer] = new float[checked(CachePositions * kvDim)];
        }
    }

    /// <summary>Positions each layer's cache holds (the context rounded up to a multiple of 16).</summary>
    public int CachePositions { get; }

    /// <summary>Width of one position's key (and value): key/value heads times head size.</summary>
    public int KvDim { get; }

    /// <summary>One layer's keys, blocked and transposed: [kvHeads, CachePositions / KeyBlock, headDim, KeyBlock].</summary>
    public float[] Keys(int layer) => keys[layer];

    /// <summary>One layer's values: [CachePositions, KvDim].</summary>
    public float[] Values(int layer) => values[layer];

    /// <summary>Where a position's value goes in a layer's value cache.</summary>
    public Span<float> ValueRow(int layer, int position) => values[layer].AsSpan(position * KvDim, KvDim);

    /// <summary>Where dimension d of a position's key sits within its key/value head's part of the key cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyOffsetInHead(int headDim, int d, int position) =>
        ((position & ~(KeyBlock - 1)) * headDim) + (d * KeyBlock) + (position & (KeyBlock - 1));

    /// <summary>
    /// Writes the keys of a prefill chunk's tokens [first, end) (rows of KvDim in keyRows, token t at position
    /// firstPosition + t) into a layer's key cache one dimension at a time, so the writes within a block are contiguous.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void StoreKeys(int layer, float[] keyRows, int first, int end, int firstPosition)
    {
        float[] layerKeys = keys[layer];
        for (int i = 0; i < KvDim; i++)
        {
            int headPart = (i / headDim) * headDim * CachePositions;
            int d = i % headDim;
            for (int t = first; t < end; t++)
            {
                layerKeys[headPart + KeyOffsetInHead(headDim, d, firstPosition + t)] = keyRows[(t * KvDim) + i];
            }
        }
    }

    /// <summary>Writes a position's key into a layer's key cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void StoreKey(int layer, ReadOnlySpan<float> key, int position)
    {
        float[] layerKeys = keys[layer];
        for (int i = 0; i < KvDim; i++)
        {
            layerKeys[((i / headDim) * headDim * CachePositions) + KeyOffsetInHead(headDim, i % headDim, position)] = key[i];
        }
    }
}
