using System;
using System.Runtime.CompilerServices;

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
