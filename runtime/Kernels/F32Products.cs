using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Codegen.Kernels;

/// <summary>
/// Dot products and matrix-vector products of float32 weight rows whose length is a compile-time
/// constant, <c>TColumns.Count</c> (see <see cref="IColumns"/>). The JIT compiles each struct
/// instantiation on its own with the length a constant, so the loop bounds, the number of accumulators
/// and the tail steps below fold exactly as in code written out for that length.
/// </summary>
/// <remarks>
/// <para>
/// The order of the floating-point operations is fixed by the length alone, the same on every call:
/// Vector256 (fused multiply-add where the processor has it) when the length holds a whole vector of
/// eight and Vector256 is accelerated; otherwise Vector128 when it holds a vector of four; otherwise
/// scalar. A dot product keeps up to four independent accumulators, vector k going to accumulator
/// k % 4, sums them as (sum0 + sum1) + (sum2 + sum3), then adds the values past the last whole vector
/// one at a time. Matrices are row-major [out, in].
/// </para>
/// <para>
/// Each public generic method reads its sizes once and passes them as arguments to an implementation
/// marked for inlining, one size a call. The JIT imports an inlinee with its constant arguments
/// substituted, so it drops the branches for other sizes and SIMD widths before inlining anything in
/// them. Branching on <c>TColumns.Count</c> inside the inlinee instead would import and inline every
/// path (the size is a call until it is inlined), and in a kernel with several products the dead paths
/// use up the JIT's inlining limits before the live ones are inlined (measured: MultiplyRows for 64
/// columns had 364 inlinees and left its single-row dot product a call). If an implementation is
/// not inlined it still computes the same values, only without the sizes folded.
/// </para>
/// </remarks>
public static class F32Products
{
    /// <summary>The dot product of two vectors of <typeparamref name="TColumns"/>.Count values.</summary>
    /// <typeparam name="TColumns">The length.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TColumns>(ref float left, ref float right)
        where TColumns : IColumns => DotOf(ref left, ref right, TColumns.Count);

    /// <summary>
    /// The dot product of one weight row with an input, the same sums as <see cref="Dot{TColumns}"/>, with
    /// a software prefetch of the row <see cref="SimdMath.PrefetchDistance"/> bytes ahead every 32 values on
    /// the Vector256 path, so a matrix-vector product reads its matrix as one forward stream, row after row.
    /// </summary>
    /// <typeparam name="TColumns">The row length.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DotStreamed<TColumns>(ref float row, ref float input)
        where TColumns : IColumns => DotStreamedOf(ref row, ref input, TColumns.Count);

    /// <summary>
    /// The dot products of four consecutive matrix rows (row stride <typeparamref name="TColumns"/>.Count)
    /// with one input: [row0 · input, row1 · input, row2 · input, row3 · input]. Each input vector is
    /// loaded once for the four rows, each row has its own accumulator, and one shuffle tree makes the
    /// four horizontal sums. Where <typeparamref name="TColumns"/>.StreamRows, the Vector256 path instead
    /// reads the four rows one after another with <see cref="DotStreamed{TColumns}"/>.
    /// </summary>
    /// <typeparam name="TColumns">The row length.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> DotFourRows<TColumns>(ref float rows, ref float input)
        where TColumns : IColumns => DotFourRowsInOrder<TColumns>(ref rows, ref input, TColumns.StreamRows);

    /// <summary>
    /// output[row] = matrix[row, :] · input for rows [<paramref name="start"/>, <paramref name="end"/>) of a
    /// float32 matrix with <typeparamref name="TColumns"/>.Count columns: four rows at a time
    /// (<see cref="DotFourRows{TColumns}"/>), then single rows. Row ranges let a session split one product
    /// over a worker pool.
    /// </summary>
    /// <typeparam name="TColumns">The column count.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRows<TColumns>(WeightTensor matrix, ref float input, ref float output, int start, int end)
        where TColumns : IColumns => MultiplyRowsInOrder<TColumns>(matrix, ref input, ref output, start, end, TColumns.StreamRows);

