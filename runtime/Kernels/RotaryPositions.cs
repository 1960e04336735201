using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Codegen.Kernels;

/// <summary>
/// Rotary position embeddings (Llama), llama2.c's convention: in every head, the adjacent pair
/// (2j, 2j + 1) of the query and of the key turns by the angle position * RopeTheta^(-2j / HeadDim),
/// whose cosine and sine come from tables of [Context, HeadDim / 2] computed at load.
/// </summary>
public static class RotaryPositions
{
    /// <summary>
    /// Turns the query (DModel values) and this position's key (KvDim values) of <paramref name="position"/>
    /// in place: each pair [x0, x1] becomes [x0 cos - x1 sin, x0 sin + x1 cos]. With Vector256, when HeadDim
    /// is a multiple of eight, four pairs a vector.
    /// </summary>
    /// <typeparam name="TShape">The model's shape.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rotate<TShape>(Span<float> query, Span<float> key, int position, float[] cos, float[] sin)
        where TShape : IModelShape
    {
        // The sizes are read where they are used, not kept in locals: inlined, each is a constant in the
        // tree the loop optimizations see (the head loop of a model with HeadDim 8 runs once and goes away).
        int tableRow = position * (TShape.HeadDim / 2);
        if (TShape.HeadDim % 8 == 0 && Vector256.IsHardwareAccelerated && query.Length >= TShape.DModel && key.Length >= TShape.KvDim)
        {
            // Four pairs a vector: each pair's cosine and sine repeated for both of its values, the sine negated for
            // the first, so [x0, x1] becomes [x0 * c - x1 * s, x1 * c + x0 * s] with the pair swapped by a shuffle.
            ref float q = ref MemoryMarshal.GetReference(query);
            ref float k = ref MemoryMarshal.GetReference(key);
            Vector256<int> eachTwice = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
            Vector256<int> swapPairs = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
            Vector256<float> negateFirst = Vector256.Create(-1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f);
            for (int d = 0; d < TShape.HeadDim; d += 8)
            {
                Vector256<float> c = Vector256.Shuffle(Vector128.LoadUnsafe(ref cos[tableRow + (d / 2)]).ToVector256Unsafe(), eachTwice);
                Vector256<float> s = Vector256.Shuffle(Vector128.LoadUnsafe(ref sin[tableRow + (d / 2)]).ToVector256Unsafe(), eachTwice) * negateFirst;
                for (int i = d; i < TShape.DModel; i += TShape.HeadDim)
                {
                    Vector256<float> x = Vector256.LoadUnsafe(ref q, (nuint)i);
                    Vector256.StoreUnsafe((x * c) + (Vector256.Shuffle(x, swapPairs) * s), ref q, (nuint)i);
                }

                for (int i = d; i < TShape.KvDim; i += TShape.HeadDim)
                {
                    Vector256<float> x = Vector256.LoadUnsafe(ref k, (nuint)i);
                    Vector256.StoreUnsafe((x * c) + (Vector256.Shuffle(x, swapPairs) * s), ref k, (nuint)i);
                }
            }

            return;
        }

        for (int i = 0; i < TShape.DModel; i += 2)
        {
            int pair = (i % TShape.HeadDim) / 2;
            float c = cos[tableRow + pair];
            float s = sin[tableRow + pair];
            float q0 = query[i];
            float q1 = query[i + 1];
            query[i] = (q0 * c) - (q1 * s);
            query[i + 1] = (q0 * s) + (q1 * c);
            if (i < TShape.KvDim)
            {
                float k0 = key[i];
                float k1 = key[i + 1];
                key[i] = (k0 * c) - (k1 * s);
                key[i + 1] = (k0 * s) + (k1 * c);
            }
        }
    }
}
