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
/// (d * s) * (q . x) + m * (s * sum(x)): one integer dot product (unsigned 4-bit times signed 8-bit, the
/// multiply-add instructions' native pairing) and one term that needs only the input block's sum.
/// <see cref="InputBlockFactors"/> writes, once per input, each block's [s, s, s, s, s * sum(x) x 4]: one
/// multiply of a group block's four scales and four offsets by it gives every factor the block needs.</para>
/// <para>Storage, chosen so that the widest registers need no shuffle to unpack: rows in groups of
/// <see cref="RowsPerGroup"/> (the row count zero-padded to whole groups), block by block, 64 bytes a group
/// block. Their low nibbles hold rows 0 and 1 as [row 0 quants 0-15, row 1 quants 0-15, row 0 quants 16-31,
/// row 1 quants 16-31] and their high nibbles rows 2 and 3 the same way, so a mask and a shift give two
/// registers of two rows each, which multiply an input block laid out [x0-15, x0-15, x16-31, x16-31]. The
/// scales follow the same groups: per group block the four rows' float16 scales, then their four offsets.
/// A four-row product reads one forward stream of 80 bytes a block.</para>
/// <para>Paths, picked at JIT time: AVX-512 (a group block in one register), AVX2 (two half-blocks), portable
/// Vector128 and scalar. .NET 10 exposes VNNI's byte dot product only as 256-bit AVX-VNNI and AVX10; the
/// AVX-512 processors this was measured on (AMD Zen 5) report neither to .NET, so the byte products use the
/// multiply-add pair (vpmaddubsw, vpmaddwd) that VNNI would fuse.</para>
/// </remarks>
public static class Q4Kernels
{
    /// <summary>Values per block.</summary>
    public const int BlockSize = 32;

    /// <summary>Bytes of quants a block of one row: two 4-bit quants a byte.</summary>
    public const int BlockBytes = BlockSize / 2;

    /// <summary>Rows stored together, block by block, in a <see cref="Q4Matrix"/>; the rows one four-row product reads.</summary>
    public const int RowsPerGroup = 4;

    /// <summary>Bytes of quants from one block of a group to its next block: a block of every row of the group.</summary>
    public const int GroupBlockBytes = RowsPerGroup * BlockBytes;

    /// <summary>float16 values from one block of a stored row to its next block: the group's four scales, then its four offsets.</summary>
    public const int GroupBlockScales = 2 * RowsPerGroup;

    /// <summary>Floats a block of <see cref="InputBlockFactors"/>: the input block's scale four times, then its scaled sum four times.</summary>
    public const int InputBlockFactorCount = 8;

    /// <summary>How far ahead of the current block, in bytes of quants, the SIMD paths prefetch weights.</summary>
    public const int PrefetchDistance = 1024;

    /// <summary>2^112: a float16's bits placed in a float32's (exponent and mantissa at bits 23 and 13), times this is its value, subnormals included.</summary>
    private const float HalfExponentShift = 5.192296858534828e33f;

    /// <summary>The number of blocks that hold <paramref name="length"/> values (the last one zero-padded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BlockCount(int length) => (int)(((uint)length + (uint)(BlockSize - 1)) / BlockSize);

    /// <summary>A finite float16's bits (either sign) as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort bits) =>
        BitConverter.Int32BitsToSingle((bits & 0x7FFF) << 13) * HalfExponentShift * (1 - ((bits >> 14) & 2));

    /// <summary>
    /// For each input block b (of <paramref name="blocks"/>), at factors[8b..8b+7]: its scale s four times, then
    /// s * (the sum of its 32 quants) four times; what a group block's four scales and four offsets multiply.
    /// </summary>
    public static void InputBlockFactors(ReadOnlySpan<sbyte> quants, ReadOnlySpan<float> scales, Span<float> factors, int blocks)
    {
        if (quants.Length < blocks * BlockSize || scales.Length < blocks || factors.Length < blocks * InputBlockFactorCount)
        {
            throw new ArgumentException($"{blocks} blocks need {blocks * BlockSize} quants, {blocks} scales and {blocks * InputBlockFactorCount} factors; the spans hold {quants.Length}, {scales.Length} and {factors.Length}.");
        }

        for (int b = 0; b < blocks; b++)
        {
            int sum = 0;
            foreach (sbyte quant in quants.Slice(b * BlockSize, BlockSize))
            {
                sum += quant;
            }

            Span<float> block = factors.Slice(b * InputBlockFactorCount, InputBlockFactorCount);
            block[..4].Fill(scales[b]);
            block[4..].Fill(scales[b] * sum);
        }
    }

