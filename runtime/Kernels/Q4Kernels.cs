using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Dot products of 4-bit weight rows (<see cref="Q4Matrix"/>) with an input quantized to 8-bit blocks
/// (<see cref="Q8Kernels.QuantizeVector"/>). A weight block holds <see cref="BlockSize"/> unsigned quants
/// q in [0, 15], a float16 scale d and a float16 offset m; the value it stands for is d * q + m. That is
/// llama.cpp's Q4_1 exactly, its Q4_0 (d * (q - 8)) with m = -8d, and a Q4_K sub-block with d its scale
/// times the super-block's and m minus its minimum times the super-block's.
/// </summary>
/// <remarks>
/// <para>With an input block of quants x and scale s, a block's contribution is
/// d * s * (q . x) + m * (s * sum(x)): one integer dot product (unsigned 4-bit times signed 8-bit, the
/// multiply-add instructions' native pairing) and one term that only needs the input block's sum, which
/// <see cref="InputBlockSums"/> computes once per input for every row.</para>
/// <para>Storage: 16 bytes a block, byte i holding quant i in its low nibble and quant i + 16 in its high
/// nibble (ggml's order, so Q4_0 and Q4_1 blocks copy as they are). Rows are stored in groups of
/// <see cref="RowsPerGroup"/>, block by block (block 0 of rows 0-3, then block 1 of rows 0-3, ...), for
/// the quants and for the scales alike, as in <see cref="Q8Matrix"/>: a four-row product reads one
/// forward stream of 64 bytes of quants and 16 bytes of scales (four scales, then four offsets) a block.</para>
/// <para>Paths, picked at JIT time: AVX-512 (the four rows' block in one 512-bit register, two rows a
/// multiply-add), AVX2, portable Vector128 and scalar. .NET 10 exposes VNNI's byte dot product only as
/// 256-bit AVX-VNNI and AVX10; the AVX-512 processors this was measured on (AMD Zen 5) report neither to
/// .NET, so the byte products use the multiply-add pair (vpmaddubsw, vpmaddwd) that VNNI would fuse.</para>
/// </remarks>
public static class Q4Kernels
{
    /// <summary>Values per block.</summary>
    public const int BlockSize = 32;

    /// <summary>Bytes of quants a block: two 4-bit quants a byte.</summary>
    public const int BlockBytes = BlockSize / 2;

    /// <summary>Rows stored together, block by block, in a <see cref="Q4Matrix"/>; the rows one four-row product reads.</summary>
    public const int RowsPerGroup = 4;

    /// <summary>Bytes of quants from one block of a stored row to its next block: a block of every row of the group.</summary>
    public const int GroupBlockBytes = RowsPerGroup * BlockBytes;

    /// <summary>float16 values from one block of a stored row to its next block: the group's four scales, then its four offsets.</summary>
    public const int GroupBlockScales = 2 * RowsPerGroup;

    /// <summary>How far ahead of the current block, in bytes of quants, the SIMD paths prefetch weights.</summary>
    public const int PrefetchDistance = 1024;

    /// <summary>2^112: a float16's magnitude bits shifted left by 13, read as a float32, times this is its magnitude, subnormals included.</summary>
    private const float HalfExponentShift = 5.192296858534828e33f;

    /// <summary>The number of blocks that hold <paramref name="length"/> values (the last one zero-padded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BlockCount(int length) => (int)(((uint)length + (uint)(BlockSize - 1)) / BlockSize);

    /// <summary>A finite float16's bits (either sign) as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort bits) =>
        BitConverter.Int32BitsToSingle((bits & 0x7FFF) << 13) * HalfExponentShift * (1 - ((bits >> 14) & 2));

