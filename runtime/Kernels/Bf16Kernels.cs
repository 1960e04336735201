using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Dot products of bfloat16 weight rows (see <see cref="Bf16Matrix"/>) with float32 inputs. A
/// bfloat16 widens to float32 exactly by a 16-bit left shift, so the products and sums are those of
/// float32 arithmetic on the stored values. Any column count works; the generated callers pass
/// compile-time constants, so after inlining the loop bounds and tail steps are constants too.
/// </summary>
/// <remarks>
/// <para>
/// The input goes through <see cref="PrepareInput"/> once per matrix-vector product. With Vector256,
/// sixteen bfloat16 values are loaded as eight 32-bit pairs and widened without a shuffle: a left
/// shift by 16 gives the eight even-indexed values as float32, a mask of the upper halves the eight
/// odd-indexed ones, so the prepared input holds each whole block of sixteen values with its
/// even-indexed values first and its odd-indexed values after them. Measured on a 2-core AVX2 EPYC,
/// two threads over 219 MB of rows of 768 (the 110M shape's bytes a token): 25.9-27.1 GB/s with the
/// zero-extending widening it replaced, 27.8-32.1 GB/s with these instructions (medians of twelve
/// alternating passes, two runs, measured with the weights reordered instead of the input); an unpack
/// with zeros against a reordered input was slower (24.5 against 26.9).
/// </para>
/// <para>
/// Rows are read one after another, each from start to end, with a software prefetch
/// <see cref="PrefetchDistance"/> bytes ahead, so a matrix-vector product walks the matrix as one
/// forward stream. Measured over a 32000 x 288 matrix streamed from DRAM: four rows interleaved (each
/// input load shared by the four) 9.7 GB/s, one row at a time 17.6 GB/s, one row at a time with the
/// prefetch 21.4 GB/s. From cache all three run at the same speed; the input stays in L1 either way.
/// </para>
/// </remarks>
public static class Bf16Kernels
{
    /// <summary>How far ahead of the current position, in bytes, the Vector256 path prefetches weights.</summary>
    public const int PrefetchDistance = 2048;

    /// <summary>Values in each block that <see cref="PrepareInput"/> reorders: sixteen bfloat16 weights are one 256-bit load.</summary>
    public const int PairBlock = 16;