    /// <summary>
    /// The dot products of the four rows of one group of a <see cref="Q4Matrix"/> (from
    /// <see cref="Q4Matrix.GroupQuants"/> and <see cref="Q4Matrix.RowScales"/> of a row that is a multiple of
    /// four; each row <paramref name="blocksPerRow"/> blocks) with a quantized input of the same block count
    /// and its <see cref="InputBlockFactors"/>: [row0 . x, row1 . x, row2 . x, row3 . x] in dequantized terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> DotFourRows(ref byte groupQuants, ref ushort groupScales, int blocksPerRow, ref sbyte xQuants, ref float xFactors)
    {
        nuint blocks = (nuint)(uint)blocksPerRow;
        if (Avx512BW.IsSupported)
        {
            return DotFourRows512(ref groupQuants, ref groupScales, blocks, ref xQuants, ref xFactors);
        }

        if (Avx2.IsSupported)
        {
            return DotFourRowsAvx2(ref groupQuants, ref groupScales, blocks, ref xQuants, ref xFactors);
        }

        return Vector128.Create(
            Dot(ref groupQuants, 0, ref groupScales, blocksPerRow, ref xQuants, ref xFactors),
            Dot(ref groupQuants, 1, ref Unsafe.Add(ref groupScales, 1), blocksPerRow, ref xQuants, ref xFactors),
            Dot(ref groupQuants, 2, ref Unsafe.Add(ref groupScales, 2), blocksPerRow, ref xQuants, ref xFactors),
            Dot(ref groupQuants, 3, ref Unsafe.Add(ref groupScales, 3), blocksPerRow, ref xQuants, ref xFactors));
    }

    /// <summary>
    /// The dot product of row <paramref name="rowInGroup"/> (0 to 3) of the group at <paramref name="groupQuants"/>
    /// (<see cref="Q4Matrix.GroupQuants"/>; the row's scales from <see cref="Q4Matrix.RowScales"/>) with a quantized
    /// input and its <see cref="InputBlockFactors"/>, in dequantized terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref byte groupQuants, int rowInGroup, ref ushort rowScales, int blocksPerRow, ref sbyte xQuants, ref float xFactors)
    {
        // The row's bytes: quants 0-15 at 16 * (row & 1), quants 16-31 32 bytes further, in the low nibbles for rows 0 and 1.
        ref byte rowBytes = ref Unsafe.Add(ref groupQuants, (rowInGroup & 1) * BlockBytes);
        int shift = (rowInGroup >> 1) * 4;
        nuint blocks = (nuint)(uint)blocksPerRow;
        if (Vector128.IsHardwareAccelerated)
        {
            return Dot128(ref rowBytes, shift, ref rowScales, blocks, ref xQuants, ref xFactors);
        }

        return DotScalar(ref rowBytes, shift, ref rowScales, blocks, ref xQuants, ref xFactors);
    }