    // One size a call: an argument list with two calls in it (TColumns.Count, TColumns.StreamRows) has the
    // first one's value spilled to a temporary before the second is called, and a temporary is no constant
    // when the inlinee is imported. A size passed on as a parameter stays a constant.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> DotFourRowsInOrder<TColumns>(ref float rows, ref float input, bool streamRows)
        where TColumns : IColumns => DotFourRowsOf(ref rows, ref input, TColumns.Count, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyRowsInOrder<TColumns>(WeightTensor matrix, ref float input, ref float output, int start, int end, bool streamRows)
        where TColumns : IColumns => MultiplyRowsOf(matrix, ref input, ref output, start, end, TColumns.Count, streamRows);

    /// <summary><see cref="MultiplyRows{TColumns}"/> with the column count and row order as (constant) arguments.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyRowsOf(WeightTensor matrix, ref float input, ref float output, int start, int end, int columns, bool streamRows)
    {
        ref float m = ref matrix.Data;
        int row = start;
        for (; row + 4 <= end; row += 4)
        {
            Vector128<float> dot = DotFourRowsOf(ref Unsafe.Add(ref m, (nint)row * columns), ref input, columns, streamRows);
            Vector128.StoreUnsafe(dot, ref output, (nuint)row);
        }

        for (; row < end; row++)
        {
            Unsafe.Add(ref output, row) = DotOf(ref Unsafe.Add(ref m, (nint)row * columns), ref input, columns);
        }
    }

    /// <summary><see cref="Dot{TColumns}"/> of <paramref name="length"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float DotOf(ref float left, ref float right, int length)
    {
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            return Dot256(ref left, ref right, length, prefetch: false);
        }

        if (Vector128.IsHardwareAccelerated && length >= 4)
        {
            return Dot128(ref left, ref right, length);
        }

        float sum = 0;
        for (int i = 0; i < length; i++)
        {
            sum += Unsafe.Add(ref left, i) * Unsafe.Add(ref right, i);
        }

        return sum;
    }

    /// <summary><see cref="DotStreamed{TColumns}"/> of <paramref name="length"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float DotStreamedOf(ref float row, ref float input, int length)
    {
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            return Dot256(ref row, ref input, length, prefetch: true);
        }

