using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Codegen.Kernels;

/// <summary>
/// The matrix-matrix products of prefill with float32 weights: every prompt token of a chunk goes
/// through a weight row while the row is in cache, so the weights are read once per chunk instead of
/// once per token. With AVX-512 and a chunk of many tokens, and with FMA and a small batch, the tiles of
/// <see cref="FeatureMajorProducts"/> and <see cref="F32SmallBatchProducts"/>; otherwise (and for the rows and tokens
/// those leave) the row-major tile of four weight rows by three tokens: twelve accumulators, seven loads
/// for twelve multiply-adds. Row lengths are
/// compile-time constants (<see cref="IColumns"/>), as in <see cref="F32Products"/>.
/// </summary>
public static class F32BatchProducts
{
    /// <summary>
    /// output[t, row] = matrix[row, :] · input[t, :] for rows [<paramref name="start"/>, <paramref name="end"/>)
    /// and tokens [0, <paramref name="tokens"/>): input rows have <typeparamref name="TColumns"/>.Count values,
    /// output rows <paramref name="outputStride"/> values. With AVX-512 and at least
    /// <see cref="FeatureMajorProducts.MinimumTokens"/> tokens, <see cref="FeatureMajorProducts"/>' tiles of six rows by 64
    /// tokens; with FMA and 8 to 23 tokens, <see cref="F32SmallBatchProducts"/>' tiles of twelve rows by eight tokens; the
    /// rows and tokens those leave, and every other case, in row-major tiles: with Vector256, four rows by three tokens,
    /// then one of four rows by two; tokens left over, and every token without Vector256, through
    /// <see cref="F32Products.DotFourRows{TColumns}"/>; rows past the last group of four through
    /// <see cref="F32Products.Dot{TColumns}"/>. A tile sums its columns in another order than
    /// <see cref="F32Products.MultiplyRows{TColumns}"/>, so prefill and decode results may differ in the last bits.
    /// </summary>
    /// <typeparam name="TColumns">The column count.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRowsBatch<TColumns>(WeightTensor weights, ref float input, ref float output, int outputStride, int tokens, int start, int end)
        where TColumns : IColumns => MultiplyRowsBatchInOrder<TColumns>(weights, ref input, ref output, outputStride, tokens, start, end, TColumns.StreamRows);

    /// <summary>Passes the column count on as a second argument: one size a call (see the remarks on <see cref="F32Products"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyRowsBatchInOrder<TColumns>(WeightTensor weights, ref float input, ref float output, int outputStride, int tokens, int start, int end, bool streamRows)
        where TColumns : IColumns => MultiplyRowsBatchOf(weights, ref input, ref output, outputStride, tokens, start, end, TColumns.Count, streamRows);