    /// <summary>
    /// For each input block b (of <paramref name="blocks"/>): scales[b] * (the sum of its 32 quants), the
    /// factor each weight block's offset multiplies (see the class remarks).
    /// </summary>
    public static void InputBlockSums(ReadOnlySpan<sbyte> quants, ReadOnlySpan<float> scales, Span<float> sums, int blocks)
    {
        if (quants.Length < blocks * BlockSize || scales.Length < blocks || sums.Length < blocks)
        {
            throw new ArgumentException($"{blocks} blocks need {blocks * BlockSize} quants, {blocks} scales and {blocks} sums; the spans hold {quants.Length}, {scales.Length} and {sums.Length}.");
        }

        for (int b = 0; b < blocks; b++)
        {
            int sum = 0;
            foreach (sbyte quant in quants.Slice(b * BlockSize, BlockSize))
            {
                sum += quant;
            }

            sums[b] = scales[b] * sum;
        }
    }

    /// <summary>
    /// The dot products of the four rows of one group of a <see cref="Q4Matrix"/> (from
    /// <see cref="Q4Matrix.RowQuants"/> and <see cref="Q4Matrix.RowScales"/> of a row that is a multiple of
    /// four; each row <paramref name="blocksPerRow"/> blocks) with a quantized input of the same block count
    /// and its <see cref="InputBlockSums"/>: [row0 . x, row1 . x, row2 . x, row3 . x] in dequantized terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> DotFourRows(ref byte groupQuants, ref ushort groupScales, int blocksPerRow, ref sbyte xQuants, ref float xScales, ref float xSums)
    {
        nuint blocks = (nuint)(uint)blocksPerRow;
        if (Avx512BW.IsSupported)
        {
            return DotFourRows512(ref groupQuants, ref groupScales, blocks, ref xQuants, ref xScales, ref xSums);
        }

        if (Avx2.IsSupported)
        {
            return DotFourRowsAvx2(ref groupQuants, ref groupScales, blocks, ref xQuants, ref xScales, ref xSums);
        }

        return Vector128.Create(
            Dot(ref groupQuants, ref groupScales, blocksPerRow, ref xQuants, ref xScales, ref xSums),
            Dot(ref Unsafe.Add(ref groupQuants, BlockBytes), ref Unsafe.Add(ref groupScales, 1), blocksPerRow, ref xQuants, ref xScales, ref xSums),
            Dot(ref Unsafe.Add(ref groupQuants, 2 * BlockBytes), ref Unsafe.Add(ref groupScales, 2), blocksPerRow, ref xQuants, ref xScales, ref xSums),
            Dot(ref Unsafe.Add(ref groupQuants, 3 * BlockBytes), ref Unsafe.Add(ref groupScales, 3), blocksPerRow, ref xQuants, ref xScales, ref xSums));
    }

    /// <summary>The dot product of one row of a <see cref="Q4Matrix"/> (<paramref name="blocksPerRow"/> blocks, from its <see cref="Q4Matrix.RowQuants"/> and <see cref="Q4Matrix.RowScales"/>) with a quantized input and its block sums, in dequantized terms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref byte rowQuants, ref ushort rowScales, int blocksPerRow, ref sbyte xQuants, ref float xScales, ref float xSums)
    {
        nuint blocks = (nuint)(uint)blocksPerRow;
        if (Avx2.IsSupported)
        {
            return DotAvx2(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales, ref xSums);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return Dot128(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales, ref xSums);
        }

        return DotScalar(ref rowQuants, ref rowScales, blocks, ref xQuants, ref xScales, ref xSums);
    }