    /// <summary>
    /// <see cref="DotFourRows"/> with AVX-512: a group block is one 512-bit load; its low nibbles are rows 0 and 1
    /// and its high nibbles rows 2 and 3, each as [quants 0-15 of row r, of row r + 1, quants 16-31 of row r, of
    /// row r + 1], against the input block arranged the same way. Each 128-bit lane accumulates one row's
    /// partial sums times that row's scale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> DotFourRows512(ref byte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xFactors)
    {
        // A prefetch never faults, so reaching past the end of the matrix is harmless.
        byte* quantsAhead = (byte*)Unsafe.AsPointer(ref groupQuants) + PrefetchDistance;
        byte* scalesAhead = (byte*)Unsafe.AsPointer(ref groupScales) + (PrefetchDistance / 4);
        // Constants outside the loop: the JIT does not hoist them out of it.
        Vector512<byte> lowNibbles = Vector512.Create((byte)0x0F);
        Vector512<short> ones = Vector512<short>.One;
        Vector512<int> rows01 = Rows01Lanes, rows23 = Rows23Lanes;
        Vector512<float> acc01 = Vector512<float>.Zero;
        Vector512<float> acc23 = Vector512<float>.Zero;
        Vector256<float> offsets = Vector256<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            nuint offset = b * GroupBlockBytes;
            Sse.Prefetch0(quantsAhead + offset);
            if ((b & 3) == 0)
            {
                Sse.Prefetch0(scalesAhead + (b * GroupBlockScales * sizeof(ushort)));
            }

            Vector512<sbyte> x = InputLanes512(ref Unsafe.Add(ref xQuants, b * BlockSize));
            Vector512<byte> packed = Vector512.LoadUnsafe(ref groupQuants, offset);
            Vector512<int> sums01 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(packed & lowNibbles, x), ones);
            Vector512<int> sums23 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & lowNibbles, x), ones);
            Vector256<float> factors = ScalesAndOffsets(ref Unsafe.Add(ref groupScales, b * GroupBlockScales)) * Vector256.LoadUnsafe(ref xFactors, b * InputBlockFactorCount);
            offsets += factors;
            Vector512<float> wide = factors.ToVector512Unsafe();
            acc01 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums01), Avx512F.PermuteVar16x32(wide, rows01), acc01);
            acc23 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums23), Avx512F.PermuteVar16x32(wide, rows23), acc23);
        }

        return Reduce512(acc01, acc23) + offsets.GetUpper();
    }

    /// <summary>
    /// <see cref="DotFourRows"/> with AVX2: a group block as two 256-bit halves, [quants 0-15 of rows 0 and 1 (low
    /// nibbles) and 2 and 3 (high)] and [quants 16-31 of the same], against [x0-15, x0-15] and [x16-31, x16-31]; the
    /// two halves' pair sums add in 16 bits (at most 4 * 15 * 127), so each 128-bit lane holds one row's sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> DotFourRowsAvx2(ref byte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xFactors)
    {
        byte* quantsAhead = (byte*)Unsafe.AsPointer(ref groupQuants) + PrefetchDistance;
        byte* scalesAhead = (byte*)Unsafe.AsPointer(ref groupScales) + (PrefetchDistance / 4);
        Vector256<byte> lowNibbles = Vector256.Create((byte)0x0F);
        Vector256<float> acc01 = Vector256<float>.Zero;
        Vector256<float> acc23 = Vector256<float>.Zero;
        Vector256<float> offsets = Vector256<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            nuint offset = b * GroupBlockBytes;
            Sse.Prefetch0(quantsAhead + offset);
            if ((b & 3) == 0)
            {
                Sse.Prefetch0(scalesAhead + (b * GroupBlockScales * sizeof(ushort)));
            }

            Vector256<sbyte> x = Vector256.LoadUnsafe(ref xQuants, b * BlockSize);
            Vector256<sbyte> xFirst = Avx2.Permute4x64(x.AsInt64(), 0b01_00_01_00).AsSByte();
            Vector256<sbyte> xSecond = Avx2.Permute4x64(x.AsInt64(), 0b11_10_11_10).AsSByte();
            Vector256<byte> first = Vector256.LoadUnsafe(ref groupQuants, offset);
            Vector256<byte> second = Vector256.LoadUnsafe(ref groupQuants, offset + 32);
            Vector256<short> pairs01 = Avx2.MultiplyAddAdjacent(first & lowNibbles, xFirst) + Avx2.MultiplyAddAdjacent(second & lowNibbles, xSecond);
            Vector256<short> pairs23 = Avx2.MultiplyAddAdjacent(Vector256.ShiftRightLogical(first.AsUInt16(), 4).AsByte() & lowNibbles, xFirst)
                + Avx2.MultiplyAddAdjacent(Vector256.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & lowNibbles, xSecond);
            Vector256<float> factors = ScalesAndOffsets(ref Unsafe.Add(ref groupScales, b * GroupBlockScales)) * Vector256.LoadUnsafe(ref xFactors, b * InputBlockFactorCount);
            offsets += factors;
            acc01 = SimdMath.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(pairs01, Vector256<short>.One)), Avx2.PermuteVar8x32(factors, Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1)), acc01);
            acc23 = SimdMath.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(pairs23, Vector256<short>.One)), Avx2.PermuteVar8x32(factors, Vector256.Create(2, 2, 2, 2, 3, 3, 3, 3)), acc23);
        }

        return SimdMath.SumEach(acc01.GetLower(), acc01.GetUpper(), acc23.GetLower(), acc23.GetUpper()) + offsets.GetUpper();
    }

    /// <summary><see cref="Dot"/> with portable Vector128 operations: the row's quants and the input widened to 16 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot128(ref byte rowBytes, int shift, ref ushort rowScales, nuint blocks, ref sbyte xQuants, ref float xFactors)
    {
        Vector128<float> acc = Vector128<float>.Zero;
        float offsets = 0;
        for (nuint b = 0; b < blocks; b++)
        {
            Vector128<byte> low = Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref rowBytes, b * GroupBlockBytes), shift) & Vector128.Create((byte)0x0F);
            Vector128<byte> high = Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref rowBytes, (b * GroupBlockBytes) + 32), shift) & Vector128.Create((byte)0x0F);
            Vector128<sbyte> xLow = Vector128.LoadUnsafe(ref xQuants, b * BlockSize);
            Vector128<sbyte> xHigh = Vector128.LoadUnsafe(ref xQuants, (b * BlockSize) + 16);
            // Each product is at most 15 * 127 in magnitude, so a sum of two fits in 16 bits.
            Vector128<short> first = (Vector128.WidenLower(low).AsInt16() * Vector128.WidenLower(xLow)) + (Vector128.WidenUpper(low).AsInt16() * Vector128.WidenUpper(xLow));
            Vector128<short> second = (Vector128.WidenLower(high).AsInt16() * Vector128.WidenLower(xHigh)) + (Vector128.WidenUpper(high).AsInt16() * Vector128.WidenUpper(xHigh));
            Vector128<int> sum = Vector128.WidenLower(first) + Vector128.WidenUpper(first) + Vector128.WidenLower(second) + Vector128.WidenUpper(second);
            ref ushort scales = ref Unsafe.Add(ref rowScales, b * GroupBlockScales);
            ref float factors = ref Unsafe.Add(ref xFactors, b * InputBlockFactorCount);
            acc = SimdMath.MultiplyAdd(Vector128.ConvertToSingle(sum), Vector128.Create(HalfToSingle(scales) * factors), acc);
            offsets += HalfToSingle(Unsafe.Add(ref scales, RowsPerGroup)) * Unsafe.Add(ref factors, 4);
        }

        return Vector128.Sum(acc) + offsets;
    }

    /// <summary>Scalar dot product of one stored row with a quantized input: an exact integer sum per block, then scaled, plus the offset term.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotScalar(ref byte rowBytes, int shift, ref ushort rowScales, nuint blocks, ref sbyte xQuants, ref float xFactors)
    {
        float total = 0;
        for (nuint b = 0; b < blocks; b++)
        {
            int sum = 0;
            for (nuint i = 0; i < BlockBytes; i++)
            {
                int low = (Unsafe.Add(ref rowBytes, (b * GroupBlockBytes) + i) >> shift) & 0x0F;
                int high = (Unsafe.Add(ref rowBytes, (b * GroupBlockBytes) + 32 + i) >> shift) & 0x0F;
                sum += (low * Unsafe.Add(ref xQuants, (b * BlockSize) + i)) + (high * Unsafe.Add(ref xQuants, (b * BlockSize) + BlockBytes + i));
            }

            ref ushort scales = ref Unsafe.Add(ref rowScales, b * GroupBlockScales);
            ref float factors = ref Unsafe.Add(ref xFactors, b * InputBlockFactorCount);
            total += (sum * (HalfToSingle(scales) * factors)) + (HalfToSingle(Unsafe.Add(ref scales, RowsPerGroup)) * Unsafe.Add(ref factors, 4));
        }

        return total;
    }

    /// <summary>An input block (32 quants) as the AVX-512 products read it: [x0-15, x0-15, x16-31, x16-31].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<sbyte> InputLanes512(ref sbyte block)
    {
        Vector512<int> x = Vector256.LoadUnsafe(ref block).AsInt32().ToVector512Unsafe();
        return Avx512F.Shuffle4x128(x, x, 0b01_01_00_00).AsSByte();
    }

    /// <summary>Which of a group block's four row scales each AVX-512 lane of rows 0 and 1 takes: [row 0 x4, row 1 x4, row 0 x4, row 1 x4].</summary>
    internal static Vector512<int> Rows01Lanes => Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);

    /// <summary>The same for rows 2 and 3.</summary>
    internal static Vector512<int> Rows23Lanes => Vector512.Create(2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3);

    /// <summary>The four rows' sums from the two-row AVX-512 accumulators (lanes [row r, row r + 1, row r, row r + 1]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Reduce512(Vector512<float> acc01, Vector512<float> acc23)
    {
        Vector256<float> halves01 = acc01.GetLower() + acc01.GetUpper();
        Vector256<float> halves23 = acc23.GetLower() + acc23.GetUpper();
        return SimdMath.SumEach(halves01.GetLower(), halves01.GetUpper(), halves23.GetLower(), halves23.GetUpper());
    }

    /// <summary>
    /// A group block's four float16 scales and four float16 offsets (either sign) as float32, [scales, offsets]:
    /// each value moved to a float32's upper half, shifted right by 3 (sign copied), the copied sign bits cleared,
    /// and the exponent rebiased by a multiply by 2^112, which is exact for subnormals too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> ScalesAndOffsets(ref ushort bits)
    {
        Vector256<int> upper = Vector256.WidenLower(Vector128.LoadUnsafe(ref bits).ToVector256Unsafe()).AsInt32() << 16;
        Vector256<int> placed = Vector256.ShiftRightArithmetic(upper, 3) & Vector256.Create(unchecked((int)0x8FFFFFFF));
        return placed.AsSingle() * Vector256.Create(HalfExponentShift);
    }
}
