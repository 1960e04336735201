using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Prefill's matrix-matrix product with 4-bit weights: the chunk's tokens in tiles of
/// <see cref="TokensPerTile"/>, each tile's inputs quantized once, then every group of four weight rows
/// multiplied into the tile's inputs while its blocks are unpacked: with AVX-512 a group block's nibbles
/// are split into quants once for the four tokens (<see cref="DotFourRowsFourInputs"/>), which is where a
/// 4-bit product spends most of its instructions; without it, the four tokens go through
/// <see cref="Q4Kernels.DotFourRows"/> one after another while the group's blocks are in the L1 cache.
/// </summary>
public static class Q4BatchProducts
{
    /// <summary>Tokens multiplied together by one pass over a group of weight rows.</summary>
    public const int TokensPerTile = 4;

    /// <summary>
    /// output[t, row] = matrix[row, :] . input[t, :] for rows [<paramref name="start"/>, <paramref name="end"/>)
    /// and tokens [0, <paramref name="tokens"/>): input rows have <paramref name="columns"/> values (the matrix's
    /// column count), output rows <paramref name="outputStride"/> values. The same integer block sums as the
    /// matrix-vector product (<see cref="Q4Kernels"/>), added in another order, so results may differ in the last bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRowsBatch(Q4Matrix matrix, ref float input, int columns, ref float output, int outputStride, int tokens, int start, int end)
    {
        int blocks = Q4Kernels.BlockCount(columns);
        Span<sbyte> quants = stackalloc sbyte[TokensPerTile * blocks * Q4Kernels.BlockSize];
        Span<float> scales = stackalloc float[TokensPerTile * blocks];
        Span<float> sums = stackalloc float[TokensPerTile * blocks];
        for (int first = 0; first < tokens; first += TokensPerTile)
        {
            int count = Math.Min(TokensPerTile, tokens - first);
            for (int k = 0; k < count; k++)
            {
                Span<sbyte> tokenQuants = quants.Slice(k * blocks * Q4Kernels.BlockSize, blocks * Q4Kernels.BlockSize);
                Span<float> tokenScales = scales.Slice(k * blocks, blocks);
                Q8Kernels.QuantizeVector(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref input, (first + k) * columns), columns), tokenQuants, tokenScales);
                Q4Kernels.InputBlockSums(tokenQuants, tokenScales, sums.Slice(k * blocks, blocks), blocks);
            }

