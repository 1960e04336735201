using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Codegen.Kernels;

// CpuAttention, its Vector256 head: sixteen positions a score step, eight values a vector.
public static partial class CpuAttention
{
    /// <summary>One head with Vector256: the scores, their softmax, the weighted sum of the values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Head256(ref float headQuery, ref float headKeys, ref float headValues, ref float headScores, ref float headOutput, int count, int hidden, float scoreScale, int headDim, int kvDim)
    {
        const int Lanes = 8;
        // Scores, eight positions a vector down the transposed keys, sixteen a step in four multiply-add
        // chains. CachePositions is a multiple of 16, so no step leaves this head's part of the cache; the
        // scores past count are padding.
        for (int t = 0; t < count; t += 2 * Lanes)
        {
            ref float block = ref Unsafe.Add(ref headKeys, t * headDim);
            Vector256<float> even0 = Vector256<float>.Zero;
            Vector256<float> odd0 = Vector256<float>.Zero;
            Vector256<float> even1 = Vector256<float>.Zero;
            Vector256<float> odd1 = Vector256<float>.Zero;
            // Dimension d's sixteen keys lie at block + d * KeyBlock; four dimensions a step, then a pair, then one.
            ref float keys = ref block;
            ref float queryAt = ref headQuery;
            for (int d = 0; d < headDim / 4 * 4; d += 4)
            {
                ScoreStep256(ref queryAt, ref keys, 0, ref even0, ref even1);
                ScoreStep256(ref queryAt, ref keys, 1, ref odd0, ref odd1);
                ScoreStep256(ref queryAt, ref keys, 2, ref even0, ref even1);
                ScoreStep256(ref queryAt, ref keys, 3, ref odd0, ref odd1);
                keys = ref Unsafe.Add(ref keys, 4 * KeyCache.KeyBlock);
                queryAt = ref Unsafe.Add(ref queryAt, 4);
            }

            if (headDim % 4 >= 2)
            {
                ScoreStep256(ref queryAt, ref keys, 0, ref even0, ref even1);
                ScoreStep256(ref queryAt, ref keys, 1, ref odd0, ref odd1);
                keys = ref Unsafe.Add(ref keys, 2 * KeyCache.KeyBlock);
                queryAt = ref Unsafe.Add(ref queryAt, 2);
            }

            if (headDim % 2 != 0)
            {
                ScoreStep256(ref queryAt, ref keys, 0, ref even0, ref even1);
            }

            Vector256.StoreUnsafe((even0 + odd0) * Vector256.Create(scoreScale), ref headScores, (nuint)t);
            Vector256.StoreUnsafe((even1 + odd1) * Vector256.Create(scoreScale), ref headScores, (nuint)(t + Lanes));
        }

        int padded = (count + (Lanes - 1)) & ~(Lanes - 1);
        for (int t = count; t < padded; t++)
        {
            Unsafe.Add(ref headScores, t) = float.NegativeInfinity;
        }

        // Positions before a sliding window (at most a block's worth, at the start) get no weight.
        for (int t = 0; t < hidden; t++)
        {
            Unsafe.Add(ref headScores, t) = float.NegativeInfinity;
        }

        // Softmax weights, left unnormalized: the weighted sum is divided by their total at the end.
        Vector256<float> maxima = Vector256.Create(float.NegativeInfinity);
        for (int t = 0; t < padded; t += Lanes)
        {
            maxima = Vector256Native.Max(maxima, Vector256.LoadUnsafe(ref headScores, (nuint)t));
        }

        Vector256<float> shift = Vector256.Create(SimdMath.MaxAcross(maxima));
        Vector256<float> totals = Vector256<float>.Zero;
        for (int t = 0; t < padded; t += Lanes)
        {
            Vector256<float> weight = SimdMath.Exp(Vector256.LoadUnsafe(ref headScores, (nuint)t) - shift);
            Vector256.StoreUnsafe(weight, ref headScores, (nuint)t);
            totals += weight;
        }

        float inverseTotal = 1.0f / Vector256.Sum(totals);

        // The weighted sum of the values: whole vectors (a head of one or two, four positions a step), then
        // the dimensions past them. Conditions on the sizes only, so the JIT folds them as it imports.
        if (headDim / Lanes is > 0 and <= 2)
        {
            ValuesFourPositions256(ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
        }

        if (headDim / Lanes > 2)
        {
            ValuesPass256(0, ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
        }

        if (headDim / Lanes > VectorsAPass)
        {
            ValuesPass256(VectorsAPass, ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
        }

        if (headDim / Lanes > 2 * VectorsAPass)
        {
            for (int first = 2 * VectorsAPass; first < headDim / Lanes; first += VectorsAPass)
            {
                ValuesPass256(first, ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
            }
        }

        if (headDim % Lanes != 0)
        {
            TailValues(headDim / Lanes * Lanes, ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
        }
    }

    /// <summary>
    /// Dimension <paramref name="dimension"/> (past <paramref name="query"/>) of the scores of sixteen positions: its query value times the keys of the two vectors of eight positions, into one multiply-add chain each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScoreStep256(ref float query, ref float keys, int dimension, ref Vector256<float> first, ref Vector256<float> second)
    {
        const int Lanes = 8;
        Vector256<float> queryValue = Vector256.Create(Unsafe.Add(ref query, dimension));
        first = SimdMath.MultiplyAdd(queryValue, Vector256.LoadUnsafe(ref keys, (nuint)(dimension * KeyCache.KeyBlock)), first);
        second = SimdMath.MultiplyAdd(queryValue, Vector256.LoadUnsafe(ref keys, (nuint)((dimension * KeyCache.KeyBlock) + Lanes)), second);
    }

    /// <summary>
    /// The weighted sum of vectors [<paramref name="first"/>, <paramref name="first"/> + 16) of a head's values
    /// (fewer at its end), one accumulator a vector, one position after another, normalized into the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValuesPass256(int first, ref float headValues, ref float weights, ref float headOutput, int count, float inverseTotal, int headDim, int kvDim)
    {
        const int Lanes = 8;
        Vector256<float> sum0 = Vector256<float>.Zero, sum1 = Vector256<float>.Zero, sum2 = Vector256<float>.Zero, sum3 = Vector256<float>.Zero;
        Vector256<float> sum4 = Vector256<float>.Zero, sum5 = Vector256<float>.Zero, sum6 = Vector256<float>.Zero, sum7 = Vector256<float>.Zero;
        Vector256<float> sum8 = Vector256<float>.Zero, sum9 = Vector256<float>.Zero, sum10 = Vector256<float>.Zero, sum11 = Vector256<float>.Zero;
        Vector256<float> sum12 = Vector256<float>.Zero, sum13 = Vector256<float>.Zero, sum14 = Vector256<float>.Zero, sum15 = Vector256<float>.Zero;
        ref float row = ref Unsafe.Add(ref headValues, first * Lanes);
        for (int t = 0; t < count; t++)
        {
            Vector256<float> broadcast = Vector256.Create(Unsafe.Add(ref weights, t));
            sum0 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row), sum0);
            if (first + 1 < headDim / Lanes) { sum1 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 8), sum1); }
            if (first + 2 < headDim / Lanes) { sum2 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 16), sum2); }
            if (first + 3 < headDim / Lanes) { sum3 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 24), sum3); }
            if (first + 4 < headDim / Lanes) { sum4 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 32), sum4); }
            if (first + 5 < headDim / Lanes) { sum5 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 40), sum5); }
            if (first + 6 < headDim / Lanes) { sum6 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 48), sum6); }
            if (first + 7 < headDim / Lanes) { sum7 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 56), sum7); }
            if (first + 8 < headDim / Lanes) { sum8 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 64), sum8); }
            if (first + 9 < headDim / Lanes) { sum9 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 72), sum9); }
            if (first + 10 < headDim / Lanes) { sum10 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 80), sum10); }
            if (first + 11 < headDim / Lanes) { sum11 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 88), sum11); }
            if (first + 12 < headDim / Lanes) { sum12 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 96), sum12); }
            if (first + 13 < headDim / Lanes) { sum13 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 104), sum13); }
            if (first + 14 < headDim / Lanes) { sum14 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 112), sum14); }
            if (first + 15 < headDim / Lanes) { sum15 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 120), sum15); }
            row = ref Unsafe.Add(ref row, kvDim);
        }

        Vector256<float> normalize = Vector256.Create(inverseTotal);
        ref float output = ref Unsafe.Add(ref headOutput, first * Lanes);
        Vector256.StoreUnsafe(sum0 * normalize, ref output);
        if (first + 1 < headDim / Lanes) { Vector256.StoreUnsafe(sum1 * normalize, ref output, 8); }
        if (first + 2 < headDim / Lanes) { Vector256.StoreUnsafe(sum2 * normalize, ref output, 16); }
        if (first + 3 < headDim / Lanes) { Vector256.StoreUnsafe(sum3 * normalize, ref output, 24); }
        if (first + 4 < headDim / Lanes) { Vector256.StoreUnsafe(sum4 * normalize, ref output, 32); }
        if (first + 5 < headDim / Lanes) { Vector256.StoreUnsafe(sum5 * normalize, ref output, 40); }
        if (first + 6 < headDim / Lanes) { Vector256.StoreUnsafe(sum6 * normalize, ref output, 48); }
        if (first + 7 < headDim / Lanes) { Vector256.StoreUnsafe(sum7 * normalize, ref output, 56); }
        if (first + 8 < headDim / Lanes) { Vector256.StoreUnsafe(sum8 * normalize, ref output, 64); }
        if (first + 9 < headDim / Lanes) { Vector256.StoreUnsafe(sum9 * normalize, ref output, 72); }
        if (first + 10 < headDim / Lanes) { Vector256.StoreUnsafe(sum10 * normalize, ref output, 80); }
        if (first + 11 < headDim / Lanes) { Vector256.StoreUnsafe(sum11 * normalize, ref output, 88); }
        if (first + 12 < headDim / Lanes) { Vector256.StoreUnsafe(sum12 * normalize, ref output, 96); }
        if (first + 13 < headDim / Lanes) { Vector256.StoreUnsafe(sum13 * normalize, ref output, 104); }
        if (first + 14 < headDim / Lanes) { Vector256.StoreUnsafe(sum14 * normalize, ref output, 112); }
        if (first + 15 < headDim / Lanes) { Vector256.StoreUnsafe(sum15 * normalize, ref output, 120); }
    }

    /// <summary>
    /// The weighted sum of a head of one or two vectors: four positions a step, position t + u into the
    /// u-th set of accumulators, the positions left over into the first, the four sets added at the end as
    /// sum + ((sum_1 + sum_2) + sum_3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValuesFourPositions256(ref float headValues, ref float weights, ref float headOutput, int count, float inverseTotal, int headDim, int kvDim)
    {
        const int Lanes = 8;
        nuint stride = (nuint)kvDim;
        Vector256<float> sum0 = Vector256<float>.Zero, sum0_1 = Vector256<float>.Zero, sum0_2 = Vector256<float>.Zero, sum0_3 = Vector256<float>.Zero;
        Vector256<float> sum1 = Vector256<float>.Zero, sum1_1 = Vector256<float>.Zero, sum1_2 = Vector256<float>.Zero, sum1_3 = Vector256<float>.Zero;
        ref float row = ref headValues;
        int t = 0;
        for (; t + 4 <= count; t += 4)
        {
            Vector256<float> broadcast = Vector256.Create(Unsafe.Add(ref weights, t));
            sum0 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row), sum0);
            if (headDim / Lanes == 2) { sum1 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, Lanes), sum1); }
            broadcast = Vector256.Create(Unsafe.Add(ref weights, t + 1));
            sum0_1 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, stride), sum0_1);
            if (headDim / Lanes == 2) { sum1_1 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, stride + Lanes), sum1_1); }
            broadcast = Vector256.Create(Unsafe.Add(ref weights, t + 2));
            sum0_2 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 2 * stride), sum0_2);
            if (headDim / Lanes == 2) { sum1_2 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, (2 * stride) + Lanes), sum1_2); }
            broadcast = Vector256.Create(Unsafe.Add(ref weights, t + 3));
            sum0_3 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, 3 * stride), sum0_3);
            if (headDim / Lanes == 2) { sum1_3 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, (3 * stride) + Lanes), sum1_3); }
            row = ref Unsafe.Add(ref row, 4 * stride);
        }

        for (; t < count; t++)
        {
            Vector256<float> broadcast = Vector256.Create(Unsafe.Add(ref weights, t));
            sum0 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row), sum0);
            if (headDim / Lanes == 2) { sum1 = SimdMath.MultiplyAdd(broadcast, Vector256.LoadUnsafe(ref row, Lanes), sum1); }
            row = ref Unsafe.Add(ref row, stride);
        }

        sum0 += (sum0_1 + sum0_2) + sum0_3;
        Vector256<float> normalize = Vector256.Create(inverseTotal);
        Vector256.StoreUnsafe(sum0 * normalize, ref headOutput);
        if (headDim / Lanes == 2)
        {
            sum1 += (sum1_1 + sum1_2) + sum1_3;
            Vector256.StoreUnsafe(sum1 * normalize, ref headOutput, Lanes);
        }
    }
}