        return DotOf(ref row, ref input, length);
    }

    /// <summary><see cref="DotFourRows{TColumns}"/> of rows of <paramref name="length"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> DotFourRowsOf(ref float rows, ref float input, int length, bool streamRows)
    {
        nuint n = (nuint)length;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            if (streamRows)
            {
                // Measured from DRAM: one row after another with a prefetch reads the matrix faster than
                // four rows interleaved (one stream instead of four); from cache they tie.
                return Vector128.Create(
                    Dot256(ref rows, ref input, length, prefetch: true),
                    Dot256(ref Unsafe.Add(ref rows, n), ref input, length, prefetch: true),
                    Dot256(ref Unsafe.Add(ref rows, 2 * n), ref input, length, prefetch: true),
                    Dot256(ref Unsafe.Add(ref rows, 3 * n), ref input, length, prefetch: true));
            }

            return FourRows256(ref rows, ref input, length);
        }

        if (Vector128.IsHardwareAccelerated && length >= 4)
        {
            return FourRows128(ref rows, ref input, length);
        }

        return Vector128.Create(
            DotOf(ref rows, ref input, length),
            DotOf(ref Unsafe.Add(ref rows, n), ref input, length),
            DotOf(ref Unsafe.Add(ref rows, 2 * n), ref input, length),
            DotOf(ref Unsafe.Add(ref rows, 3 * n), ref input, length));
    }

    /// <summary>
    /// The Vector256 dot product: up to four accumulators, vector k into accumulator k % 4 (whole blocks of
    /// four vectors first, then the leftover vectors), then the scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot256(ref float left, ref float right, int length, bool prefetch)
    {
        const int Lanes = 8;
        Vector256<float> sum0 = Vector256<float>.Zero;
        Vector256<float> sum1 = Vector256<float>.Zero;
        Vector256<float> sum2 = Vector256<float>.Zero;
        Vector256<float> sum3 = Vector256<float>.Zero;
        if (length >= 4 * Lanes)
        {
            nuint blockEnd = (nuint)(length / (4 * Lanes) * (4 * Lanes));
            for (nuint i = 0; i < blockEnd; i += 4 * Lanes)
            {
                if (prefetch)
                {
                    SimdMath.PrefetchAhead(ref Unsafe.Add(ref left, i));
                }

                sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, i), Vector256.LoadUnsafe(ref right, i), sum0);
                sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, i + 8), Vector256.LoadUnsafe(ref right, i + 8), sum1);
                sum2 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, i + 16), Vector256.LoadUnsafe(ref right, i + 16), sum2);
                sum3 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, i + 24), Vector256.LoadUnsafe(ref right, i + 24), sum3);
            }

            // The vectors past the whole blocks of four, into accumulators 0, 1, 2.
            if (length / Lanes % 4 > 0)
            {
                sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, blockEnd), Vector256.LoadUnsafe(ref right, blockEnd), sum0);
            }

            if (length / Lanes % 4 > 1)
            {
                sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, blockEnd + 8), Vector256.LoadUnsafe(ref right, blockEnd + 8), sum1);
            }

            if (length / Lanes % 4 > 2)
            {
                sum2 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, blockEnd + 16), Vector256.LoadUnsafe(ref right, blockEnd + 16), sum2);
            }
        }
        else
        {
            // One to three vectors: one block, an accumulator each.
            if (prefetch)
            {
                SimdMath.PrefetchAhead(ref left);
            }

            sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left), Vector256.LoadUnsafe(ref right), sum0);
            if (length >= 2 * Lanes)
            {
                sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, 8), Vector256.LoadUnsafe(ref right, 8), sum1);
            }

            if (length >= 3 * Lanes)
            {
                sum2 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, 16), Vector256.LoadUnsafe(ref right, 16), sum2);
            }
        }

        Vector256<float> sums = length >= 4 * Lanes ? (sum0 + sum1) + (sum2 + sum3)
            : length >= 3 * Lanes ? (sum0 + sum1) + sum2
            : length >= 2 * Lanes ? sum0 + sum1
            : sum0;
        float total = Vector256.Sum(sums);
        for (int i = length / Lanes * Lanes; i < length; i++)
        {
            total += Unsafe.Add(ref left, i) * Unsafe.Add(ref right, i);
        }

        return total;
    }

    /// <summary>The Vector128 dot product; see <see cref="Dot256"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot128(ref float left, ref float right, int length)
    {
        const int Lanes = 4;
        Vector128<float> sum0 = Vector128<float>.Zero;
        Vector128<float> sum1 = Vector128<float>.Zero;
        Vector128<float> sum2 = Vector128<float>.Zero;
        Vector128<float> sum3 = Vector128<float>.Zero;
        if (length >= 4 * Lanes)
        {
            nuint blockEnd = (nuint)(length / (4 * Lanes) * (4 * Lanes));
            for (nuint i = 0; i < blockEnd; i += 4 * Lanes)
            {
                sum0 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, i), Vector128.LoadUnsafe(ref right, i), sum0);
                sum1 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, i + 4), Vector128.LoadUnsafe(ref right, i + 4), sum1);
                sum2 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, i + 8), Vector128.LoadUnsafe(ref right, i + 8), sum2);
                sum3 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, i + 12), Vector128.LoadUnsafe(ref right, i + 12), sum3);
            }

            if (length / Lanes % 4 > 0)
            {
                sum0 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, blockEnd), Vector128.LoadUnsafe(ref right, blockEnd), sum0);
            }

            if (length / Lanes % 4 > 1)
            {
                sum1 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, blockEnd + 4), Vector128.LoadUnsafe(ref right, blockEnd + 4), sum1);
            }

            if (length / Lanes % 4 > 2)
            {
                sum2 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, blockEnd + 8), Vector128.LoadUnsafe(ref right, blockEnd + 8), sum2);
            }
        }
        else
        {
            sum0 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left), Vector128.LoadUnsafe(ref right), sum0);
            if (length >= 2 * Lanes)
            {
                sum1 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, 4), Vector128.LoadUnsafe(ref right, 4), sum1);
            }

            if (length >= 3 * Lanes)
            {
                sum2 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, 8), Vector128.LoadUnsafe(ref right, 8), sum2);
            }
        }

        Vector128<float> sums = length >= 4 * Lanes ? (sum0 + sum1) + (sum2 + sum3)
            : length >= 3 * Lanes ? (sum0 + sum1) + sum2
            : length >= 2 * Lanes ? sum0 + sum1
            : sum0;
        float total = Vector128.Sum(sums);
        for (int i = length / Lanes * Lanes; i < length; i++)
        {
            total += Unsafe.Add(ref left, i) * Unsafe.Add(ref right, i);
        }

        return total;
    }

    /// <summary>
    /// Four rows interleaved with Vector256: each input vector loaded once and multiplied into the four rows'
    /// accumulators, the four sums by one shuffle tree, then the columns past the last whole vector one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FourRows256(ref float rows, ref float input, int length)
    {
        const int Lanes = 8;
        nuint n = (nuint)length;
        Vector256<float> sum0 = Vector256<float>.Zero;
        Vector256<float> sum1 = Vector256<float>.Zero;
        Vector256<float> sum2 = Vector256<float>.Zero;
        Vector256<float> sum3 = Vector256<float>.Zero;
        if (length / Lanes <= 12)
        {
            // Up to twelve vectors: straight-line steps.
            if (length / Lanes > 0) { FourRowStep256(ref rows, ref input, 0 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 1) { FourRowStep256(ref rows, ref input, 1 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 2) { FourRowStep256(ref rows, ref input, 2 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 3) { FourRowStep256(ref rows, ref input, 3 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 4) { FourRowStep256(ref rows, ref input, 4 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 5) { FourRowStep256(ref rows, ref input, 5 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 6) { FourRowStep256(ref rows, ref input, 6 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 7) { FourRowStep256(ref rows, ref input, 7 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 8) { FourRowStep256(ref rows, ref input, 8 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 9) { FourRowStep256(ref rows, ref input, 9 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 10) { FourRowStep256(ref rows, ref input, 10 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 11) { FourRowStep256(ref rows, ref input, 11 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
        }
        else
        {
            // Two vectors a step (the same order as one a step), then the odd one.
            nuint pairEnd = (nuint)(length / (2 * Lanes) * (2 * Lanes));
            for (nuint i = 0; i < pairEnd; i += 2 * Lanes)
            {
                FourRowStep256(ref rows, ref input, i, n, ref sum0, ref sum1, ref sum2, ref sum3);
                FourRowStep256(ref rows, ref input, i + Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3);
            }

            if (length / Lanes % 2 != 0)
            {
                FourRowStep256(ref rows, ref input, pairEnd, n, ref sum0, ref sum1, ref sum2, ref sum3);
            }
        }

        Vector128<float> sums = SimdMath.SumEach(sum0, sum1, sum2, sum3);
        if (length % Lanes != 0)
        {
            sums += FourRowsTail(ref rows, ref input, length / Lanes * Lanes, length);
        }

        return sums;
    }

    /// <summary>One input vector at <paramref name="i"/> multiplied into the four rows' accumulators (row stride <paramref name="n"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRowStep256(ref float rows, ref float input, nuint i, nuint n, ref Vector256<float> sum0, ref Vector256<float> sum1, ref Vector256<float> sum2, ref Vector256<float> sum3)
    {
        Vector256<float> x = Vector256.LoadUnsafe(ref input, i);
        sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, i), x, sum0);
        sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, i + n), x, sum1);
        sum2 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, i + (2 * n)), x, sum2);
        sum3 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, i + (3 * n)), x, sum3);
    }

    /// <summary>Four rows interleaved with Vector128; see <see cref="FourRows256"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FourRows128(ref float rows, ref float input, int length)
    {
        const int Lanes = 4;
        nuint n = (nuint)length;
        Vector128<float> sum0 = Vector128<float>.Zero;
        Vector128<float> sum1 = Vector128<float>.Zero;
        Vector128<float> sum2 = Vector128<float>.Zero;
        Vector128<float> sum3 = Vector128<float>.Zero;
        if (length / Lanes <= 12)
        {
            // Up to twelve vectors: straight-line steps.
            if (length / Lanes > 0) { FourRowStep128(ref rows, ref input, 0 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 1) { FourRowStep128(ref rows, ref input, 1 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 2) { FourRowStep128(ref rows, ref input, 2 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 3) { FourRowStep128(ref rows, ref input, 3 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 4) { FourRowStep128(ref rows, ref input, 4 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 5) { FourRowStep128(ref rows, ref input, 5 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 6) { FourRowStep128(ref rows, ref input, 6 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 7) { FourRowStep128(ref rows, ref input, 7 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 8) { FourRowStep128(ref rows, ref input, 8 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 9) { FourRowStep128(ref rows, ref input, 9 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 10) { FourRowStep128(ref rows, ref input, 10 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
            if (length / Lanes > 11) { FourRowStep128(ref rows, ref input, 11 * Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3); }
        }
        else
        {
            // Two vectors a step (the same order as one a step), then the odd one.
            nuint pairEnd = (nuint)(length / (2 * Lanes) * (2 * Lanes));
            for (nuint i = 0; i < pairEnd; i += 2 * Lanes)
            {
                FourRowStep128(ref rows, ref input, i, n, ref sum0, ref sum1, ref sum2, ref sum3);
                FourRowStep128(ref rows, ref input, i + Lanes, n, ref sum0, ref sum1, ref sum2, ref sum3);
            }

            if (length / Lanes % 2 != 0)
            {
                FourRowStep128(ref rows, ref input, pairEnd, n, ref sum0, ref sum1, ref sum2, ref sum3);
            }
        }

        Vector128<float> sums = SimdMath.SumEach(sum0, sum1, sum2, sum3);
        if (length % Lanes != 0)
        {
            sums += FourRowsTail(ref rows, ref input, length / Lanes * Lanes, length);
        }

        return sums;
    }

    /// <summary>One input vector at <paramref name="i"/> multiplied into the four rows' accumulators (row stride <paramref name="n"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRowStep128(ref float rows, ref float input, nuint i, nuint n, ref Vector128<float> sum0, ref Vector128<float> sum1, ref Vector128<float> sum2, ref Vector128<float> sum3)
    {
        Vector128<float> x = Vector128.LoadUnsafe(ref input, i);
        sum0 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref rows, i), x, sum0);
        sum1 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref rows, i + n), x, sum1);
        sum2 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref rows, i + (2 * n)), x, sum2);
        sum3 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref rows, i + (3 * n)), x, sum3);
    }

    /// <summary>The four rows' columns [<paramref name="first"/>, <paramref name="length"/>), one column at a time, one scalar sum a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FourRowsTail(ref float rows, ref float input, int first, int length)
    {
        float tail0 = 0, tail1 = 0, tail2 = 0, tail3 = 0;
        for (int i = first; i < length; i++)
        {
            float x = Unsafe.Add(ref input, i);
            tail0 += Unsafe.Add(ref rows, i) * x;
            tail1 += Unsafe.Add(ref rows, length + i) * x;
            tail2 += Unsafe.Add(ref rows, (2 * length) + i) * x;
            tail3 += Unsafe.Add(ref rows, (3 * length) + i) * x;
        }

        return Vector128.Create(tail0, tail1, tail2, tail3);
    }
}
