using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Codegen.Kernels;

/// <summary>
/// Dot products and matrix-vector products of float32 weight rows whose length is a compile-time
/// constant, <typeparamref name="TColumns"/>.Count (see <see cref="IColumns"/>). The JIT compiles each
/// struct instantiation on its own with the length a constant, so the loop bounds, the number of
/// accumulators and the tail steps below fold exactly as in code written out for that length.
/// </summary>
/// <remarks>
/// The order of the floating-point operations is fixed by the length alone, the same on every call:
/// Vector256 (fused multiply-add where the processor has it) when the length holds a whole vector of
/// eight and Vector256 is accelerated; otherwise Vector128 when it holds a vector of four; otherwise
/// scalar. A dot product keeps up to four independent accumulators, vector k going to accumulator
/// k % 4, sums them as (sum0 + sum1) + (sum2 + sum3), then adds the values past the last whole vector
/// one at a time. Matrices are row-major [out, in].
/// </remarks>
public static class F32Products
{
    /// <summary>The dot product of two vectors of <typeparamref name="TColumns"/>.Count values.</summary>
    /// <typeparam name="TColumns">The length.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TColumns>(ref float left, ref float right)
        where TColumns : IColumns
    {
        if (TColumns.Count >= 8 && Vector256.IsHardwareAccelerated)
        {
            return Dot256<TColumns>(ref left, ref right, prefetch: false);
        }

        if (TColumns.Count >= 4 && Vector128.IsHardwareAccelerated)
        {
            return Dot128<TColumns>(ref left, ref right);
        }

        float sum = 0;
        for (int i = 0; i < TColumns.Count; i++)
        {
            sum += Unsafe.Add(ref left, i) * Unsafe.Add(ref right, i);
        }

        return sum;
    }

    /// <summary>
    /// The dot product of one weight row with an input, the same sums as <see cref="Dot{TColumns}"/>, with
    /// a software prefetch of the row <see cref="SimdMath.PrefetchDistance"/> bytes ahead every 32 values on
    /// the Vector256 path, so a matrix-vector product reads its matrix as one forward stream, row after row.
    /// </summary>
    /// <typeparam name="TColumns">The row length.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DotStreamed<TColumns>(ref float row, ref float input)
        where TColumns : IColumns
    {
        if (TColumns.Count >= 8 && Vector256.IsHardwareAccelerated)
        {
            return Dot256<TColumns>(ref row, ref input, prefetch: true);
        }

        return Dot<TColumns>(ref row, ref input);
    }

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
        where TColumns : IColumns
    {
        nuint n = (nuint)TColumns.Count;
        if (TColumns.Count >= 8 && Vector256.IsHardwareAccelerated)
        {
            if (TColumns.StreamRows)
            {
                // Measured from DRAM: one row after another with a prefetch reads the matrix faster than
                // four rows interleaved (one stream instead of four); from cache they tie.
                return Vector128.Create(
                    DotStreamed<TColumns>(ref rows, ref input),
                    DotStreamed<TColumns>(ref Unsafe.Add(ref rows, n), ref input),
                    DotStreamed<TColumns>(ref Unsafe.Add(ref rows, 2 * n), ref input),
                    DotStreamed<TColumns>(ref Unsafe.Add(ref rows, 3 * n), ref input));
            }

            return FourRows256<TColumns>(ref rows, ref input);
        }

        if (TColumns.Count >= 4 && Vector128.IsHardwareAccelerated)
        {
            return FourRows128<TColumns>(ref rows, ref input);
        }

        return Vector128.Create(
            Dot<TColumns>(ref rows, ref input),
            Dot<TColumns>(ref Unsafe.Add(ref rows, n), ref input),
            Dot<TColumns>(ref Unsafe.Add(ref rows, 2 * n), ref input),
            Dot<TColumns>(ref Unsafe.Add(ref rows, 3 * n), ref input));
    }

