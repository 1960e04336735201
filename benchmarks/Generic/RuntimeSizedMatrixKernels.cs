using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Codegen.Kernels;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// Dot products and matrix products whose lengths are run-time values, with the generated kernels'
/// Vector256 fused multiply-add schemes: four independent chains along one row; four rows against
/// one input, read interleaved or one after another with a prefetch as <see cref="WeightStreaming"/>
/// decides; four rows against three inputs (then two) in prefill. A scalar fallback where Vector256 is not
/// accelerated. Unlike the generated code, every loop bound and stride is a variable and every
/// length needs a remainder loop. Matrices are row-major [out, in].
/// </summary>
internal static class RuntimeSizedMatrixKernels
{
    /// <summary>left . right over <paramref name="length"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float left, ref float right, int length) => Dot(ref left, ref right, length, prefetch: false);

    /// <summary>
    /// A weight row . input, the same sums as <see cref="Dot(ref float, ref float, int)"/> with a software
    /// prefetch of the row ahead every 32 values, so that a matrix-vector product reads its matrix as one
    /// forward stream, row after row (the generated code's choice for weights that outgrow the caches).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DotStreamed(ref float row, ref float input, int length) => Dot(ref row, ref input, length, prefetch: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float left, ref float right, int length, bool prefetch)
    {
        int i = 0;
        float total = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> sum0 = Vector256<float>.Zero;
            Vector256<float> sum1 = Vector256<float>.Zero;
            Vector256<float> sum2 = Vector256<float>.Zero;
            Vector256<float> sum3 = Vector256<float>.Zero;
            for (; i + 32 <= length; i += 32)
            {
                nuint at = (nuint)i;
                if (prefetch)
                {
                    SimdMath.PrefetchAhead(ref Unsafe.Add(ref left, at));
                }

                sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, at), Vector256.LoadUnsafe(ref right, at), sum0);
                sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, at + 8), Vector256.LoadUnsafe(ref right, at + 8), sum1);
                sum2 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, at + 16), Vector256.LoadUnsafe(ref right, at + 16), sum2);
                sum3 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, at + 24), Vector256.LoadUnsafe(ref right, at + 24), sum3);
            }

            for (; i + 8 <= length; i += 8)
            {
                sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref left, (nuint)i), Vector256.LoadUnsafe(ref right, (nuint)i), sum0);
            }

            total = Vector256.Sum((sum0 + sum1) + (sum2 + sum3));
        }

        for (; i < length; i++)
        {
            total += Unsafe.Add(ref left, i) * Unsafe.Add(ref right, i);
        }

        return total;
    }

    /// <summary>
    /// Dot products of four consecutive rows of <paramref name="length"/> values with one input: the rows
    /// interleaved (the input loaded once for all four), or one after another with a prefetch when
    /// <paramref name="streamRows"/> (weights read from memory rather than cache; see <see cref="WeightStreaming"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> DotFourRows(ref float rows, ref float input, int length, bool streamRows)
    {
        if (streamRows && Vector256.IsHardwareAccelerated)
        {
            return DotFourRowsStreamed(ref rows, ref input, length);
        }

        ref float row1 = ref Unsafe.Add(ref rows, length);
        ref float row2 = ref Unsafe.Add(ref rows, 2 * length);
        ref float row3 = ref Unsafe.Add(ref rows, 3 * length);
        int i = 0;
        Vector128<float> sums = Vector128<float>.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> sum0 = Vector256<float>.Zero;
            Vector256<float> sum1 = Vector256<float>.Zero;
            Vector256<float> sum2 = Vector256<float>.Zero;
            Vector256<float> sum3 = Vector256<float>.Zero;
            for (; i + 8 <= length; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> x = Vector256.LoadUnsafe(ref input, at);
                sum0 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref rows, at), x, sum0);
                sum1 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref row1, at), x, sum1);
                sum2 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref row2, at), x, sum2);
                sum3 = SimdMath.MultiplyAdd(Vector256.LoadUnsafe(ref row3, at), x, sum3);
            }

            sums = SimdMath.SumEach(sum0, sum1, sum2, sum3);
        }

        if (i < length)
        {
            float tail0 = 0, tail1 = 0, tail2 = 0, tail3 = 0;
            for (; i < length; i++)
            {
                float x = Unsafe.Add(ref input, i);
                tail0 += Unsafe.Add(ref rows, i) * x;
                tail1 += Unsafe.Add(ref row1, i) * x;
                tail2 += Unsafe.Add(ref row2, i) * x;
                tail3 += Unsafe.Add(ref row3, i) * x;
            }

            sums += Vector128.Create(tail0, tail1, tail2, tail3);
        }

        return sums;
    }

    /// <summary>
    /// The four rows one after another, each streamed with a prefetch. Not inlined: four inlined copies of
    /// the dot product loop would exhaust the JIT's inlining budget of the calling kernel, which would then
    /// leave its own multiply-adds as calls.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> DotFourRowsStreamed(ref float rows, ref float input, int length) =>
        Vector128.Create(
            DotStreamed(ref rows, ref input, length),
            DotStreamed(ref Unsafe.Add(ref rows, length), ref input, length),
            DotStreamed(ref Unsafe.Add(ref rows, 2 * length), ref input, length),
            DotStreamed(ref Unsafe.Add(ref rows, 3 * length), ref input, length));

    /// <summary>output[row] = matrix[row, :] . input, for rows [start, end) of a matrix with <paramref name="columns"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRows(ReadOnlySpan<float> matrix, int columns, ReadOnlySpan<float> input, Span<float> output, int start, int end, bool streamRows)
    {
        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float o = ref MemoryMarshal.GetReference(output);
        int row = start;
        for (; row + 4 <= end; row += 4)
        {
            Vector128.StoreUnsafe(DotFourRows(ref Unsafe.Add(ref m, (nint)row * columns), ref x, columns, streamRows), ref o, (nuint)row);
        }

        for (; row < end; row++)
        {
            Unsafe.Add(ref o, row) = Dot(ref Unsafe.Add(ref m, (nint)row * columns), ref x, columns);
        }
    }

    /// <summary>target[row] += matrix[row, :] . input, for rows [start, end) (a projection added into the residual stream).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRowsAddInto(ReadOnlySpan<float> matrix, int columns, ReadOnlySpan<float> input, Span<float> target, int start, int end, bool streamRows)
    {
        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float sum = ref MemoryMarshal.GetReference(target);
        int row = start;
        for (; row + 4 <= end; row += 4)
        {
            Vector128<float> dot = DotFourRows(ref Unsafe.Add(ref m, (nint)row * columns), ref x, columns, streamRows);
            Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sum, (nuint)row) + dot, ref sum, (nuint)row);
        }

        for (; row < end; row++)
        {
            Unsafe.Add(ref sum, row) += Dot(ref Unsafe.Add(ref m, (nint)row * columns), ref x, columns);
        }
    }

    /// <summary>target[row] += matrix[row, :] . input + bias[row], for rows [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRowsWithBiasAddInto(ReadOnlySpan<float> matrix, ReadOnlySpan<float> bias, int columns, ReadOnlySpan<float> input, Span<float> target, int start, int end, bool streamRows)
    {
        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float sum = ref MemoryMarshal.GetReference(target);
        int row = start;
        for (; row + 4 <= end; row += 4)
        {
            Vector128<float> dot = DotFourRows(ref Unsafe.Add(ref m, (nint)row * columns), ref x, columns, streamRows);
            Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sum, (nuint)row) + (dot + Vector128.LoadUnsafe(ref b, (nuint)row)), ref sum, (nuint)row);
        }

        for (; row < end; row++)
        {
            Unsafe.Add(ref sum, row) += Dot(ref Unsafe.Add(ref m, (nint)row * columns), ref x, columns) + Unsafe.Add(ref b, row);
        }
    }

    /// <summary>SwiGLU with the gate and up products in one pass: hidden[row] = silu(gate[row, :] . x) * (up[row, :] . x), rows [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRowsSwiGlu(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, int columns, ReadOnlySpan<float> input, Span<float> hidden, int start, int end, bool streamRows)
    {
        ref float g0 = ref MemoryMarshal.GetReference(gate);
        ref float u0 = ref MemoryMarshal.GetReference(up);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float h = ref MemoryMarshal.GetReference(hidden);
        int row = start;
        if (streamRows)
        {
            // As the generated code for streamed weights: the gate rows, then the up rows, one matrix at a time.
            MultiplyRows(gate, columns, input, hidden, start, end, streamRows);
            for (; row + 4 <= end; row += 4)
            {
                Vector128<float> u = DotFourRows(ref Unsafe.Add(ref u0, (nint)row * columns), ref x, columns, streamRows);
                Vector128<float> g = Vector128.LoadUnsafe(ref h, (nuint)row);
                Vector128.StoreUnsafe(g * (Vector128<float>.One / (Vector128<float>.One + SimdMath.Exp(-g))) * u, ref h, (nuint)row);
            }

            for (; row < end; row++)
            {
                float g = Unsafe.Add(ref h, row);
                Unsafe.Add(ref h, row) = g * (1.0f / (1.0f + MathF.Exp(-g))) * Dot(ref Unsafe.Add(ref u0, (nint)row * columns), ref x, columns);
            }

            return;
        }

        for (; row + 4 <= end; row += 4)
        {
            Vector128<float> g = DotFourRows(ref Unsafe.Add(ref g0, (nint)row * columns), ref x, columns, streamRows);
            Vector128<float> u = DotFourRows(ref Unsafe.Add(ref u0, (nint)row * columns), ref x, columns, streamRows);
            Vector128.StoreUnsafe(g * (Vector128<float>.One / (Vector128<float>.One + SimdMath.Exp(-g))) * u, ref h, (nuint)row);
        }

        for (; row < end; row++)
        {
            float g = Dot(ref Unsafe.Add(ref g0, (nint)row * columns), ref x, columns);
            float u = Dot(ref Unsafe.Add(ref u0, (nint)row * columns), ref x, columns);
            Unsafe.Add(ref h, row) = g * (1.0f / (1.0f + MathF.Exp(-g))) * u;
        }
    }

    /// <summary>GPT-2's MLP up projection: hidden[row] = gelu(matrix[row, :] . x + bias[row]), rows [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRowsWithBiasGelu(ReadOnlySpan<float> matrix, ReadOnlySpan<float> bias, int columns, ReadOnlySpan<float> input, Span<float> hidden, int start, int end, bool streamRows)
    {
        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float h = ref MemoryMarshal.GetReference(hidden);
        int row = start;
        for (; row + 4 <= end; row += 4)
        {
            Vector128<float> dot = DotFourRows(ref Unsafe.Add(ref m, (nint)row * columns), ref x, columns, streamRows);
            Vector128.StoreUnsafe(SimdMath.Gelu(dot + Vector128.LoadUnsafe(ref b, (nuint)row)), ref h, (nuint)row);
        }

        for (; row < end; row++)
        {
            Unsafe.Add(ref h, row) = RuntimeSizedVectorKernels.Gelu(Dot(ref Unsafe.Add(ref m, (nint)row * columns), ref x, columns) + Unsafe.Add(ref b, row));
        }
    }

    /// <summary>
    /// Prefill's matrix-matrix product: output[t, row] = matrix[row, :] . input[t, :] for rows [start, end)
    /// and tokens [0, tokens). Input rows have <paramref name="columns"/> values; output rows have
    /// <paramref name="outputStride"/>. With AVX-512 and a chunk of at least <see cref="FeatureMajorProducts.MinimumTokens"/>
    /// tokens, the generated prefill's feature-major tiles (<see cref="FeatureMajorProducts"/>, whose sizes are run-time
    /// values already), so both sides run the same algorithm; the rows those leave, and every other case, four weight
    /// rows by three tokens (then two), so each loaded weight vector feeds several multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRowsBatch(ReadOnlySpan<float> matrix, int columns, ReadOnlySpan<float> input, Span<float> output, int outputStride, int tokens, int start, int end, bool streamRows)
    {
        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float x0 = ref MemoryMarshal.GetReference(input);
        ref float o = ref MemoryMarshal.GetReference(output);
        int row = start;
        if (FeatureMajorProducts.Applies(tokens))
        {
            row = FeatureMajorProducts.MultiplyRows<float, Float32Broadcast>(ref m, columns, ref x0, ref o, outputStride, tokens, start, end);
        }

        for (; row + 4 <= end; row += 4)
        {
            ref float rows = ref Unsafe.Add(ref m, (nint)row * columns);
            int t = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; t + 3 <= tokens; t += 3)
                {
                    DotFourRowsThreeInputs(ref rows, ref Unsafe.Add(ref x0, t * columns), columns, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2);
                    Vector128.StoreUnsafe(sums0, ref Unsafe.Add(ref o, (t * outputStride) + row));
                    Vector128.StoreUnsafe(sums1, ref Unsafe.Add(ref o, ((t + 1) * outputStride) + row));
                    Vector128.StoreUnsafe(sums2, ref Unsafe.Add(ref o, ((t + 2) * outputStride) + row));
                }

                for (; t + 2 <= tokens; t += 2)
                {
                    Vector128<float> firstSums = Vector128<float>.Zero;
                    Vector128<float> secondSums = Vector128<float>.Zero;
                    DotFourRowsTwoInputs(ref rows, ref Unsafe.Add(ref x0, t * columns), ref Unsafe.Add(ref x0, (t + 1) * columns), columns, ref firstSums, ref secondSums);
                    Vector128.StoreUnsafe(firstSums, ref Unsafe.Add(ref o, (t * outputStride) + row));
                    Vector128.StoreUnsafe(secondSums, ref Unsafe.Add(ref o, ((t + 1) * outputStride) + row));
                }
            }

            for (; t < tokens; t++)
            {
                Vector128.StoreUnsafe(DotFourRows(ref rows, ref Unsafe.Add(ref x0, t * columns), columns, streamRows), ref Unsafe.Add(ref o, (t * outputStride) + row));
            }
        }

        for (; row < end; row++)
        {
            ref float weights = ref Unsafe.Add(ref m, (nint)row * columns);
            for (int t = 0; t < tokens; t++)
            {
                Unsafe.Add(ref o, (t * outputStride) + row) = Dot(ref weights, ref Unsafe.Add(ref x0, t * columns), columns);
            }
        }
    }

    /// <summary>
    /// Dot products of four consecutive rows with three consecutive inputs at once (the Vector256 path of
    /// <see cref="MultiplyRowsBatch"/>): twelve accumulators, as the generated prefill tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotFourRowsThreeInputs(ref float rows, ref float inputs, int length, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2)
    {
        ref float row1 = ref Unsafe.Add(ref rows, length);
        ref float row2 = ref Unsafe.Add(ref rows, 2 * length);
        ref float row3 = ref Unsafe.Add(ref rows, 3 * length);
        ref float input1 = ref Unsafe.Add(ref inputs, length);
        ref float input2 = ref Unsafe.Add(ref inputs, 2 * length);
        Vector256<float> s00 = Vector256<float>.Zero, s01 = Vector256<float>.Zero, s02 = Vector256<float>.Zero;
        Vector256<float> s10 = Vector256<float>.Zero, s11 = Vector256<float>.Zero, s12 = Vector256<float>.Zero;
        Vector256<float> s20 = Vector256<float>.Zero, s21 = Vector256<float>.Zero, s22 = Vector256<float>.Zero;
        Vector256<float> s30 = Vector256<float>.Zero, s31 = Vector256<float>.Zero, s32 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            nuint at = (nuint)i;
            Vector256<float> x0 = Vector256.LoadUnsafe(ref inputs, at);
            Vector256<float> x1 = Vector256.LoadUnsafe(ref input1, at);
            Vector256<float> x2 = Vector256.LoadUnsafe(ref input2, at);
            Vector256<float> w = Vector256.LoadUnsafe(ref rows, at);
            s00 = SimdMath.MultiplyAdd(w, x0, s00);
            s01 = SimdMath.MultiplyAdd(w, x1, s01);
            s02 = SimdMath.MultiplyAdd(w, x2, s02);
            w = Vector256.LoadUnsafe(ref row1, at);
            s10 = SimdMath.MultiplyAdd(w, x0, s10);
            s11 = SimdMath.MultiplyAdd(w, x1, s11);
            s12 = SimdMath.MultiplyAdd(w, x2, s12);
            w = Vector256.LoadUnsafe(ref row2, at);
            s20 = SimdMath.MultiplyAdd(w, x0, s20);
            s21 = SimdMath.MultiplyAdd(w, x1, s21);
            s22 = SimdMath.MultiplyAdd(w, x2, s22);
            w = Vector256.LoadUnsafe(ref row3, at);
            s30 = SimdMath.MultiplyAdd(w, x0, s30);
            s31 = SimdMath.MultiplyAdd(w, x1, s31);
            s32 = SimdMath.MultiplyAdd(w, x2, s32);
        }

        sums0 = SimdMath.SumEach(s00, s10, s20, s30);
        sums1 = SimdMath.SumEach(s01, s11, s21, s31);
        sums2 = SimdMath.SumEach(s02, s12, s22, s32);
        for (; i < length; i++)
        {
            Vector128<float> column = Vector128.Create(Unsafe.Add(ref rows, i), Unsafe.Add(ref row1, i), Unsafe.Add(ref row2, i), Unsafe.Add(ref row3, i));
            sums0 += column * Unsafe.Add(ref inputs, i);
            sums1 += column * Unsafe.Add(ref input1, i);
            sums2 += column * Unsafe.Add(ref input2, i);
        }
    }

    /// <summary>Dot products of four consecutive rows with two inputs at once (the Vector256 path of <see cref="MultiplyRowsBatch"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotFourRowsTwoInputs(ref float rows, ref float first, ref float second, int length, ref Vector128<float> firstSums, ref Vector128<float> secondSums)
    {
        ref float row1 = ref Unsafe.Add(ref rows, length);
        ref float row2 = ref Unsafe.Add(ref rows, 2 * length);
        ref float row3 = ref Unsafe.Add(ref rows, 3 * length);
        Vector256<float> a0 = Vector256<float>.Zero, b0 = Vector256<float>.Zero;
        Vector256<float> a1 = Vector256<float>.Zero, b1 = Vector256<float>.Zero;
        Vector256<float> a2 = Vector256<float>.Zero, b2 = Vector256<float>.Zero;
        Vector256<float> a3 = Vector256<float>.Zero, b3 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            nuint at = (nuint)i;
            Vector256<float> x = Vector256.LoadUnsafe(ref first, at);
            Vector256<float> y = Vector256.LoadUnsafe(ref second, at);
            Vector256<float> w0 = Vector256.LoadUnsafe(ref rows, at);
            a0 = SimdMath.MultiplyAdd(w0, x, a0);
            b0 = SimdMath.MultiplyAdd(w0, y, b0);
            Vector256<float> w1 = Vector256.LoadUnsafe(ref row1, at);
            a1 = SimdMath.MultiplyAdd(w1, x, a1);
            b1 = SimdMath.MultiplyAdd(w1, y, b1);
            Vector256<float> w2 = Vector256.LoadUnsafe(ref row2, at);
            a2 = SimdMath.MultiplyAdd(w2, x, a2);
            b2 = SimdMath.MultiplyAdd(w2, y, b2);
            Vector256<float> w3 = Vector256.LoadUnsafe(ref row3, at);
            a3 = SimdMath.MultiplyAdd(w3, x, a3);
            b3 = SimdMath.MultiplyAdd(w3, y, b3);
        }

        firstSums = SimdMath.SumEach(a0, a1, a2, a3);
        secondSums = SimdMath.SumEach(b0, b1, b2, b3);
        if (i < length)
        {
            float fa0 = 0, fa1 = 0, fa2 = 0, fa3 = 0, fb0 = 0, fb1 = 0, fb2 = 0, fb3 = 0;
            for (; i < length; i++)
            {
                float x = Unsafe.Add(ref first, i);
                float y = Unsafe.Add(ref second, i);
                fa0 += Unsafe.Add(ref rows, i) * x;
                fb0 += Unsafe.Add(ref rows, i) * y;
                fa1 += Unsafe.Add(ref row1, i) * x;
                fb1 += Unsafe.Add(ref row1, i) * y;
                fa2 += Unsafe.Add(ref row2, i) * x;
                fb2 += Unsafe.Add(ref row2, i) * y;
                fa3 += Unsafe.Add(ref row3, i) * x;
                fb3 += Unsafe.Add(ref row3, i) * y;
            }

            firstSums += Vector128.Create(fa0, fa1, fa2, fa3);
            secondSums += Vector128.Create(fb0, fb1, fb2, fb3);
        }
    }
}