    /// <summary>
    /// The input of a matrix-vector product in the order <see cref="Dot"/> and <see cref="DotFourRows"/>
    /// read it: where Vector256 is accelerated, each whole block of <see cref="PairBlock"/> values as
    /// its eight even-indexed values, then its eight odd-indexed ones, written to
    /// <paramref name="scratch"/> (the values past the last whole block keep their places); elsewhere
    /// the input itself. Returns a reference to what to pass as the kernels' input.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="scratch"/> holds fewer than <paramref name="columns"/> values.</exception>
    public static ref float PrepareInput(ref float input, int columns, Span<float> scratch)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            return ref input;
        }

        if (scratch.Length < columns)
        {
            throw new ArgumentException($"The scratch for a bf16 product's input needs {columns} values; it has {scratch.Length}.", nameof(scratch));
        }

        ref float ordered = ref MemoryMarshal.GetReference(scratch);
        int blocks = columns / PairBlock;
        for (int b = 0; b < blocks; b++)
        {
            int start = b * PairBlock;
            for (int j = 0; j < PairBlock / 2; j++)
            {
                Unsafe.Add(ref ordered, start + j) = Unsafe.Add(ref input, start + (2 * j));
                Unsafe.Add(ref ordered, start + (PairBlock / 2) + j) = Unsafe.Add(ref input, start + (2 * j) + 1);
            }
        }

        for (int c = blocks * PairBlock; c < columns; c++)
        {
            Unsafe.Add(ref ordered, c) = Unsafe.Add(ref input, c);
        }

        return ref ordered;
    }

    /// <summary>
    /// The dot products of four consecutive rows (row stride <paramref name="columns"/> values) with
    /// <paramref name="input"/>, prepared by <see cref="PrepareInput"/>: [row0 · input, row1 · input,
    /// row2 · input, row3 · input].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> DotFourRows(ref ushort rows, int columns, ref float input)
    {
        nuint n = (nuint)(uint)columns;
        return Vector128.Create(
            Dot(ref rows, ref input, columns),
            Dot(ref Unsafe.Add(ref rows, n), ref input, columns),
            Dot(ref Unsafe.Add(ref rows, 2 * n), ref input, columns),
            Dot(ref Unsafe.Add(ref rows, 3 * n), ref input, columns));
    }

    /// <summary>
    /// The dot products of four consecutive rows (row stride <paramref name="columns"/> values) with three
    /// inputs, each prepared by <see cref="PrepareInput"/>: for prefill, where every pair of weights widened
    /// serves three tokens. <paramref name="sums0"/> holds [row0 · input0, row1 · input0, row2 · input0,
    /// row3 · input0], and likewise for the other two inputs.
    /// </summary>
    public static void DotFourRowsThreeInputs(ref ushort rows, int columns, ref float input0, ref float input1, ref float input2, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            sums0 = DotFourRows(ref rows, columns, ref input0);
            sums1 = DotFourRows(ref rows, columns, ref input1);
            sums2 = DotFourRows(ref rows, columns, ref input2);
            return;
        }

        ThreeInputs256(ref rows, (nuint)(uint)columns, ref input0, ref input1, ref input2, out sums0, out sums1, out sums2);
    }

    /// <summary>
    /// <see cref="DotFourRowsThreeInputs"/> with Vector256: twelve accumulators, one per row and input; each
    /// block of sixteen weights of a row is widened once (a shift, a mask) and multiplied into all three
    /// inputs. Past the whole blocks, where the inputs keep their order, single rows finish the tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThreeInputs256(ref ushort rows, nuint n, ref float x0, ref float x1, ref float x2, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2)
    {
        Vector256<float> a00 = Vector256<float>.Zero, a01 = Vector256<float>.Zero, a02 = Vector256<float>.Zero;
        Vector256<float> a10 = Vector256<float>.Zero, a11 = Vector256<float>.Zero, a12 = Vector256<float>.Zero;
        Vector256<float> a20 = Vector256<float>.Zero, a21 = Vector256<float>.Zero, a22 = Vector256<float>.Zero;
        Vector256<float> a30 = Vector256<float>.Zero, a31 = Vector256<float>.Zero, a32 = Vector256<float>.Zero;
        ref ushort row1 = ref Unsafe.Add(ref rows, n);
        ref ushort row2 = ref Unsafe.Add(ref rows, 2 * n);
        ref ushort row3 = ref Unsafe.Add(ref rows, 3 * n);
        nuint i = 0;
        for (; i + PairBlock <= n; i += PairBlock)
        {
            MultiplyBlockIntoThree(Vector256.LoadUnsafe(ref rows, i).AsUInt32(), ref x0, ref x1, ref x2, i, ref a00, ref a01, ref a02);
            MultiplyBlockIntoThree(Vector256.LoadUnsafe(ref row1, i).AsUInt32(), ref x0, ref x1, ref x2, i, ref a10, ref a11, ref a12);
            MultiplyBlockIntoThree(Vector256.LoadUnsafe(ref row2, i).AsUInt32(), ref x0, ref x1, ref x2, i, ref a20, ref a21, ref a22);
            MultiplyBlockIntoThree(Vector256.LoadUnsafe(ref row3, i).AsUInt32(), ref x0, ref x1, ref x2, i, ref a30, ref a31, ref a32);
        }

        sums0 = SimdMath.SumEach(a00, a10, a20, a30);
        sums1 = SimdMath.SumEach(a01, a11, a21, a31);
        sums2 = SimdMath.SumEach(a02, a12, a22, a32);
        if (i < n)
        {
            // The columns past the last whole block, in their own order in the weights and the inputs.
            sums0 += Vector128.Create(TailDot(ref rows, i, n, ref x0), TailDot(ref row1, i, n, ref x0), TailDot(ref row2, i, n, ref x0), TailDot(ref row3, i, n, ref x0));
            sums1 += Vector128.Create(TailDot(ref rows, i, n, ref x1), TailDot(ref row1, i, n, ref x1), TailDot(ref row2, i, n, ref x1), TailDot(ref row3, i, n, ref x1));
            sums2 += Vector128.Create(TailDot(ref rows, i, n, ref x2), TailDot(ref row1, i, n, ref x2), TailDot(ref row2, i, n, ref x2), TailDot(ref row3, i, n, ref x2));
        }
    }

    /// <summary>
    /// One block of sixteen weights of a row, as eight 32-bit pairs, widened (a shift for the even-indexed
    /// values, a mask for the odd ones) and multiplied into three prepared inputs at column <paramref name="i"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyBlockIntoThree(Vector256<uint> pairs, ref float x0, ref float x1, ref float x2, nuint i, ref Vector256<float> sum0, ref Vector256<float> sum1, ref Vector256<float> sum2)
    {
        Vector256<float> even = (pairs << 16).AsSingle();
        Vector256<float> odd = (pairs & Vector256.Create(0xFFFF0000u)).AsSingle();
        sum0 = SimdMath.MultiplyAdd(odd, Vector256.LoadUnsafe(ref x0, i + 8), SimdMath.MultiplyAdd(even, Vector256.LoadUnsafe(ref x0, i), sum0));
        sum1 = SimdMath.MultiplyAdd(odd, Vector256.LoadUnsafe(ref x1, i + 8), SimdMath.MultiplyAdd(even, Vector256.LoadUnsafe(ref x1, i), sum1));
        sum2 = SimdMath.MultiplyAdd(odd, Vector256.LoadUnsafe(ref x2, i + 8), SimdMath.MultiplyAdd(even, Vector256.LoadUnsafe(ref x2, i), sum2));
    }

    /// <summary>One row's products over columns [<paramref name="start"/>, <paramref name="n"/>), fewer than a block, in their stored order: 8 at a time, then scalar.</summary>
    private static float TailDot(ref ushort row, nuint start, nuint n, ref float input)
    {
        float total = 0;
        nuint i = start;
        if (i + 8 <= n)
        {
            total = Vector256.Sum(Widen8(ref row, i) * Vector256.LoadUnsafe(ref input, i));
            i += 8;
        }

        return DotScalar(ref row, n, ref input, i, total);
    }

    /// <summary>The dot product of one row of <paramref name="columns"/> bfloat16 values with <paramref name="input"/>, prepared by <see cref="PrepareInput"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref ushort row, ref float input, int columns)
    {
        // Each path is its own small method: the JIT will not inline a method with too many locals.
        nuint n = (nuint)(uint)columns;
        if (Vector256.IsHardwareAccelerated)
        {
            return Dot256(ref row, n, ref input);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return Dot128(ref row, n, ref input);
        }

        return DotScalar(ref row, n, ref input, 0, 0);
    }

    /// <summary>
    /// <see cref="Dot"/> with Vector256 over an input in <see cref="PrepareInput"/>'s order: 32 columns
    /// (64 bytes of weights) a step in four accumulators, each step prefetching
    /// <see cref="PrefetchDistance"/> bytes ahead, then a last whole block of 16; past the whole blocks,
    /// where the input keeps its order, <see cref="TailDot"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float Dot256(ref ushort row, nuint n, ref float input)
    {
        Vector256<float> sum0 = Vector256<float>.Zero;
        Vector256<float> sum1 = Vector256<float>.Zero;
        Vector256<float> sum2 = Vector256<float>.Zero;
        Vector256<float> sum3 = Vector256<float>.Zero;
        Vector256<uint> upperHalves = Vector256.Create(0xFFFF0000u);
        nuint i = 0;
        for (; i + 32 <= n; i += 32)
        {
            if (Sse.IsSupported)
            {
                // A prefetch never faults, so reaching past the end of the matrix is harmless.
                Sse.Prefetch0((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref row, i)) + PrefetchDistance);
            }

            // Each 32-bit lane holds an even-indexed value in its lower half and the next, odd-indexed one in its upper half.
            Vector256<uint> pairs0 = Vector256.LoadUnsafe(ref row, i).AsUInt32();
            Vector256<uint> pairs1 = Vector256.LoadUnsafe(ref row, i + 16).AsUInt32();
            sum0 = SimdMath.MultiplyAdd((pairs0 << 16).AsSingle(), Vector256.LoadUnsafe(ref input, i), sum0);
            sum1 = SimdMath.MultiplyAdd((pairs0 & upperHalves).AsSingle(), Vector256.LoadUnsafe(ref input, i + 8), sum1);
            sum2 = SimdMath.MultiplyAdd((pairs1 << 16).AsSingle(), Vector256.LoadUnsafe(ref input, i + 16), sum2);
            sum3 = SimdMath.MultiplyAdd((pairs1 & upperHalves).AsSingle(), Vector256.LoadUnsafe(ref input, i + 24), sum3);
        }

        if (i + 16 <= n)
        {
            Vector256<uint> pairs = Vector256.LoadUnsafe(ref row, i).AsUInt32();
            sum0 = SimdMath.MultiplyAdd((pairs << 16).AsSingle(), Vector256.LoadUnsafe(ref input, i), sum0);
            sum1 = SimdMath.MultiplyAdd((pairs & upperHalves).AsSingle(), Vector256.LoadUnsafe(ref input, i + 8), sum1);
            i += 16;
        }

        return Vector256.Sum((sum0 + sum1) + (sum2 + sum3)) + TailDot(ref row, i, n, ref input);
    }

    /// <summary><see cref="Dot"/> with Vector128: 16 columns a step in four accumulators, then 8 at a time, then scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot128(ref ushort row, nuint n, ref float input)
    {
        Vector128<float> sum0 = Vector128<float>.Zero;
        Vector128<float> sum1 = Vector128<float>.Zero;
        Vector128<float> sum2 = Vector128<float>.Zero;
        Vector128<float> sum3 = Vector128<float>.Zero;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector128<ushort> w = Vector128.LoadUnsafe(ref row, i);
            sum0 = SimdMath.MultiplyAdd(WidenLower(w), Vector128.LoadUnsafe(ref input, i), sum0);
            sum1 = SimdMath.MultiplyAdd(WidenUpper(w), Vector128.LoadUnsafe(ref input, i + 4), sum1);
            w = Vector128.LoadUnsafe(ref row, i + 8);
            sum2 = SimdMath.MultiplyAdd(WidenLower(w), Vector128.LoadUnsafe(ref input, i + 8), sum2);
            sum3 = SimdMath.MultiplyAdd(WidenUpper(w), Vector128.LoadUnsafe(ref input, i + 12), sum3);
        }

        if (i + 8 <= n)
        {
            Vector128<ushort> w = Vector128.LoadUnsafe(ref row, i);
            sum0 = SimdMath.MultiplyAdd(WidenLower(w), Vector128.LoadUnsafe(ref input, i), sum0);
            sum1 = SimdMath.MultiplyAdd(WidenUpper(w), Vector128.LoadUnsafe(ref input, i + 4), sum1);
            i += 8;
        }

        return DotScalar(ref row, n, ref input, i, Vector128.Sum((sum0 + sum1) + (sum2 + sum3)));
    }

    /// <summary>Eight bfloat16 values at <paramref name="offset"/> widened to eight float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8(ref ushort source, nuint offset)
    {
        Vector128<ushort> bits = Vector128.LoadUnsafe(ref source, offset);
        Vector256<uint> wide = Avx2.IsSupported
            ? Avx2.ConvertToVector256Int32(bits).AsUInt32()
            : Vector256.WidenLower(bits.ToVector256Unsafe());
        return (wide << 16).AsSingle();
    }

    /// <summary>The lower four of eight bfloat16 values widened to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> WidenLower(Vector128<ushort> bits) => (Vector128.WidenLower(bits) << 16).AsSingle();

    /// <summary>The upper four of eight bfloat16 values widened to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> WidenUpper(Vector128<ushort> bits) => (Vector128.WidenUpper(bits) << 16).AsSingle();

    /// <summary>Scalar dot product of one row over columns [<paramref name="start"/>, <paramref name="n"/>), added to <paramref name="total"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotScalar(ref ushort row, nuint n, ref float input, nuint start, float total)
    {
        for (nuint i = start; i < n; i++)
        {
            total += Bf16Matrix.ToFloat32(Unsafe.Add(ref row, i)) * Unsafe.Add(ref input, i);
        }

        return total;
    }
}