            ref float tileOutput = ref Unsafe.Add(ref output, first * outputStride);
            MultiplyTile(matrix, blocks, ref MemoryMarshal.GetReference(quants), ref MemoryMarshal.GetReference(scales), ref MemoryMarshal.GetReference(sums), ref tileOutput, outputStride, count, start, end);
        }
    }

    /// <summary>
    /// [row0 . x_k, row1 . x_k, row2 . x_k, row3 . x_k] for the four inputs k = 0..3 (each <paramref name="blocksPerRow"/>
    /// blocks, one after another in <paramref name="xQuants"/>, <paramref name="xScales"/> and <paramref name="xSums"/>)
    /// and the group of four rows at <paramref name="groupQuants"/> and <paramref name="groupScales"/>, as
    /// <see cref="Q4Kernels.DotFourRows"/> computes each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DotFourRowsFourInputs(
        ref byte groupQuants, ref ushort groupScales, int blocksPerRow, ref sbyte xQuants, ref float xScales, ref float xSums,
        out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3)
    {
        if (Avx512BW.IsSupported)
        {
            DotFourRowsFourInputs512(ref groupQuants, ref groupScales, (nuint)(uint)blocksPerRow, ref xQuants, ref xScales, ref xSums, out sums0, out sums1, out sums2, out sums3);
            return;
        }

        int quantsStride = blocksPerRow * Q4Kernels.BlockSize;
        sums0 = Q4Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref xQuants, ref xScales, ref xSums);
        sums1 = Q4Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, quantsStride), ref Unsafe.Add(ref xScales, blocksPerRow), ref Unsafe.Add(ref xSums, blocksPerRow));
        sums2 = Q4Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, 2 * quantsStride), ref Unsafe.Add(ref xScales, 2 * blocksPerRow), ref Unsafe.Add(ref xSums, 2 * blocksPerRow));
        sums3 = Q4Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, 3 * quantsStride), ref Unsafe.Add(ref xScales, 3 * blocksPerRow), ref Unsafe.Add(ref xSums, 3 * blocksPerRow));
    }

    /// <summary>Rows [start, end) times the tile's <paramref name="count"/> quantized inputs: single rows up to a group, groups of four, single rows after.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyTile(Q4Matrix matrix, int blocks, ref sbyte quants, ref float scales, ref float sums, ref float output, int outputStride, int count, int start, int end)
    {
        int quantsStride = blocks * Q4Kernels.BlockSize;
        int row = start;
        for (; row < end && (row & 3) != 0; row++)
        {
            SingleRow(matrix, row, blocks, ref quants, ref scales, ref sums, ref output, outputStride, count);
        }

        for (; row + 4 <= end; row += 4)
        {
            if (count == TokensPerTile)
            {
                DotFourRowsFourInputs(ref matrix.RowQuants(row), ref matrix.RowScales(row), blocks, ref quants, ref scales, ref sums, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3);
                Vector128.StoreUnsafe(sums0, ref Unsafe.Add(ref output, row));
                Vector128.StoreUnsafe(sums1, ref Unsafe.Add(ref output, outputStride + row));
                Vector128.StoreUnsafe(sums2, ref Unsafe.Add(ref output, (2 * outputStride) + row));
                Vector128.StoreUnsafe(sums3, ref Unsafe.Add(ref output, (3 * outputStride) + row));
                continue;
            }

            // The chunk's last tile, with fewer than four tokens: four-row products, token by token.
            for (int k = 0; k < count; k++)
            {
                Vector128.StoreUnsafe(
                    Q4Kernels.DotFourRows(ref matrix.RowQuants(row), ref matrix.RowScales(row), blocks, ref Unsafe.Add(ref quants, k * quantsStride), ref Unsafe.Add(ref scales, k * blocks), ref Unsafe.Add(ref sums, k * blocks)),
                    ref Unsafe.Add(ref output, (k * outputStride) + row));
            }
        }

        for (; row < end; row++)
        {
            SingleRow(matrix, row, blocks, ref quants, ref scales, ref sums, ref output, outputStride, count);
        }
    }

    /// <summary>One row times each of the tile's <paramref name="count"/> inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SingleRow(Q4Matrix matrix, int row, int blocks, ref sbyte quants, ref float scales, ref float sums, ref float output, int outputStride, int count)
    {
        for (int k = 0; k < count; k++)
        {
            Unsafe.Add(ref output, (k * outputStride) + row) =
                Q4Kernels.Dot(ref matrix.RowQuants(row), ref matrix.RowScales(row), blocks, ref Unsafe.Add(ref quants, k * blocks * Q4Kernels.BlockSize), ref Unsafe.Add(ref scales, k * blocks), ref Unsafe.Add(ref sums, k * blocks));
        }
    }

    /// <summary>
    /// <see cref="DotFourRowsFourInputs"/> with AVX-512: per block, the group's nibbles split into two registers of
    /// two rows each and its scales widened once (as in <see cref="Q4Kernels.DotFourRows"/>), then the four inputs'
    /// blocks multiplied into them, eight accumulators of 16 lanes and four of the offset terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotFourRowsFourInputs512(
        ref byte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xScales, ref float xSums,
        out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3)
    {
        Vector512<byte> lowNibbles = Vector512.Create((byte)0x0F);
        Vector512<int> rows01 = Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
        Vector512<int> rows23 = Vector512.Create(2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3);
        nuint quantsStride = blocks * Q4Kernels.BlockSize;
        Vector512<float> a01 = Vector512<float>.Zero, a23 = Vector512<float>.Zero, b01 = Vector512<float>.Zero, b23 = Vector512<float>.Zero;
        Vector512<float> c01 = Vector512<float>.Zero, c23 = Vector512<float>.Zero, d01 = Vector512<float>.Zero, d23 = Vector512<float>.Zero;
        Vector128<float> offsetsA = Vector128<float>.Zero, offsetsB = Vector128<float>.Zero, offsetsC = Vector128<float>.Zero, offsetsD = Vector128<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            Vector512<byte> packed = Vector512.LoadUnsafe(ref groupQuants, b * Q4Kernels.GroupBlockBytes);
            Vector512<int> low = (packed & lowNibbles).AsInt32();
            Vector512<int> high = (Vector512.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & lowNibbles).AsInt32();
            Vector512<byte> quants01 = Avx512F.Shuffle4x128(low, high, 0b01_00_01_00).AsByte();
            Vector512<byte> quants23 = Avx512F.Shuffle4x128(low, high, 0b11_10_11_10).AsByte();
            (Vector128<float> scales, Vector128<float> offsets) = Q4Kernels.ScalesAndOffsets(ref Unsafe.Add(ref groupScales, b * Q4Kernels.GroupBlockScales));
            Vector512<float> rowScales = scales.ToVector256Unsafe().ToVector512Unsafe();
            Vector512<float> scales01 = Avx512F.PermuteVar16x32(rowScales, rows01);
            Vector512<float> scales23 = Avx512F.PermuteVar16x32(rowScales, rows23);

            nuint at = b * Q4Kernels.BlockSize;
            (a01, a23, offsetsA) = Accumulate(quants01, quants23, scales01, scales23, offsets, ref Unsafe.Add(ref xQuants, at), Unsafe.Add(ref xScales, b), Unsafe.Add(ref xSums, b), a01, a23, offsetsA);
            (b01, b23, offsetsB) = Accumulate(quants01, quants23, scales01, scales23, offsets, ref Unsafe.Add(ref xQuants, quantsStride + at), Unsafe.Add(ref xScales, blocks + b), Unsafe.Add(ref xSums, blocks + b), b01, b23, offsetsB);
            (c01, c23, offsetsC) = Accumulate(quants01, quants23, scales01, scales23, offsets, ref Unsafe.Add(ref xQuants, (2 * quantsStride) + at), Unsafe.Add(ref xScales, (2 * blocks) + b), Unsafe.Add(ref xSums, (2 * blocks) + b), c01, c23, offsetsC);
            (d01, d23, offsetsD) = Accumulate(quants01, quants23, scales01, scales23, offsets, ref Unsafe.Add(ref xQuants, (3 * quantsStride) + at), Unsafe.Add(ref xScales, (3 * blocks) + b), Unsafe.Add(ref xSums, (3 * blocks) + b), d01, d23, offsetsD);
        }

        sums0 = Reduce(a01, a23) + offsetsA;
        sums1 = Reduce(b01, b23) + offsetsB;
        sums2 = Reduce(c01, c23) + offsetsC;
        sums3 = Reduce(d01, d23) + offsetsD;
    }

    /// <summary>One input's block against the group's unpacked block: two multiply-add pairs, converted and scaled into the accumulators, and the offsets' term.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector128<float>) Accumulate(
        Vector512<byte> quants01, Vector512<byte> quants23, Vector512<float> scales01, Vector512<float> scales23, Vector128<float> offsets,
        ref sbyte x, float xScale, float xSum, Vector512<float> acc01, Vector512<float> acc23, Vector128<float> offsetAcc)
    {
        Vector512<int> x512 = Vector256.LoadUnsafe(ref x).AsInt32().ToVector512Unsafe();
        Vector512<sbyte> xLanes = Avx512F.Shuffle4x128(x512, x512, 0b01_01_00_00).AsSByte();
        Vector512<int> sums01 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(quants01, xLanes), Vector512<short>.One);
        Vector512<int> sums23 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(quants23, xLanes), Vector512<short>.One);
        Vector512<float> scale = Vector512.Create(xScale);
        return (
            Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums01), scales01 * scale, acc01),
            Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums23), scales23 * scale, acc23),
            SimdMath.MultiplyAdd(offsets, Vector128.Create(xSum), offsetAcc));
    }

    /// <summary>The four rows' sums from the two-row accumulators: lanes [row r, row r + 1, row r, row r + 1] of four each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduce(Vector512<float> acc01, Vector512<float> acc23)
    {
        Vector256<float> halves01 = acc01.GetLower() + acc01.GetUpper();
        Vector256<float> halves23 = acc23.GetLower() + acc23.GetUpper();
        return SimdMath.SumEach(halves01.GetLower(), halves01.GetUpper(), halves23.GetLower(), halves23.GetUpper());
    }
}