    /// <summary>
    /// output[row] = matrix[row, :] · input for rows [<paramref name="start"/>, <paramref name="end"/>) of a
    /// float32 matrix with <typeparamref name="TColumns"/>.Count columns: four rows at a time
    /// (<see cref="DotFourRows{TColumns}"/>), then single rows. Row ranges let a session split one product
    /// over a worker pool.
    /// </summary>
    /// <typeparam name="TColumns">The column count.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRows<TColumns>(WeightTensor matrix, ref float input, ref float output, int start, int end)
        where TColumns : IColumns
    {
        ref float m = ref matrix.Data;
        int row = start;
        for (; row + 4 <= end; row += 4)
        {
            Vector128<float> dot = DotFourRows<TColumns>(ref Unsafe.Add(ref m, (nint)row * TColumns.Count), ref input);
            Vector128.StoreUnsafe(dot, ref output, (nuint)row);
        }

        for (; row < end; row++)
        {
            Unsafe.Add(ref output, row) = Dot<TColumns>(ref Unsafe.Add(ref m, (nint)row * TColumns.Count), ref input);
        }
    }

    /// <summary>
    /// The Vector256 dot product: up to four accumulators, vector k into accumulator k % 4 (whole blocks of
    /// four vectors first, then the leftover vectors), then the scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot256<TColumns>(ref float left, ref float right, bool prefetch)
        where TColumns : IColumns
    {
        const int Lanes = 8;
        int vectors = TColumns.Count / Lanes;
        int accumulators = vectors < 4 ? vectors : 4;
        Vector256<float> sum0 = Vector256<float>.Zero;
        Vector256<float> sum1 = Vector256<float>.Zero;
        Vector256<float> sum2 = Vector256<float>.Zero;
        Vector256<float> sum3 = Vector256<float>.Zero;
        if (accumulators == 4)
        {
            nuint blockEnd = (nuint)(vectors / 4 * 4 * Lanes);
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

            int leftover = vectors % 4;
            if (leftover > 0)
            {
                sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, blockEnd), Vector256.LoadUnsafe(ref right, blockEnd), sum0);
            }

