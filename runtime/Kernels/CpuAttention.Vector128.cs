using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Codegen.Kernels;

// CpuAttention, its Vector128 head (where Vector256 is not accelerated): eight positions a score step, four values a vector.
public static partial class CpuAttention
{
    /// <summary>One head with Vector128; see <see cref="Head256"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Head128(ref float headQuery, ref float headKeys, ref float headValues, ref float headScores, ref float headOutput, int count, int hidden, float scoreScale, int headDim, int kvDim)
    {
        const int Lanes = 4;
        // Scores, four positions a vector, eight a step in four multiply-add chains.
        for (int t = 0; t < count; t += 2 * Lanes)
        {
            ref float block = ref Unsafe.Add(ref headKeys, ((t & ~(KeyCache.KeyBlock - 1)) * headDim) + (t & (KeyCache.KeyBlock - 1)));
            Vector128<float> even0 = Vector128<float>.Zero;
            Vector128<float> odd0 = Vector128<float>.Zero;
            Vector128<float> even1 = Vector128<float>.Zero;
            Vector128<float> odd1 = Vector128<float>.Zero;
            // Dimension d's sixteen keys lie at block + d * KeyBlock; four dimensions a step, then a pair, then one.
            ref float keys = ref block;
            ref float queryAt = ref headQuery;
            for (int d = 0; d < headDim / 4 * 4; d += 4)
            {
                ScoreStep128(ref queryAt, ref keys, 0, ref even0, ref even1);
                ScoreStep128(ref queryAt, ref keys, 1, ref odd0, ref odd1);
                ScoreStep128(ref queryAt, ref keys, 2, ref even0, ref even1);
                ScoreStep128(ref queryAt, ref keys, 3, ref odd0, ref odd1);
                keys = ref Unsafe.Add(ref keys, 4 * KeyCache.KeyBlock);
                queryAt = ref Unsafe.Add(ref queryAt, 4);
            }

            if (headDim % 4 >= 2)
            {
                ScoreStep128(ref queryAt, ref keys, 0, ref even0, ref even1);
                ScoreStep128(ref queryAt, ref keys, 1, ref odd0, ref odd1);
                keys = ref Unsafe.Add(ref keys, 2 * KeyCache.KeyBlock);
                queryAt = ref Unsafe.Add(ref queryAt, 2);
            }

            if (headDim % 2 != 0)
            {
                ScoreStep128(ref queryAt, ref keys, 0, ref even0, ref even1);
            }

            Vector128.StoreUnsafe((even0 + odd0) * Vector128.Create(scoreScale), ref headScores, (nuint)t);
            Vector128.StoreUnsafe((even1 + odd1) * Vector128.Create(scoreScale), ref headScores, (nuint)(t + Lanes));
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
        Vector128<float> maxima = Vector128.Create(float.NegativeInfinity);
        for (int t = 0; t < padded; t += Lanes)
        {
            maxima = Vector128Native.Max(maxima, Vector128.LoadUnsafe(ref headScores, (nuint)t));
        }

        Vector128<float> shift = Vector128.Create(SimdMath.MaxAcross(maxima));
        Vector128<float> totals = Vector128<float>.Zero;
        for (int t = 0; t < padded; t += Lanes)
        {
            Vector128<float> weight = SimdMath.Exp(Vector128.LoadUnsafe(ref headScores, (nuint)t) - shift);
            Vector128.StoreUnsafe(weight, ref headScores, (nuint)t);
            totals += weight;
        }

        float inverseTotal = 1.0f / Vector128.Sum(totals);

        // The weighted sum of the values: whole vectors (a head of one or two, four positions a step), then
        // the dimensions past them. Conditions on the sizes only, so the JIT folds them as it imports.
        if (headDim / Lanes is > 0 and <= 2)
        {
            ValuesFourPositions128(ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
        }

        if (headDim / Lanes > 2)
        {
            ValuesPass128(0, ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
        }

        if (headDim / Lanes > VectorsAPass)
        {
            ValuesPass128(VectorsAPass, ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
        }

        if (headDim / Lanes > 2 * VectorsAPass)
        {
            for (int first = 2 * VectorsAPass; first < headDim / Lanes; first += VectorsAPass)
            {
                ValuesPass128(first, ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
            }
        }

        if (headDim % Lanes != 0)
        {
            TailValues(headDim / Lanes * Lanes, ref headValues, ref headScores, ref headOutput, count, inverseTotal, headDim, kvDim);
        }
    }

    /// <summary>
    /// The Vector128 score step: dimension <paramref name="dimension"/> of eight positions; see <see cref="ScoreStep256"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScoreStep128(ref float query, ref float keys, int dimension, ref Vector128<float> first, ref Vector128<float> second)
    {
        const int Lanes = 4;
        Vector128<float> queryValue = Vector128.Create(Unsafe.Add(ref query, dimension));
        first = SimdMath.MultiplyAdd(queryValue, Vector128.LoadUnsafe(ref keys, (nuint)(dimension * KeyCache.KeyBlock)), first);
        second = SimdMath.MultiplyAdd(queryValue, Vector128.LoadUnsafe(ref keys, (nuint)((dimension * KeyCache.KeyBlock) + Lanes)), second);
    }

    /// <summary>The Vector128 weighted sum of up to 16 vectors of a head; see <see cref="ValuesPass256"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValuesPass128(int first, ref float headValues, ref float weights, ref float headOutput, int count, float inverseTotal, int headDim, int kvDim)
    {
        const int Lanes = 4;
        Vector128<float> sum0 = Vector128<float>.Zero, sum1 = Vector128<float>.Zero, sum2 = Vector128<float>.Zero, sum3 = Vector128<float>.Zero;
        Vector128<float> sum4 = Vector128<float>.Zero, sum5 = Vector128<float>.Zero, sum6 = Vector128<float>.Zero, sum7 = Vector128<float>.Zero;
        Vector128<float> sum8 = Vector128<float>.Zero, sum9 = Vector128<float>.Zero, sum10 = Vector128<float>.Zero, sum11 = Vector128<float>.Zero;
        Vector128<float> sum12 = Vector128<float>.Zero, sum13 = Vector128<float>.Zero, sum14 = Vector128<float>.Zero, sum15 = Vector128<float>.Zero;
        ref float row = ref Unsafe.Add(ref headValues, first * Lanes);
        for (int t = 0; t < count; t++)
        {
            Vector128<float> broadcast = Vector128.Create(Unsafe.Add(ref weights, t));
            sum0 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row), sum0);
            if (first + 1 < headDim / Lanes) { sum1 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 4), sum1); }
            if (first + 2 < headDim / Lanes) { sum2 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 8), sum2); }
            if (first + 3 < headDim / Lanes) { sum3 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 12), sum3); }
            if (first + 4 < headDim / Lanes) { sum4 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 16), sum4); }
            if (first + 5 < headDim / Lanes) { sum5 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 20), sum5); }
            if (first + 6 < headDim / Lanes) { sum6 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 24), sum6); }
            if (first + 7 < headDim / Lanes) { sum7 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 28), sum7); }
            if (first + 8 < headDim / Lanes) { sum8 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 32), sum8); }
            if (first + 9 < headDim / Lanes) { sum9 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 36), sum9); }
            if (first + 10 < headDim / Lanes) { sum10 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 40), sum10); }
            if (first + 11 < headDim / Lanes) { sum11 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 44), sum11); }
            if (first + 12 < headDim / Lanes) { sum12 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 48), sum12); }
            if (first + 13 < headDim / Lanes) { sum13 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 52), sum13); }
            if (first + 14 < headDim / Lanes) { sum14 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 56), sum14); }
            if (first + 15 < headDim / Lanes) { sum15 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 60), sum15); }
            row = ref Unsafe.Add(ref row, kvDim);
        }

        Vector128<float> normalize = Vector128.Create(inverseTotal);
        ref float output = ref Unsafe.Add(ref headOutput, first * Lanes);
        Vector128.StoreUnsafe(sum0 * normalize, ref output);
        if (first + 1 < headDim / Lanes) { Vector128.StoreUnsafe(sum1 * normalize, ref output, 4); }
        if (first + 2 < headDim / Lanes) { Vector128.StoreUnsafe(sum2 * normalize, ref output, 8); }
        if (first + 3 < headDim / Lanes) { Vector128.StoreUnsafe(sum3 * normalize, ref output, 12); }
        if (first + 4 < headDim / Lanes) { Vector128.StoreUnsafe(sum4 * normalize, ref output, 16); }
        if (first + 5 < headDim / Lanes) { Vector128.StoreUnsafe(sum5 * normalize, ref output, 20); }
        if (first + 6 < headDim / Lanes) { Vector128.StoreUnsafe(sum6 * normalize, ref output, 24); }
        if (first + 7 < headDim / Lanes) { Vector128.StoreUnsafe(sum7 * normalize, ref output, 28); }
        if (first + 8 < headDim / Lanes) { Vector128.StoreUnsafe(sum8 * normalize, ref output, 32); }
        if (first + 9 < headDim / Lanes) { Vector128.StoreUnsafe(sum9 * normalize, ref output, 36); }
        if (first + 10 < headDim / Lanes) { Vector128.StoreUnsafe(sum10 * normalize, ref output, 40); }
        if (first + 11 < headDim / Lanes) { Vector128.StoreUnsafe(sum11 * normalize, ref output, 44); }
        if (first + 12 < headDim / Lanes) { Vector128.StoreUnsafe(sum12 * normalize, ref output, 48); }
        if (first + 13 < headDim / Lanes) { Vector128.StoreUnsafe(sum13 * normalize, ref output, 52); }
        if (first + 14 < headDim / Lanes) { Vector128.StoreUnsafe(sum14 * normalize, ref output, 56); }
        if (first + 15 < headDim / Lanes) { Vector128.StoreUnsafe(sum15 * normalize, ref output, 60); }
    }

    /// <summary>The Vector128 weighted sum of a head of one or two vectors; see <see cref="ValuesFourPositions256"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValuesFourPositions128(ref float headValues, ref float weights, ref float headOutput, int count, float inverseTotal, int headDim, int kvDim)
    {
        const int Lanes = 4;
        nuint stride = (nuint)kvDim;
        Vector128<float> sum0 = Vector128<float>.Zero, sum0_1 = Vector128<float>.Zero, sum0_2 = Vector128<float>.Zero, sum0_3 = Vector128<float>.Zero;
        Vector128<float> sum1 = Vector128<float>.Zero, sum1_1 = Vector128<float>.Zero, sum1_2 = Vector128<float>.Zero, sum1_3 = Vector128<float>.Zero;
        ref float row = ref headValues;
        int t = 0;
        for (; t + 4 <= count; t += 4)
        {
            Vector128<float> broadcast = Vector128.Create(Unsafe.Add(ref weights, t));
            sum0 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row), sum0);
            if (headDim / Lanes == 2) { sum1 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, Lanes), sum1); }
            broadcast = Vector128.Create(Unsafe.Add(ref weights, t + 1));
            sum0_1 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, stride), sum0_1);
            if (headDim / Lanes == 2) { sum1_1 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, stride + Lanes), sum1_1); }
            broadcast = Vector128.Create(Unsafe.Add(ref weights, t + 2));
            sum0_2 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 2 * stride), sum0_2);
            if (headDim / Lanes == 2) { sum1_2 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, (2 * stride) + Lanes), sum1_2); }
            broadcast = Vector128.Create(Unsafe.Add(ref weights, t + 3));
            sum0_3 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, 3 * stride), sum0_3);
            if (headDim / Lanes == 2) { sum1_3 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, (3 * stride) + Lanes), sum1_3); }
            row = ref Unsafe.Add(ref row, 4 * stride);
        }

        for (; t < count; t++)
        {
            Vector128<float> broadcast = Vector128.Create(Unsafe.Add(ref weights, t));
            sum0 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row), sum0);
            if (headDim / Lanes == 2) { sum1 = SimdMath.MultiplyAdd(broadcast, Vector128.LoadUnsafe(ref row, Lanes), sum1); }
            row = ref Unsafe.Add(ref row, stride);
        }

        sum0 += (sum0_1 + sum0_2) + sum0_3;
        Vector128<float> normalize = Vector128.Create(inverseTotal);
        Vector128.StoreUnsafe(sum0 * normalize, ref headOutput);
        if (headDim / Lanes == 2)
        {
            sum1 += (sum1_1 + sum1_2) + sum1_3;
            Vector128.StoreUnsafe(sum1 * normalize, ref headOutput, Lanes);
        }
    }
}
