using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Codegen.Kernels;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// Causal multi-head attention of one position over the KV cache, with head count, head size and
/// grouping known only at run time. The generated kernel's algorithm: scores for 16 positions a step
/// down the blocked, transposed keys, softmax with the vectorized exp, then the weighted sum of values. What
/// the generated kernel can do and this cannot: unroll the loop over the head's dimensions and keep the
/// whole head's weighted sum in registers across positions; here the sum is kept in registers 32
/// dimensions at a time, with one pass over the positions per block.
/// </summary>
internal sealed class RuntimeSizedAttention
{
    private readonly int headDim;
    private readonly int kvDim;
    private readonly int queriesPerKvHead;
    private readonly int cachePositions;
    // Attention weights of each head over the positions so far, one row of cachePositions per head.
    private readonly float[] scores;

    public RuntimeSizedAttention(int heads, int kvHeads, int headDim, int cachePositions)
    {
        this.headDim = headDim;
        kvDim = kvHeads * headDim;
        queriesPerKvHead = heads / kvHeads;
        this.cachePositions = cachePositions;
        scores = new float[heads * cachePositions];
    }

    /// <summary>
    /// For query heads [startHead, endHead): scores of the keys at positions 0..position (the causal mask:
    /// never a later one) scaled by 1/sqrt(headDim), a softmax, and the values summed with those weights
    /// into the head's slice of <paramref name="output"/>. Query heads share key/value heads in groups.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Attend(ReadOnlySpan<float> query, float[] keys, float[] values, int position, Span<float> output, int startHead, int endHead)
    {
        int count = position + 1;
        float scoreScale = 1.0f / MathF.Sqrt(headDim);
        for (int head = startHead; head < endHead; head++)
        {
            int kvHead = head / queriesPerKvHead;
            ref float headQuery = ref Unsafe.Add(ref MemoryMarshal.GetReference(query), head * headDim);
            ref float headKeys = ref keys[kvHead * headDim * cachePositions];
            ref float headValues = ref values[kvHead * headDim];
            ref float headScores = ref scores[head * cachePositions];
            ref float headOutput = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), head * headDim);
            if (Vector256.IsHardwareAccelerated)
            {
                int padded = ScoreKeys(ref headQuery, ref headKeys, ref headScores, count, scoreScale);
                float inverseTotal = SoftmaxWeights(ref headScores, padded);
                SumWeightedValues(ref headScores, ref headValues, ref headOutput, count, inverseTotal);
            }
            else
            {
                AttendScalar(ref headQuery, ref headKeys, ref headValues, ref headScores, ref headOutput, count, scoreScale);
            }
        }
    }

    /// <summary>
    /// Scores of positions [0, count), 16 a step (two blocks of eight, even and odd dimensions in separate
    /// multiply-add chains); positions past the 8-aligned count get -infinity. Returns that padded count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ScoreKeys(ref float headQuery, ref float headKeys, ref float headScores, int count, float scoreScale)
    {
        Vector256<float> scale = Vector256.Create(scoreScale);
        for (int t = 0; t < count; t += RuntimeSizedKeyValueCache.KeyBlock)
        {
            Vector256<float> even0 = Vector256<float>.Zero;
            Vector256<float> odd0 = Vector256<float>.Zero;
            Vector256<float> even1 = Vector256<float>.Zero;
            Vector256<float> odd1 = Vector256<float>.Zero;
            // The block of 16 positions starting at t: each dimension's 16 keys side by side.
            ref float keysOfDimension = ref Unsafe.Add(ref headKeys, t * headDim);
            int d = 0;
            for (; d + 2 <= headDim; d += 2)
            {
                Vector256<float> evenQuery = Vector256.Create(Unsafe.Add(ref headQuery, d));
                even0 = SimdMath.MultiplyAdd(evenQuery, Vector256.LoadUnsafe(ref keysOfDimension), even0);
                even1 = SimdMath.MultiplyAdd(evenQuery, Vector256.LoadUnsafe(ref keysOfDimension, 8), even1);
                keysOfDimension = ref Unsafe.Add(ref keysOfDimension, RuntimeSizedKeyValueCache.KeyBlock);
                Vector256<float> oddQuery = Vector256.Create(Unsafe.Add(ref headQuery, d + 1));
                odd0 = SimdMath.MultiplyAdd(oddQuery, Vector256.LoadUnsafe(ref keysOfDimension), odd0);
                odd1 = SimdMath.MultiplyAdd(oddQuery, Vector256.LoadUnsafe(ref keysOfDimension, 8), odd1);
                keysOfDimension = ref Unsafe.Add(ref keysOfDimension, RuntimeSizedKeyValueCache.KeyBlock);
            }

            if (d < headDim)
            {
                Vector256<float> lastQuery = Vector256.Create(Unsafe.Add(ref headQuery, d));
                even0 = SimdMath.MultiplyAdd(lastQuery, Vector256.LoadUnsafe(ref keysOfDimension), even0);
                even1 = SimdMath.MultiplyAdd(lastQuery, Vector256.LoadUnsafe(ref keysOfDimension, 8), even1);
            }

            Vector256.StoreUnsafe((even0 + odd0) * scale, ref headScores, (nuint)t);
            Vector256.StoreUnsafe((even1 + odd1) * scale, ref headScores, (nuint)(t + 8));
        }

        int padded = (count + 7) & ~7;
        for (int t = count; t < padded; t++)
        {
            Unsafe.Add(ref headScores, t) = float.NegativeInfinity;
        }

        return padded;
    }

    /// <summary>Turns scores into softmax weights, left unnormalized; returns 1 / their total.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SoftmaxWeights(ref float headScores, int padded)
    {
        Vector256<float> maxima = Vector256.Create(float.NegativeInfinity);
        for (int t = 0; t < padded; t += 8)
        {
            maxima = Vector256.MaxNative(maxima, Vector256.LoadUnsafe(ref headScores, (nuint)t));
        }

        Vector256<float> shift = Vector256.Create(SimdMath.MaxAcross(maxima));
        Vector256<float> totals = Vector256<float>.Zero;
        for (int t = 0; t < padded; t += 8)
        {
            Vector256<float> weight = SimdMath.Exp(Vector256.LoadUnsafe(ref headScores, (nuint)t) - shift);
            Vector256.StoreUnsafe(weight, ref headScores, (nuint)t);
            totals += weight;
        }

        return 1.0f / Vector256.Sum(totals);
    }

    /// <summary>
    /// headOutput = inverseTotal * sum over positions of weight[t] * value[t]: 32 dimensions at a time in four
    /// registers, then 8 at a time with even and odd positions in separate chains, then a scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SumWeightedValues(ref float headScores, ref float headValues, ref float headOutput, int count, float inverseTotal)
    {
        Vector256<float> normalize = Vector256.Create(inverseTotal);
        nint valueStride = kvDim;
        int d = 0;
        for (; d + 32 <= headDim; d += 32)
        {
            Vector256<float> sum0 = Vector256<float>.Zero;
            Vector256<float> sum1 = Vector256<float>.Zero;
            Vector256<float> sum2 = Vector256<float>.Zero;
            Vector256<float> sum3 = Vector256<float>.Zero;
            ref float value = ref Unsafe.Add(ref headValues, d);
            for (int t = 0; t < count; t++)
            {
                Vector256<float> weight = Vector256.Create(Unsafe.Add(ref headScores, t));
                sum0 = SimdMath.MultiplyAdd(weight, Vector256.LoadUnsafe(ref value), sum0);
                sum1 = SimdMath.MultiplyAdd(weight, Vector256.LoadUnsafe(ref value, 8), sum1);
                sum2 = SimdMath.MultiplyAdd(weight, Vector256.LoadUnsafe(ref value, 16), sum2);
                sum3 = SimdMath.MultiplyAdd(weight, Vector256.LoadUnsafe(ref value, 24), sum3);
                value = ref Unsafe.Add(ref value, valueStride);
            }

            Vector256.StoreUnsafe(sum0 * normalize, ref headOutput, (nuint)d);
            Vector256.StoreUnsafe(sum1 * normalize, ref headOutput, (nuint)(d + 8));
            Vector256.StoreUnsafe(sum2 * normalize, ref headOutput, (nuint)(d + 16));
            Vector256.StoreUnsafe(sum3 * normalize, ref headOutput, (nuint)(d + 24));
        }

        for (; d + 8 <= headDim; d += 8)
        {
            Vector256<float> evenSum = Vector256<float>.Zero;
            Vector256<float> oddSum = Vector256<float>.Zero;
            ref float value = ref Unsafe.Add(ref headValues, d);
            int t = 0;
            for (; t + 2 <= count; t += 2)
            {
                evenSum = SimdMath.MultiplyAdd(Vector256.Create(Unsafe.Add(ref headScores, t)), Vector256.LoadUnsafe(ref value), evenSum);
                value = ref Unsafe.Add(ref value, valueStride);
                oddSum = SimdMath.MultiplyAdd(Vector256.Create(Unsafe.Add(ref headScores, t + 1)), Vector256.LoadUnsafe(ref value), oddSum);
                value = ref Unsafe.Add(ref value, valueStride);
            }

            if (t < count)
            {
                evenSum = SimdMath.MultiplyAdd(Vector256.Create(Unsafe.Add(ref headScores, t)), Vector256.LoadUnsafe(ref value), evenSum);
            }

            Vector256.StoreUnsafe((evenSum + oddSum) * normalize, ref headOutput, (nuint)d);
        }

        for (; d < headDim; d++)
        {
            float sum = 0;
            for (int t = 0; t < count; t++)
            {
                sum += Unsafe.Add(ref headScores, t) * Unsafe.Add(ref headValues, (t * kvDim) + d);
            }

            Unsafe.Add(ref headOutput, d) = sum * inverseTotal;
        }
    }

    /// <summary>The same attention without SIMD, for processors where Vector256 is not accelerated.</summary>
    private void AttendScalar(ref float headQuery, ref float headKeys, ref float headValues, ref float headScores, ref float headOutput, int count, float scoreScale)
    {
        float max = float.NegativeInfinity;
        for (int t = 0; t < count; t++)
        {
            float score = 0;
            for (int d = 0; d < headDim; d++)
            {
                score += Unsafe.Add(ref headQuery, d) * Unsafe.Add(ref headKeys, RuntimeSizedKeyValueCache.KeyOffsetInHead(headDim, d, t));
            }

            score *= scoreScale;
            Unsafe.Add(ref headScores, t) = score;
            max = MathF.Max(max, score);
        }

        float total = 0;
        for (int t = 0; t < count; t++)
        {
            float weight = MathF.Exp(Unsafe.Add(ref headScores, t) - max);
            Unsafe.Add(ref headScores, t) = weight;
            total += weight;
        }

        for (int d = 0; d < headDim; d++)
        {
            float sum = 0;
            for (int t = 0; t < count; t++)
            {
                sum += Unsafe.Add(ref headScores, t) * Unsafe.Add(ref headValues, (t * kvDim) + d);
            }

            Unsafe.Add(ref headOutput, d) = sum / total;
        }
    }
}