    /// <summary>
    /// <see cref="MultiplyRowsBatch{TColumns}"/> with the column count and row order as (constant) arguments
    /// (see the remarks on <see cref="F32Products"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyRowsBatchOf(WeightTensor weights, ref float input, ref float output, int outputStride, int tokens, int start, int end, int n, bool streamRows)
    {
        ref float matrix = ref weights.Data;
        int row = start;
        if (FeatureMajorProducts.Applies(tokens))
        {
            // With AVX-512 and enough tokens, whole tiles of six rows against a feature-major copy of the input.
            row = FeatureMajorProducts.MultiplyRows<float, Float32Broadcast>(ref matrix, n, ref input, ref output, outputStride, tokens, start, end);
        }
        else if (F32SmallBatchProducts.Applies(tokens))
        {
            // A small batch: tiles of twelve rows by blocks of eight tokens, feature-major; the tokens past the last
            // block go through the row-major tiles for those rows.
            row = F32SmallBatchProducts.MultiplyRows(ref matrix, n, ref input, ref output, outputStride, tokens, start, end);
            int blocked = tokens / F32SmallBatchProducts.TokenBlock * F32SmallBatchProducts.TokenBlock;
            if (blocked < tokens)
            {
                RowMajorTiles(ref matrix, ref Unsafe.Add(ref input, blocked * n), ref Unsafe.Add(ref output, blocked * outputStride), outputStride, tokens - blocked, start, row, n, streamRows);
            }
        }

        RowMajorTiles(ref matrix, ref input, ref output, outputStride, tokens, row, end, n, streamRows);
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="end"/>) of the product in row-major tiles: four weight rows by three
    /// tokens, then two, with Vector256; the rest a token or a row at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowMajorTiles(ref float matrix, ref float input, ref float output, int outputStride, int tokens, int start, int end, int n, bool streamRows)
    {
        int row = start;
        for (; row + 4 <= end; row += 4)
        {
            ref float rows = ref Unsafe.Add(ref matrix, (nint)row * n);
            int t = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // Tiles of four weight rows by three tokens, then two: each weight vector loaded serves every token.
                // The first tile also asks for the next four rows, so they come from memory while the other tiles
                // compute on these (with few tokens, as in a batch of sequences, each group is short).
                for (; t + 3 <= tokens; t += 3)
                {
                    FourRowsThreeTokens(ref rows, ref Unsafe.Add(ref input, t * n), ref Unsafe.Add(ref input, (t + 1) * n), ref Unsafe.Add(ref input, (t + 2) * n), n, prefetchNextRows: t == 0, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2);
                    Vector128.StoreUnsafe(sums0, ref Unsafe.Add(ref output, (t * outputStride) + row));
                    Vector128.StoreUnsafe(sums1, ref Unsafe.Add(ref output, ((t + 1) * outputStride) + row));
                    Vector128.StoreUnsafe(sums2, ref Unsafe.Add(ref output, ((t + 2) * outputStride) + row));
                }

                if (t + 2 <= tokens)
                {
                    FourRowsTwoTokens(ref rows, ref Unsafe.Add(ref input, t * n), ref Unsafe.Add(ref input, (t + 1) * n), n, out Vector128<float> sums0, out Vector128<float> sums1);
                    Vector128.StoreUnsafe(sums0, ref Unsafe.Add(ref output, (t * outputStride) + row));
                    Vector128.StoreUnsafe(sums1, ref Unsafe.Add(ref output, ((t + 1) * outputStride) + row));
                    t += 2;
                }
            }

            for (; t < tokens; t++)
            {
                Vector128.StoreUnsafe(F32Products.DotFourRowsOf(ref rows, ref Unsafe.Add(ref input, t * n), n, streamRows), ref Unsafe.Add(ref output, (t * outputStride) + row));
            }
        }