    /// <summary>
    /// <see cref="DotFourRows"/> with AVX-512: the group's block (four rows of 16 bytes) is one 512-bit
    /// load; its low and high nibbles are rearranged into two registers of two rows each, lanes
    /// [low nibbles of row r, of row r + 1, high nibbles of row r, of row r + 1], against the input block
    /// arranged the same way ([x0..15, x0..15, x16..31, x16..31]). Each 128-bit lane then accumulates one
    /// row's partial sums, times that row's scale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> DotFourRows512(ref byte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xScales, ref float xSums)
    {
        // A prefetch never faults, so reaching past the end of the matrix is harmless.
        byte* quantsAhead = (byte*)Unsafe.AsPointer(ref groupQuants) + PrefetchDistance;
        byte* scalesAhead = (byte*)Unsafe.AsPointer(ref groupScales) + (PrefetchDistance / 4);
        Vector512<byte> lowNibbles = Vector512.Create((byte)0x0F);
        Vector512<short> ones = Vector512<short>.One;
        // Which scale each lane of a two-row register takes: [row r x4, row r + 1 x4, row r x4, row r + 1 x4].
        Vector512<int> rows01 = Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
        Vector512<int> rows23 = Vector512.Create(2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3);
        Vector512<float> acc01 = Vector512<float>.Zero;
        Vector512<float> acc23 = Vector512<float>.Zero;
        Vector128<float> offsets = Vector128<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            nuint offset = b * GroupBlockBytes;
            Sse.Prefetch0(quantsAhead + offset);
            if ((b & 3) == 0)
            {
                Sse.Prefetch0(scalesAhead + (b * GroupBlockScales * sizeof(ushort)));
            }

            Vector512<int> x = Vector256.LoadUnsafe(ref xQuants, b * BlockSize).AsInt32().ToVector512Unsafe();
            Vector512<sbyte> xLanes = Avx512F.Shuffle4x128(x, x, 0b01_01_00_00).AsSByte();
            Vector512<byte> packed = Vector512.LoadUnsafe(ref groupQuants, offset);
            Vector512<int> low = (packed & lowNibbles).AsInt32();
            Vector512<int> high = (Vector512.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & lowNibbles).AsInt32();
            Vector512<byte> quants01 = Avx512F.Shuffle4x128(low, high, 0b01_00_01_00).AsByte();
            Vector512<byte> quants23 = Avx512F.Shuffle4x128(low, high, 0b11_10_11_10).AsByte();
            Vector512<int> sums01 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(quants01, xLanes), ones);
            Vector512<int> sums23 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(quants23, xLanes), ones);
            (Vector128<float> scales, Vector128<float> rowOffsets) = ScalesAndOffsets(ref Unsafe.Add(ref groupScales, b * GroupBlockScales));
            Vector512<float> blockScales = (scales * Unsafe.Add(ref xScales, b)).ToVector256Unsafe().ToVector512Unsafe();
            acc01 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums01), Avx512F.PermuteVar16x32(blockScales, rows01), acc01);
            acc23 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums23), Avx512F.PermuteVar16x32(blockScales, rows23), acc23);
            offsets = SimdMath.MultiplyAdd(rowOffsets, Vector128.Create(Unsafe.Add(ref xSums, b)), offsets);
        }

        Vector256<float> halves01 = acc01.GetLower() + acc01.GetUpper();
        Vector256<float> halves23 = acc23.GetLower() + acc23.GetUpper();
        return SimdMath.SumEach(halves01.GetLower(), halves01.GetUpper(), halves23.GetLower(), halves23.GetUpper()) + offsets;
    }

    /// <summary>
    /// <see cref="DotFourRows"/> with AVX2: two rows a 256-bit load, each row's low and high nibbles put
    /// side by side (quants 0-15, then 16-31) against the input block, one accumulator a row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> DotFourRowsAvx2(ref byte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xScales, ref float xSums)
    {
        byte* quantsAhead = (byte*)Unsafe.AsPointer(ref groupQuants) + PrefetchDistance;
        byte* scalesAhead = (byte*)Unsafe.AsPointer(ref groupScales) + (PrefetchDistance / 4);
        Vector256<float> acc0 = Vector256<float>.Zero;
        Vector256<float> acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero;
        Vector256<float> acc3 = Vector256<float>.Zero;
        Vector128<float> offsets = Vector128<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            nuint offset = b * GroupBlockBytes;
            Sse.Prefetch0(quantsAhead + offset);
            if ((b & 3) == 0)
            {
                Sse.Prefetch0(scalesAhead + (b * GroupBlockScales * sizeof(ushort)));
            }

            Vector256<sbyte> x = Vector256.LoadUnsafe(ref xQuants, b * BlockSize);
            (Vector128<float> scales, Vector128<float> rowOffsets) = ScalesAndOffsets(ref Unsafe.Add(ref groupScales, b * GroupBlockScales));
            scales *= Unsafe.Add(ref xScales, b);
            (Vector256<byte> row0, Vector256<byte> row1) = TwoRowsAvx2(Vector256.LoadUnsafe(ref groupQuants, offset));
            (Vector256<byte> row2, Vector256<byte> row3) = TwoRowsAvx2(Vector256.LoadUnsafe(ref groupQuants, offset + 32));
            acc0 = SimdMath.MultiplyAdd(BlockDotAvx2(row0, x), Vector256.Create(scales.GetElement(0)), acc0);
            acc1 = SimdMath.MultiplyAdd(BlockDotAvx2(row1, x), Vector256.Create(scales.GetElement(1)), acc1);
            acc2 = SimdMath.MultiplyAdd(BlockDotAvx2(row2, x), Vector256.Create(scales.GetElement(2)), acc2);
            acc3 = SimdMath.MultiplyAdd(BlockDotAvx2(row3, x), Vector256.Create(scales.GetElement(3)), acc3);
            offsets = SimdMath.MultiplyAdd(rowOffsets, Vector128.Create(Unsafe.Add(ref xSums, b)), offsets);
        }

        return SimdMath.SumEach(acc0, acc1, acc2, acc3) + offsets;
    }

    /// <summary><see cref="Dot"/> with AVX2: a block a step; the hardware prefetcher follows the single row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotAvx2(ref byte rowQuants, ref ushort rowScales, nuint blocks, ref sbyte xQuants, ref float xScales, ref float xSums)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        float offsets = 0;
        for (nuint b = 0; b < blocks; b++)
        {
            Vector128<byte> packed = Vector128.LoadUnsafe(ref rowQuants, b * GroupBlockBytes);
            Vector256<byte> quants = Vector256.Create(packed & Vector128.Create((byte)0x0F), Vector128.ShiftRightLogical(packed, 4));
            ref ushort scales = ref Unsafe.Add(ref rowScales, b * GroupBlockScales);
            acc = SimdMath.MultiplyAdd(
                BlockDotAvx2(quants, Vector256.LoadUnsafe(ref xQuants, b * BlockSize)),
                Vector256.Create(HalfToSingle(scales) * Unsafe.Add(ref xScales, b)),
                acc);
            offsets += HalfToSingle(Unsafe.Add(ref scales, RowsPerGroup)) * Unsafe.Add(ref xSums, b);
        }

        return Vector256.Sum(acc) + offsets;
    }

    /// <summary><see cref="Dot"/> with portable Vector128 operations: quants and input widened to 16 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot128(ref byte rowQuants, ref ushort rowScales, nuint blocks, ref sbyte xQuants, ref float xScales, ref float xSums)
    {
        Vector128<float> acc = Vector128<float>.Zero;
        float offsets = 0;
        for (nuint b = 0; b < blocks; b++)
        {
            Vector128<byte> packed = Vector128.LoadUnsafe(ref rowQuants, b * GroupBlockBytes);
            Vector128<byte> low = packed & Vector128.Create((byte)0x0F);
            Vector128<byte> high = Vector128.ShiftRightLogical(packed, 4);
            Vector128<sbyte> xLow = Vector128.LoadUnsafe(ref xQuants, b * BlockSize);
            Vector128<sbyte> xHigh = Vector128.LoadUnsafe(ref xQuants, (b * BlockSize) + 16);
            // Each product is at most 15 * 127 in magnitude, so a sum of two fits in 16 bits.
            Vector128<short> first = (Vector128.WidenLower(low).AsInt16() * Vector128.WidenLower(xLow)) + (Vector128.WidenUpper(low).AsInt16() * Vector128.WidenUpper(xLow));
            Vector128<short> second = (Vector128.WidenLower(high).AsInt16() * Vector128.WidenLower(xHigh)) + (Vector128.WidenUpper(high).AsInt16() * Vector128.WidenUpper(xHigh));
            Vector128<int> sum = Vector128.WidenLower(first) + Vector128.WidenUpper(first) + Vector128.WidenLower(second) + Vector128.WidenUpper(second);
            ref ushort scales = ref Unsafe.Add(ref rowScales, b * GroupBlockScales);
            acc = SimdMath.MultiplyAdd(Vector128.ConvertToSingle(sum), Vector128.Create(HalfToSingle(scales) * Unsafe.Add(ref xScales, b)), acc);
            offsets += HalfToSingle(Unsafe.Add(ref scales, RowsPerGroup)) * Unsafe.Add(ref xSums, b);
        }

        return Vector128.Sum(acc) + offsets;
    }

    /// <summary>Scalar dot product of one stored row with a quantized input: an exact integer sum per block, then scaled, plus the offset term.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotScalar(ref byte rowQuants, ref ushort rowScales, nuint blocks, ref sbyte xQuants, ref float xScales, ref float xSums)
    {
        float total = 0;
        for (nuint b = 0; b < blocks; b++)
        {
            int sum = 0;
            for (nuint i = 0; i < BlockBytes; i++)
            {
                byte packed = Unsafe.Add(ref rowQuants, (b * GroupBlockBytes) + i);
                sum += ((packed & 0x0F) * Unsafe.Add(ref xQuants, (b * BlockSize) + i)) + ((packed >> 4) * Unsafe.Add(ref xQuants, (b * BlockSize) + BlockBytes + i));
            }

            ref ushort scales = ref Unsafe.Add(ref rowScales, b * GroupBlockScales);
            total += (sum * (HalfToSingle(scales) * Unsafe.Add(ref xScales, b))) + (HalfToSingle(Unsafe.Add(ref scales, RowsPerGroup)) * Unsafe.Add(ref xSums, b));
        }

        return total;
    }

    /// <summary>
    /// Eight partial integer sums (as float32) of one block's 32 products q[i] * x[i]: the unsigned quants
    /// times the signed input, pairs summed to 16 bits (at most 2 * 15 * 127, no saturation), then to 32 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BlockDotAvx2(Vector256<byte> quants, Vector256<sbyte> x) =>
        Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(quants, x), Vector256<short>.One));

    /// <summary>Two stored rows' blocks (16 bytes each, side by side) as each row's 32 quants in order: low nibbles, then high nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte> First, Vector256<byte> Second) TwoRowsAvx2(Vector256<byte> packed)
    {
        Vector256<byte> lowNibbles = Vector256.Create((byte)0x0F);
        Vector256<byte> low = packed & lowNibbles;
        Vector256<byte> high = Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & lowNibbles;
        return (Avx2.Permute2x128(low, high, 0x20), Avx2.Permute2x128(low, high, 0x31));
    }

    /// <summary>A group block's four float16 scales and four float16 offsets (either sign) as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector128<float> Scales, Vector128<float> Offsets) ScalesAndOffsets(ref ushort bits)
    {
        Vector128<ushort> packed = Vector128.LoadUnsafe(ref bits);
        return (HalvesToSingle(Vector128.WidenLower(packed)), HalvesToSingle(Vector128.WidenUpper(packed)));
    }

    /// <summary>Four finite float16 values (zero-extended bits) as float32: magnitude rebiased by a multiply, sign moved to bit 31.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> HalvesToSingle(Vector128<uint> bits)
    {
        Vector128<float> magnitude = ((bits & Vector128.Create(0x7FFFu)) << 13).AsSingle() * Vector128.Create(HalfExponentShift);
        return (magnitude.AsUInt32() | ((bits & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }
}