            if (leftover > 1)
            {
                sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, blockEnd + 8), Vector256.LoadUnsafe(ref right, blockEnd + 8), sum1);
            }

            if (leftover > 2)
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
            if (accumulators > 1)
            {
                sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, 8), Vector256.LoadUnsafe(ref right, 8), sum1);
            }

            if (accumulators > 2)
            {
                sum2 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, 16), Vector256.LoadUnsafe(ref right, 16), sum2);
            }
        }

        float total = Vector256.Sum(accumulators switch
        {
            1 => sum0,
            2 => sum0 + sum1,
            3 => (sum0 + sum1) + sum2,
            _ => (sum0 + sum1) + (sum2 + sum3),
        });
        for (int i = vectors * Lanes; i < TColumns.Count; i++)
        {
            total += Unsafe.Add(ref left, i) * Unsafe.Add(ref right, i);
        }

        return total;
    }

    /// <summary>The Vector128 dot product; see <see cref="Dot256{TColumns}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot128<TColumns>(ref float left, ref float right)
        where TColumns : IColumns
    {
        const int Lanes = 4;
        int vectors = TColumns.Count / Lanes;
        int accumulators = vectors < 4 ? vectors : 4;
        Vector128<float> sum0 = Vector128<float>.Zero;
        Vector128<float> sum1 = Vector128<float>.Zero;
        Vector128<float> sum2 = Vector128<float>.Zero;
        Vector128<float> sum3 = Vector128<float>.Zero;
        if (accumulators == 4)
        {
            nuint blockEnd = (nuint)(vectors / 4 * 4 * Lanes);
            for (nuint i = 0; i < blockEnd; i += 4 * Lanes)
            {
                sum0 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, i), Vector128.LoadUnsafe(ref right, i), sum0);
                sum1 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, i + 4), Vector128.LoadUnsafe(ref right, i + 4), sum1);
                sum2 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, i + 8), Vector128.LoadUnsafe(ref right, i + 8), sum2);
                sum3 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, i + 12), Vector128.LoadUnsafe(ref right, i + 12), sum3);
            }

            int leftover = vectors % 4;
            if (leftover > 0)
            {
                sum0 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, blockEnd), Vector128.LoadUnsafe(ref right, blockEnd), sum0);
            }

            if (leftover > 1)
            {
                sum1 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, blockEnd + 4), Vector128.LoadUnsafe(ref right, blockEnd + 4), sum1);
            }

            if (leftover > 2)
            {
                sum2 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, blockEnd + 8), Vector128.LoadUnsafe(ref right, blockEnd + 8), sum2);
            }
        }
        else
        {
            sum0 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left), Vector128.LoadUnsafe(ref right), sum0);
            if (accumulators > 1)
            {
                sum1 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, 4), Vector128.LoadUnsafe(ref right, 4), sum1);
            }

            if (accumulators > 2)
            {
                sum2 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref left, 8), Vector128.LoadUnsafe(ref right, 8), sum2);
            }
        }

        float total = Vector128.Sum(accumulators switch
        {
            1 => sum0,
            2 => sum0 + sum1,
            3 => (sum0 + sum1) + sum2,
            _ => (sum0 + sum1) + (sum2 + sum3),
        });
        for (int i = vectors * Lanes; i < TColumns.Count; i++)
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
    private static Vector128<float> FourRows256<TColumns>(ref float rows, ref float input)
        where TColumns : IColumns
    {
        const int Lanes = 8;
        nuint n = (nuint)TColumns.Count;
        nuint vectorEnd = (nuint)(TColumns.Count / Lanes * Lanes);
        Vector256<float> sum0 = Vector256<float>.Zero;
        Vector256<float> sum1 = Vector256<float>.Zero;
        Vector256<float> sum2 = Vector256<float>.Zero;
        Vector256<float> sum3 = Vector256<float>.Zero;
        for (nuint i = 0; i < vectorEnd; i += Lanes)
        {
            Vector256<float> x = Vector256.LoadUnsafe(ref input, i);
            sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, i), x, sum0);
            sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, i + n), x, sum1);
            sum2 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, i + (2 * n)), x, sum2);
            sum3 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, i + (3 * n)), x, sum3);
        }

        Vector128<float> sums = SimdMath.SumEach(sum0, sum1, sum2, sum3);
        if (TColumns.Count % Lanes != 0)
        {
            sums += FourRowsTail<TColumns>(ref rows, ref input, TColumns.Count / Lanes * Lanes);
        }

        return sums;
    }

    /// <summary>Four rows interleaved with Vector128; see <see cref="FourRows256{TColumns}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FourRows128<TColumns>(ref float rows, ref float input)
        where TColumns : IColumns
    {
        const int Lanes = 4;
        nuint n = (nuint)TColumns.Count;
        nuint vectorEnd = (nuint)(TColumns.Count / Lanes * Lanes);
        Vector128<float> sum0 = Vector128<float>.Zero;
        Vector128<float> sum1 = Vector128<float>.Zero;
        Vector128<float> sum2 = Vector128<float>.Zero;
        Vector128<float> sum3 = Vector128<float>.Zero;
        for (nuint i = 0; i < vectorEnd; i += Lanes)
        {
            Vector128<float> x = Vector128.LoadUnsafe(ref input, i);
            sum0 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref rows, i), x, sum0);
            sum1 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref rows, i + n), x, sum1);
            sum2 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref rows, i + (2 * n)), x, sum2);
            sum3 = SimdMath.MultiplyAdd(Vector128.LoadUnsafe(ref rows, i + (3 * n)), x, sum3);
        }

        Vector128<float> sums = SimdMath.SumEach(sum0, sum1, sum2, sum3);
        if (TColumns.Count % Lanes != 0)
        {
            sums += FourRowsTail<TColumns>(ref rows, ref input, TColumns.Count / Lanes * Lanes);
        }

        return sums;
    }

    /// <summary>The four rows' columns [<paramref name="first"/>, Count), one column at a time, one scalar sum a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FourRowsTail<TColumns>(ref float rows, ref float input, int first)
        where TColumns : IColumns
    {
        int n = TColumns.Count;
        float tail0 = 0, tail1 = 0, tail2 = 0, tail3 = 0;
        for (int i = first; i < n; i++)
        {
            float x = Unsafe.Add(ref input, i);
            tail0 += Unsafe.Add(ref rows, i) * x;
            tail1 += Unsafe.Add(ref rows, n + i) * x;
            tail2 += Unsafe.Add(ref rows, (2 * n) + i) * x;
            tail3 += Unsafe.Add(ref rows, (3 * n) + i) * x;
        }

        return Vector128.Create(tail0, tail1, tail2, tail3);
    }
}