        for (; row < end; row++)
        {
            for (int t = 0; t < tokens; t++)
            {
                Unsafe.Add(ref output, (t * outputStride) + row) = F32Products.DotOf(ref Unsafe.Add(ref matrix, (nint)row * n), ref Unsafe.Add(ref input, t * n), n);
            }
        }
    }

    /// <summary>
    /// Four weight rows by three tokens: one Vector256 accumulator per row and token, so every weight vector
    /// loaded serves the three tokens and every input vector the four rows; with the three inputs and one
    /// weight vector that still fits AVX2's sixteen registers. The columns past the last whole vector are
    /// added one at a time, a column of the four rows a Vector128.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRowsThreeTokens(ref float rows, ref float input0, ref float input1, ref float input2, int n, bool prefetchNextRows, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2)
    {
        nuint vectorEnd = (nuint)(n / 8 * 8);
        Vector256<float> sum00 = Vector256<float>.Zero, sum01 = Vector256<float>.Zero, sum02 = Vector256<float>.Zero;
        Vector256<float> sum10 = Vector256<float>.Zero, sum11 = Vector256<float>.Zero, sum12 = Vector256<float>.Zero;
        Vector256<float> sum20 = Vector256<float>.Zero, sum21 = Vector256<float>.Zero, sum22 = Vector256<float>.Zero;
        Vector256<float> sum30 = Vector256<float>.Zero, sum31 = Vector256<float>.Zero, sum32 = Vector256<float>.Zero;
        for (nuint i = 0; i < vectorEnd; i += 8)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref input0, i);
            Vector256<float> x1 = Vector256.LoadUnsafe(ref input1, i);
            Vector256<float> x2 = Vector256.LoadUnsafe(ref input2, i);
            if (prefetchNextRows && (i & 15) == 0)
            {
                // One cache line (sixteen values) of each of the next four rows (past the last group: a hint only).
                ref float column = ref Unsafe.Add(ref rows, i);
                SimdMath.Prefetch(ref column, 4 * n);
                SimdMath.Prefetch(ref column, 5 * n);
                SimdMath.Prefetch(ref column, 6 * n);
                SimdMath.Prefetch(ref column, 7 * n);
            }

            Vector256<float> w0 = Vector256.LoadUnsafe(ref rows, i);
            sum00 = SimdMath.MultiplyAdd(w0, x0, sum00);
            sum01 = SimdMath.MultiplyAdd(w0, x1, sum01);
            sum02 = SimdMath.MultiplyAdd(w0, x2, sum02);
            Vector256<float> w1 = Vector256.LoadUnsafe(ref rows, i + (nuint)n);
            sum10 = SimdMath.MultiplyAdd(w1, x0, sum10);
            sum11 = SimdMath.MultiplyAdd(w1, x1, sum11);
            sum12 = SimdMath.MultiplyAdd(w1, x2, sum12);
            Vector256<float> w2 = Vector256.LoadUnsafe(ref rows, i + (nuint)(2 * n));
            sum20 = SimdMath.MultiplyAdd(w2, x0, sum20);
            sum21 = SimdMath.MultiplyAdd(w2, x1, sum21);
            sum22 = SimdMath.MultiplyAdd(w2, x2, sum22);
            Vector256<float> w3 = Vector256.LoadUnsafe(ref rows, i + (nuint)(3 * n));
            sum30 = SimdMath.MultiplyAdd(w3, x0, sum30);
            sum31 = SimdMath.MultiplyAdd(w3, x1, sum31);
            sum32 = SimdMath.MultiplyAdd(w3, x2, sum32);
        }

        sums0 = SimdMath.SumEach(sum00, sum10, sum20, sum30);
        sums1 = SimdMath.SumEach(sum01, sum11, sum21, sum31);
        sums2 = SimdMath.SumEach(sum02, sum12, sum22, sum32);
        for (int i = n / 8 * 8; i < n; i++)
        {
            Vector128<float> column = Vector128.Create(Unsafe.Add(ref rows, i), Unsafe.Add(ref rows, n + i), Unsafe.Add(ref rows, (2 * n) + i), Unsafe.Add(ref rows, (3 * n) + i));
            sums0 += column * Unsafe.Add(ref input0, i);
            sums1 += column * Unsafe.Add(ref input1, i);
            sums2 += column * Unsafe.Add(ref input2, i);
        }
    }

    /// <summary>Four weight rows by two tokens; see <see cref="FourRowsThreeTokens"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRowsTwoTokens(ref float rows, ref float input0, ref float input1, int n, out Vector128<float> sums0, out Vector128<float> sums1)
    {
        nuint vectorEnd = (nuint)(n / 8 * 8);
        Vector256<float> sum00 = Vector256<float>.Zero, sum01 = Vector256<float>.Zero;
        Vector256<float> sum10 = Vector256<float>.Zero, sum11 = Vector256<float>.Zero;
        Vector256<float> sum20 = Vector256<float>.Zero, sum21 = Vector256<float>.Zero;
        Vector256<float> sum30 = Vector256<float>.Zero, sum31 = Vector256<float>.Zero;
        for (nuint i = 0; i < vectorEnd; i += 8)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref input0, i);
            Vector256<float> x1 = Vector256.LoadUnsafe(ref input1, i);
            Vector256<float> w0 = Vector256.LoadUnsafe(ref rows, i);
            sum00 = SimdMath.MultiplyAdd(w0, x0, sum00);
            sum01 = SimdMath.MultiplyAdd(w0, x1, sum01);
            Vector256<float> w1 = Vector256.LoadUnsafe(ref rows, i + (nuint)n);
            sum10 = SimdMath.MultiplyAdd(w1, x0, sum10);
            sum11 = SimdMath.MultiplyAdd(w1, x1, sum11);
            Vector256<float> w2 = Vector256.LoadUnsafe(ref rows, i + (nuint)(2 * n));
            sum20 = SimdMath.MultiplyAdd(w2, x0, sum20);
            sum21 = SimdMath.MultiplyAdd(w2, x1, sum21);
            Vector256<float> w3 = Vector256.LoadUnsafe(ref rows, i + (nuint)(3 * n));
            sum30 = SimdMath.MultiplyAdd(w3, x0, sum30);
            sum31 = SimdMath.MultiplyAdd(w3, x1, sum31);
        }

        sums0 = SimdMath.SumEach(sum00, sum10, sum20, sum30);
        sums1 = SimdMath.SumEach(sum01, sum11, sum21, sum31);
        for (int i = n / 8 * 8; i < n; i++)
        {
            Vector128<float> column = Vector128.Create(Unsafe.Add(ref rows, i), Unsafe.Add(ref rows, n + i), Unsafe.Add(ref rows, (2 * n) + i), Unsafe.Add(ref rows, (3 * n) + i));
            sums0 += column * Unsafe.Add(ref input0, i);
            sums1 += column * Unsafe.Add(ref input1, i);
        }
    }
}
