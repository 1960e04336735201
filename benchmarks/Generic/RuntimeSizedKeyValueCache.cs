using System;
using System.Runtime.CompilerServices;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// The KV cache of one session, allocated once for the whole context, in the generated code's layout:
/// per layer, keys transposed [kvHeads, headDim, cachePositions] (so attention scores many positions
/// with one vector load) and values [cachePositions, kvDim]. The position count is the context rounded
/// up to 16, so attention's two blocks of eight positions never leave a head's row.
/// </summary>
internal sealed class RuntimeSizedKeyValueCache
{
    private readonly float[][] keys;
    private readonly float[][] values;

    public RuntimeSizedKeyValueCache(int layers, int kvDim, int context)
    {
        KvDim = kvDim;
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

    /// <summary>One layer's keys, transposed: [kvHeads, headDim, CachePositions].</summary>
    public float[] Keys(int layer) => keys[layer];

    /// <summary>One layer's values: [CachePositions, KvDim].</summary>
    public float[] Values(int layer) => values[layer];

    /// <summary>Where a position's value goes in a layer's value cache.</summary>
    public Span<float> ValueRow(int layer, int position) => values[layer].AsSpan(position * KvDim, KvDim);

    /// <summary>Writes a position's key into a layer's transposed key cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void StoreKey(int layer, ReadOnlySpan<float> key, int position)
    {
        float[] layerKeys = keys[layer];
        for (int i = 0; i < KvDim; i++)
        {
            layerKeys[(i * CachePositions) + position] = key[i];
        }
    }
}
