using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Per-block scaled 8-bit quantization (llama.cpp's Q8_0, with quants and scales in separate arrays)
/// and dot products of quantized weight rows with quantized inputs. A block holds
/// <see cref="BlockSize"/> values q[i] in [-127, 127] and one scale d = max|x| / 127; the value it
/// stands for is q[i] * d. A vector of any length is zero-padded to whole blocks. Weight rows keep
/// their scales as float16 bits (<see cref="Q8Matrix"/>; two bytes a block instead of four, which the
/// bandwidth-bound products read 6% fewer bytes for); a quantized input keeps float32 scales.
/// </summary>
/// <remarks>
/// Weight rows are read in the grouped layout of <see cref="Q8Matrix"/>: a row's consecutive blocks
/// are <see cref="GroupBlockQuants"/> quants and <see cref="RowsPerGroup"/> scales apart, because the
/// blocks of the four rows of a group alternate. The AVX2 dot products prefetch weights
/// <see cref="PrefetchDistance"/> bytes ahead of the stream they read.
/// </remarks>
public static class Q8Kernels
{
    /// <summary>Values per block.</summary>
    public const int BlockSize = 32;

    /// <summary>Rows stored together, block by block, in a <see cref="Q8Matrix"/>; the rows one four-row product reads.</summary>
    public const int RowsPerGroup = 4;

    /// <summary>Quants from one block of a stored row to its next block: a block of every row of the group.</summary>
    public const int GroupBlockQuants = RowsPerGroup * BlockSize;

    /// <summary>How far ahead of the current position, in bytes of quants, the AVX2 paths prefetch weights.</summary>
    public const int PrefetchDistance = 2048;

    /// <summary>2^112: a float16's bits shifted left by 13, read as a float32, times this is its value, subnormals included.</summary>
    private const float HalfExponentShift = 5.192296858534828e33f;

    /// <summary>A weight block's scale, stored as float16 bits (never negative, never infinite or NaN), as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ScaleToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 13) * HalfExponentShift;

    /// <summary>Four consecutive float16 weight scales (see <see cref="ScaleToSingle"/>) as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> FourScalesToSingle(ref ushort bits)
    {
        Vector128<ushort> packed = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref bits))).AsUInt16();
        return (Vector128.WidenLower(packed) << 13).AsSingle() * Vector128.Create(HalfExponentShift);
    }

    /// <summary>The number of blocks that hold <paramref name="length"/> values (the last one zero-padded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BlockCount(int length) => (int)(((uint)length + (uint)(BlockSize - 1)) / BlockSize);

    /// <summary>
    /// Quantizes <paramref name="x"/> into <see cref="BlockCount"/>(x.Length) blocks: quants into
    /// <paramref name="quants"/> (32 a block, the last block zero-padded) and one scale a block into
    /// <paramref name="scales"/>. Each value rounds to nearest (ties to even) after division by its
    /// block's scale; an all-zero block gets scale 0 and zero quants. The values must be finite.
    /// </summary>
    public static void QuantizeVector(ReadOnlySpan<float> x, Span<sbyte> quants, Span<float> scales)
    {
        int blocks = BlockCount(x.Length);
        if (quants.Length < blocks * BlockSize)
        {
            throw new ArgumentException($"{x.Length} values need {blocks * BlockSize} quants; the span holds {quants.Length}.", nameof(quants));
        }

        if (scales.Length < blocks)
        {
            throw new ArgumentException($"{x.Length} values need {blocks} scales; the span holds {scales.Length}.", nameof(scales));
        }

        ref float source = ref MemoryMarshal.GetReference(x);
        ref sbyte target = ref MemoryMarshal.GetReference(quants);
        int fullBlocks = x.Length / BlockSize;
        int block = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; block < fullBlocks; block++)
            {
                nuint offset = (nuint)block * BlockSize;
                scales[block] = QuantizeBlock(ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref target, offset));
            }
        }

        for (; block < blocks; block++)
        {
            int offset = block * BlockSize;
            int count = Math.Min(BlockSize, x.Length - offset);
            scales[block] = QuantizeBlockScalar(x.Slice(offset, count), quants.Slice(offset, BlockSize));
        }
    }

    /// <summary>
    /// The dot products of the four rows of one group of a <see cref="Q8Matrix"/> (from
    /// <see cref="Q8Matrix.RowQuants"/> and <see cref="Q8Matrix.RowScales"/> of a row that is a multiple
    /// of four; each row <paramref name="blocksPerRow"/> blocks) with a quantized input of the same block
    /// count: [row0 · x, row1 · x, row2 · x, row3 · x] in dequantized terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> DotFourRows(ref sbyte rowQuants, ref ushort rowScales, int blocksPerRow, ref sbyte xQuants, ref float xScales)
    {
        // Each path is its own small method: the JIT will not inline a method with too many locals.
        nuint blocks = (nuint)(uint)blocksPerRow;
        if (Avx2.IsSupported)
        {
            return DotFourRowsAvx2(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return DotFourRows128(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales);
        }

        return Vector128.Create(
            DotScalar(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales),
            DotScalar(ref Unsafe.Add(ref rowQuants, BlockSize), ref Unsafe.Add(ref rowScales, 1), blocks, ref xQuants, ref xScales),
            DotScalar(ref Unsafe.Add(ref rowQuants, 2 * BlockSize), ref Unsafe.Add(ref rowScales, 2), blocks, ref xQuants, ref xScales),
            DotScalar(ref Unsafe.Add(ref rowQuants, 3 * BlockSize), ref Unsafe.Add(ref rowScales, 3), blocks, ref xQuants, ref xScales));
    }

    /// <summary>The dot product of one row of a <see cref="Q8Matrix"/> (<paramref name="blocksPerRow"/> blocks, from its <see cref="Q8Matrix.RowQuants"/> and <see cref="Q8Matrix.RowScales"/>) with a quantized input, in dequantized terms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref sbyte rowQuants, ref ushort rowScales, int blocksPerRow, ref sbyte xQuants, ref float xScales)
    {
        nuint blocks = (nuint)(uint)blocksPerRow;
        if (Avx2.IsSupported)
        {
            return DotAvx2(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return Dot128(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales);
        }

        return DotScalar(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales);
    }

    /// <summary>
    /// <see cref="DotFourRows"/> with AVX2: a block a step, the input block loaded once for the four
    /// rows. The group is one forward stream of 128 bytes of quants and 8 bytes of scales a step;
    /// each step prefetches its next 128 bytes <see cref="PrefetchDistance"/> bytes ahead, and every
    /// eighth step the next 64 bytes of scales a sixteenth as far ahead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> DotFourRowsAvx2(ref sbyte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xScales)
    {
        // A prefetch never faults, so reaching past the end of the matrix is harmless.
        byte* quantsAhead = (byte*)Unsafe.AsPointer(ref groupQuants) + PrefetchDistance;
        byte* scalesAhead = (byte*)Unsafe.AsPointer(ref groupScales) + (PrefetchDistance / 16);
        Vector256<float> acc0 = Vector256<float>.Zero;
        Vector256<float> acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero;
        Vector256<float> acc3 = Vector256<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            nuint offset = b * GroupBlockQuants;
            Sse.Prefetch0(quantsAhead + offset);
            Sse.Prefetch0(quantsAhead + offset + 64);
            if ((b & 7) == 0)
            {
                Sse.Prefetch0(scalesAhead + (b * RowsPerGroup * sizeof(ushort)));
            }

            Vector256<sbyte> x = Vector256.LoadUnsafe(ref xQuants, b * BlockSize);
            Vector256<byte> xMagnitudes = Avx2.Abs(x);
            // The four rows' scales for this block times the input block's scale.
            Vector128<float> scales = FourScalesToSingle(ref Unsafe.Add(ref groupScales, b * RowsPerGroup)) * Unsafe.Add(ref xScales, b);
            acc0 = SimdMath.MultiplyAdd(BlockDotAvx2(Vector256.LoadUnsafe(ref groupQuants, offset), xMagnitudes, x), Vector256.Create(scales.GetElement(0)), acc0);
            acc1 = SimdMath.MultiplyAdd(BlockDotAvx2(Vector256.LoadUnsafe(ref groupQuants, offset + BlockSize), xMagnitudes, x), Vector256.Create(scales.GetElement(1)), acc1);
            acc2 = SimdMath.MultiplyAdd(BlockDotAvx2(Vector256.LoadUnsafe(ref groupQuants, offset + (2 * BlockSize)), xMagnitudes, x), Vector256.Create(scales.GetElement(2)), acc2);
            acc3 = SimdMath.MultiplyAdd(BlockDotAvx2(Vector256.LoadUnsafe(ref groupQuants, offset + (3 * BlockSize)), xMagnitudes, x), Vector256.Create(scales.GetElement(3)), acc3);
        }

        return SimdMath.SumEach(acc0, acc1, acc2, acc3);
    }

    /// <summary><see cref="DotFourRows"/> with portable Vector128 operations: the input block widened once for the four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> DotFourRows128(ref sbyte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xScales)
    {
        Vector128<float> acc0 = Vector128<float>.Zero;
        Vector128<float> acc1 = Vector128<float>.Zero;
        Vector128<float> acc2 = Vector128<float>.Zero;
        Vector128<float> acc3 = Vector128<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            nuint offset = b * GroupBlockQuants;
            Vector128<sbyte> low = Vector128.LoadUnsafe(ref xQuants, b * BlockSize);
            Vector128<sbyte> high = Vector128.LoadUnsafe(ref xQuants, (b * BlockSize) + 16);
            Vector128<short> x0 = Vector128.WidenLower(low);
            Vector128<short> x1 = Vector128.WidenUpper(low);
            Vector128<short> x2 = Vector128.WidenLower(high);
            Vector128<short> x3 = Vector128.WidenUpper(high);
            Vector128<float> scales = FourScalesToSingle(ref Unsafe.Add(ref groupScales, b * RowsPerGroup)) * Unsafe.Add(ref xScales, b);
            acc0 = SimdMath.MultiplyAdd(BlockDot128(ref Unsafe.Add(ref groupQuants, offset), x0, x1, x2, x3), Vector128.Create(scales.GetElement(0)), acc0);
            acc1 = SimdMath.MultiplyAdd(BlockDot128(ref Unsafe.Add(ref groupQuants, offset + BlockSize), x0, x1, x2, x3), Vector128.Create(scales.GetElement(1)), acc1);
            acc2 = SimdMath.MultiplyAdd(BlockDot128(ref Unsafe.Add(ref groupQuants, offset + (2 * BlockSize)), x0, x1, x2, x3), Vector128.Create(scales.GetElement(2)), acc2);
            acc3 = SimdMath.MultiplyAdd(BlockDot128(ref Unsafe.Add(ref groupQuants, offset + (3 * BlockSize)), x0, x1, x2, x3), Vector128.Create(scales.GetElement(3)), acc3);
        }

        return SimdMath.SumEach(acc0, acc1, acc2, acc3);
    }

    /// <summary>
    /// <see cref="Dot"/> with AVX2: two blocks a step in two accumulators, so consecutive blocks do
    /// not wait on one another's multiply-add. A single row is a fraction of its group's stream and is
    /// only used for the rows left over after whole groups, so it leaves prefetching to the hardware.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotAvx2(ref sbyte rowQuants, ref ushort rowScales, nuint blocks, ref sbyte xQuants, ref float xScales)
    {
        Vector256<float> acc0 = Vector256<float>.Zero;
        Vector256<float> acc1 = Vector256<float>.Zero;
        nuint b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            acc0 = SimdMath.MultiplyAdd(
                BlockDotAvx2(Vector256.LoadUnsafe(ref rowQuants, b * GroupBlockQuants), Vector256.LoadUnsafe(ref xQuants, b * BlockSize)),
                Vector256.Create(ScaleToSingle(Unsafe.Add(ref rowScales, b * RowsPerGroup)) * Unsafe.Add(ref xScales, b)),
                acc0);
            acc1 = SimdMath.MultiplyAdd(
                BlockDotAvx2(Vector256.LoadUnsafe(ref rowQuants, (b + 1) * GroupBlockQuants), Vector256.LoadUnsafe(ref xQuants, (b + 1) * BlockSize)),
                Vector256.Create(ScaleToSingle(Unsafe.Add(ref rowScales, (b + 1) * RowsPerGroup)) * Unsafe.Add(ref xScales, b + 1)),
                acc1);
        }

        if (b < blocks)
        {
            acc0 = SimdMath.MultiplyAdd(
                BlockDotAvx2(Vector256.LoadUnsafe(ref rowQuants, b * GroupBlockQuants), Vector256.LoadUnsafe(ref xQuants, b * BlockSize)),
                Vector256.Create(ScaleToSingle(Unsafe.Add(ref rowScales, b * RowsPerGroup)) * Unsafe.Add(ref xScales, b)),
                acc0);
        }

        return Vector256.Sum(acc0 + acc1);
    }

    /// <summary><see cref="Dot"/> with portable Vector128 operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot128(ref sbyte rowQuants, ref ushort rowScales, nuint blocks, ref sbyte xQuants, ref float xScales)
    {
        Vector128<float> acc = Vector128<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            nuint offset = b * BlockSize;
            Vector128<sbyte> low = Vector128.LoadUnsafe(ref xQuants, offset);
            Vector128<sbyte> high = Vector128.LoadUnsafe(ref xQuants, offset + 16);
            acc = SimdMath.MultiplyAdd(
                BlockDot128(ref Unsafe.Add(ref rowQuants, b * GroupBlockQuants), Vector128.WidenLower(low), Vector128.WidenUpper(low), Vector128.WidenLower(high), Vector128.WidenUpper(high)),
                Vector128.Create(ScaleToSingle(Unsafe.Add(ref rowScales, b * RowsPerGroup)) * Unsafe.Add(ref xScales, b)),
                acc);
        }

        return Vector128.Sum(acc);
    }

    /// <summary>
    /// Eight partial integer sums (as float32) of one block's 32 products w[i] * x[i], the way
    /// ggml_vec_dot_q8_0_q8_0 does it, with the unsigned operand on the input's side so that four rows
    /// share it: |x| (unsigned) times w with x's sign, pairs summed to 16 bits (at most 2 * 127 * 127,
    /// no saturation), then pairs summed to 32 bits. Where x is 0 the sign step zeroes w, which leaves
    /// the product 0 as it should be. <paramref name="xMagnitudes"/> is |x|.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BlockDotAvx2(Vector256<sbyte> w, Vector256<byte> xMagnitudes, Vector256<sbyte> x)
    {
        Vector256<short> pairs = Avx2.MultiplyAddAdjacent(xMagnitudes, Avx2.Sign(w, x));
        return Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One));
    }

    /// <summary><see cref="BlockDotAvx2(Vector256{sbyte}, Vector256{byte}, Vector256{sbyte})"/> for a single row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BlockDotAvx2(Vector256<sbyte> w, Vector256<sbyte> x) => BlockDotAvx2(w, Avx2.Abs(x), x);

    /// <summary>Four partial integer sums (as float32) of one block's products, from 16-bit widened inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> BlockDot128(ref sbyte w, Vector128<short> x0, Vector128<short> x1, Vector128<short> x2, Vector128<short> x3)
    {
        Vector128<sbyte> low = Vector128.LoadUnsafe(ref w);
        Vector128<sbyte> high = Vector128.LoadUnsafe(ref w, 16);
        // Each product is at most 127 * 127 in magnitude, so a sum of two still fits in 16 bits.
        Vector128<short> first = (Vector128.WidenLower(low) * x0) + (Vector128.WidenUpper(low) * x1);
        Vector128<short> second = (Vector128.WidenLower(high) * x2) + (Vector128.WidenUpper(high) * x3);
        Vector128<int> sum = (Vector128.WidenLower(first) + Vector128.WidenUpper(first)) + (Vector128.WidenLower(second) + Vector128.WidenUpper(second));
        return Vector128.ConvertToSingle(sum);
    }

    /// <summary>Scalar dot product of one stored row with a quantized input: an exact integer sum per block, then scaled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotScalar(ref sbyte rowQuants, ref ushort rowScales, nuint blocks, ref sbyte xQuants, ref float xScales)
    {
        float total = 0;
        for (nuint b = 0; b < blocks; b++)
        {
            nuint offset = b * BlockSize;
            int sum = 0;
            for (nuint i = 0; i < BlockSize; i++)
            {
                sum += Unsafe.Add(ref rowQuants, (b * GroupBlockQuants) + i) * Unsafe.Add(ref xQuants, offset + i);
            }

            total += sum * (ScaleToSingle(Unsafe.Add(ref rowScales, b * RowsPerGroup)) * Unsafe.Add(ref xScales, b));
        }

        return total;
    }

    /// <summary>Quantizes one full block of 32 values with Vector256 operations and returns its scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float QuantizeBlock(ref float source, ref sbyte target)
    {
        Vector256<float> v0 = Vector256.LoadUnsafe(ref source);
        Vector256<float> v1 = Vector256.LoadUnsafe(ref source, 8);
        Vector256<float> v2 = Vector256.LoadUnsafe(ref source, 16);
        Vector256<float> v3 = Vector256.LoadUnsafe(ref source, 24);
        Vector256<float> max8 = Vector256Native.Max(
            Vector256Native.Max(Vector256.Abs(v0), Vector256.Abs(v1)),
            Vector256Native.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        Vector128<float> max4 = Vector128Native.Max(max8.GetLower(), max8.GetUpper());
        max4 = Vector128Native.Max(max4, Vector128.Shuffle(max4, Vector128.Create(2, 3, 0, 1)));
        max4 = Vector128Native.Max(max4, Vector128.Shuffle(max4, Vector128.Create(1, 0, 3, 2)));
        float scale = max4.ToScalar() / 127f;
        Vector256<float> inverse = Vector256.Create(scale != 0 ? 1f / scale : 0f);
        Vector256<int> q0 = ToQuants(v0 * inverse);
        Vector256<int> q1 = ToQuants(v1 * inverse);
        Vector256<int> q2 = ToQuants(v2 * inverse);
        Vector256<int> q3 = ToQuants(v3 * inverse);
        Vector256.Narrow(Vector256.Narrow(q0, q1), Vector256.Narrow(q2, q3)).StoreUnsafe(ref target);
        return scale;
    }

    /// <summary>Rounds to nearest (ties to even), clamps to [-127, 127] and converts to integers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ToQuants(Vector256<float> scaled)
    {
        Vector256<float> rounded = Vector256Native.Round(scaled);
        rounded = Vector256Native.Min(Vector256Native.Max(rounded, Vector256.Create(-127f)), Vector256.Create(127f));
        return Vector256Native.ConvertToInt32(rounded);
    }

    /// <summary>Quantizes up to 32 values into a 32-quant block (zero-padded) and returns its scale; the reference for <see cref="QuantizeBlock"/>.</summary>
    private static float QuantizeBlockScalar(ReadOnlySpan<float> values, Span<sbyte> target)
    {
        float max = 0;
        foreach (float value in values)
        {
            max = MathF.Max(max, MathF.Abs(value));
        }

        float scale = max / 127f;
        float inverse = scale != 0 ? 1f / scale : 0f;
        target.Clear();
        for (int i = 0; i < values.Length; i++)
        {
            target[i] = (sbyte)Math.Clamp(MathF.Round(values[i] * inverse), -127f, 127f);
        }

        return scale;
    }
}
