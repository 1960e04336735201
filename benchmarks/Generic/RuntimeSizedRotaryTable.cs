using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// Rotary positions, llama2.c's convention: in every head, the pair of dimensions (2j, 2j + 1) turns by
/// position * theta^(-2j / headDim). The cos and sin of every angle are computed once, [context, headDim / 2].
/// </summary>
internal sealed class RuntimeSizedRotaryTable
{
    private readonly int headDim;
    private readonly float[] cos;
    private readonly float[] sin;

    public RuntimeSizedRotaryTable(int context, int headDim, float theta)
    {
        this.headDim = headDim;
        int pairs = headDim / 2;
        cos = new float[context * pairs];
        sin = new float[context * pairs];
        for (int position = 0; position < context; position++)
        {
            for (int pair = 0; pair < pairs; pair++)
            {
                float frequency = 1.0f / MathF.Pow(theta, (2 * pair) / (float)headDim);
                float angle = position * frequency;
                cos[(position * pairs) + pair] = MathF.Cos(angle);
                sin[(position * pairs) + pair] = MathF.Sin(angle);
            }
        }
    }

    /// <summary>Turns every head of the query and every key/value head of the key to <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Rotate(Span<float> query, Span<float> key, int position)
    {
        int pairs = headDim / 2;
        ReadOnlySpan<float> cosRow = cos.AsSpan(position * pairs, pairs);
        ReadOnlySpan<float> sinRow = sin.AsSpan(position * pairs, pairs);
        RotateHeads(query, cosRow, sinRow);
        RotateHeads(key, cosRow, sinRow);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RotateHeads(Span<float> vector, ReadOnlySpan<float> cosRow, ReadOnlySpan<float> sinRow)
    {
        if (Vector256.IsHardwareAccelerated && headDim % 8 == 0)
        {
            // Four pairs a vector, as the generated code does: each pair's cosine and sine repeated for both of
            // its values, the sine negated for the first, the pair swapped by a shuffle.
            ref float x = ref MemoryMarshal.GetReference(vector);
            Vector256<int> eachTwice = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
            Vector256<int> swapPairs = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
            Vector256<float> negateFirst = Vector256.Create(-1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f);
            for (int d = 0; d < headDim; d += 8)
            {
                Vector256<float> c = Vector256.Shuffle(Vector128.Create(cosRow.Slice(d / 2, 4)).ToVector256Unsafe(), eachTwice);
                Vector256<float> s = Vector256.Shuffle(Vector128.Create(sinRow.Slice(d / 2, 4)).ToVector256Unsafe(), eachTwice) * negateFirst;
                for (int i = d; i < vector.Length; i += headDim)
                {
                    Vector256<float> pairs = Vector256.LoadUnsafe(ref x, (nuint)i);
                    Vector256.StoreUnsafe((pairs * c) + (Vector256.Shuffle(pairs, swapPairs) * s), ref x, (nuint)i);
                }
            }

            return;
        }

        for (int headStart = 0; headStart < vector.Length; headStart += headDim)
        {
            Span<float> head = vector.Slice(headStart, headDim);
            for (int pair = 0; pair < cosRow.Length; pair++)
            {
                float c = cosRow[pair];
                float s = sinRow[pair];
                float first = head[2 * pair];
                float second = head[(2 * pair) + 1];
                head[2 * pair] = (first * c) - (second * s);
                head[(2 * pair) + 1] = (first * s) + (second * c);
            }
        }
    }
}
