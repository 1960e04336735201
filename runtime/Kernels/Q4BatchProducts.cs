using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Prefill's matrix-matrix product with 4-bit weights: the chunk's tokens in tiles of
/// <see cref="TokensPerTile"/>, each tile's inputs quantized once, then every group of four weight rows
/// multiplied into the tile's inputs: with AVX-512 a group block's nibbles are unpacked and its scales widened
/// once for the four tokens (<see cref="DotFourRowsFourInputs"/>); without it, the four tokens go through
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
        Span<float> scales = stackalloc float[blocks];
        Span<float> factors = stackalloc float[TokensPerTile * blocks * Q4Kernels.InputBlockFactorCount];
        for (int first = 0; first < tokens; first += TokensPerTile)
        {
            int count = Math.Min(TokensPerTile, tokens - first);
            for (int k = 0; k < count; k++)
            {
                Span<sbyte> tokenQuants = quants.Slice(k * blocks * Q4Kernels.BlockSize, blocks * Q4Kernels.BlockSize);
                Q8Kernels.QuantizeVector(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref input, (first + k) * columns), columns), tokenQuants, scales);
                Q4Kernels.InputBlockFactors(tokenQuants, scales, factors.Slice(k * blocks * Q4Kernels.InputBlockFactorCount), blocks);
            }

            MultiplyTile(matrix, blocks, ref MemoryMarshal.GetReference(quants), ref MemoryMarshal.GetReference(factors), ref Unsafe.Add(ref output, first * outputStride), outputStride, count, start, end);
        }
    }

    /// <summary>
    /// [row0 . x_k, row1 . x_k, row2 . x_k, row3 . x_k] for the four inputs k = 0..3 (each <paramref name="blocksPerRow"/>
    /// blocks, one after another in <paramref name="xQuants"/> and <paramref name="xFactors"/>) and the group of four
    /// rows at <paramref name="groupQuants"/> and <paramref name="groupScales"/>, as <see cref="Q4Kernels.DotFourRows"/>
    /// computes each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DotFourRowsFourInputs(
        ref byte groupQuants, ref ushort groupScales, int blocksPerRow, ref sbyte xQuants, ref float xFactors,
        out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3)
    {
        if (Avx512BW.IsSupported)
        {
            DotFourRowsFourInputs512(ref groupQuants, ref groupScales, (nuint)(uint)blocksPerRow, ref xQuants, ref xFactors, out sums0, out sums1, out sums2, out sums3);
            return;
        }

        int quantsStride = blocksPerRow * Q4Kernels.BlockSize;
        int factorsStride = blocksPerRow * Q4Kernels.InputBlockFactorCount;
        sums0 = Q4Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref xQuants, ref xFactors);
        sums1 = Q4Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, quantsStride), ref Unsafe.Add(ref xFactors, factorsStride));
        sums2 = Q4Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, 2 * quantsStride), ref Unsafe.Add(ref xFactors, 2 * factorsStride));
        sums3 = Q4Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, 3 * quantsStride), ref Unsafe.Add(ref xFactors, 3 * factorsStride));
    }

    /// <summary>Rows [start, end) times the tile's <paramref name="count"/> quantized inputs: single rows up to a group, groups of four, single rows after.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyTile(Q4Matrix matrix, int blocks, ref sbyte quants, ref float factors, ref float output, int outputStride, int count, int start, int end)
    {
        int quantsStride = blocks * Q4Kernels.BlockSize;
        int factorsStride = blocks * Q4Kernels.InputBlockFactorCount;
        int row = start;
        for (; row < end && (row & 3) != 0; row++)
        {
            SingleRow(matrix, row, blocks, ref quants, ref factors, ref output, outputStride, count);
        }

        for (; row + 4 <= end; row += 4)
        {
            if (count == TokensPerTile)
            {
                DotFourRowsFourInputs(ref matrix.GroupQuants(row), ref matrix.RowScales(row), blocks, ref quants, ref factors, out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3);
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
                    Q4Kernels.DotFourRows(ref matrix.GroupQuants(row), ref matrix.RowScales(row), blocks, ref Unsafe.Add(ref quants, k * quantsStride), ref Unsafe.Add(ref factors, k * factorsStride)),
                    ref Unsafe.Add(ref output, (k * outputStride) + row));
            }
        }

        for (; row < end; row++)
        {
            SingleRow(matrix, row, blocks, ref quants, ref factors, ref output, outputStride, count);
        }
    }

    /// <summary>One row times each of the tile's <paramref name="count"/> inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SingleRow(Q4Matrix matrix, int row, int blocks, ref sbyte quants, ref float factors, ref float output, int outputStride, int count)
    {
        for (int k = 0; k < count; k++)
        {
            Unsafe.Add(ref output, (k * outputStride) + row) = Q4Kernels.Dot(
                ref matrix.GroupQuants(row), row & 3, ref matrix.RowScales(row), blocks,
                ref Unsafe.Add(ref quants, k * blocks * Q4Kernels.BlockSize), ref Unsafe.Add(ref factors, k * blocks * Q4Kernels.InputBlockFactorCount));
        }
    }

    /// <summary>
    /// <see cref="DotFourRowsFourInputs"/> with AVX-512: per block, the group's nibbles split into two registers of
    /// two rows each and its scales widened once (as in <see cref="Q4Kernels.DotFourRows"/>), then the four inputs'
    /// blocks multiplied into them: eight accumulators of 16 lanes and four of the offset terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotFourRowsFourInputs512(
        ref byte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xFactors,
        out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3)
    {
        Vector512<byte> lowNibbles = Vector512.Create((byte)0x0F);
        Vector512<int> rows01 = Q4Kernels.Rows01Lanes, rows23 = Q4Kernels.Rows23Lanes;
        nuint quantsStride = blocks * Q4Kernels.BlockSize;
        nuint factorsStride = blocks * Q4Kernels.InputBlockFactorCount;
        Vector512<float> a01 = Vector512<float>.Zero, a23 = Vector512<float>.Zero, b01 = Vector512<float>.Zero, b23 = Vector512<float>.Zero;
        Vector512<float> c01 = Vector512<float>.Zero, c23 = Vector512<float>.Zero, d01 = Vector512<float>.Zero, d23 = Vector512<float>.Zero;
        Vector256<float> offsetsA = Vector256<float>.Zero, offsetsB = Vector256<float>.Zero, offsetsC = Vector256<float>.Zero, offsetsD = Vector256<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            Vector512<byte> packed = Vector512.LoadUnsafe(ref groupQuants, b * Q4Kernels.GroupBlockBytes);
            Vector512<byte> quants01 = packed & lowNibbles;
            Vector512<byte> quants23 = Vector512.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & lowNibbles;
            Vector256<float> rowFactors = Q4Kernels.ScalesAndOffsets(ref Unsafe.Add(ref groupScales, b * Q4Kernels.GroupBlockScales));
            nuint quantsAt = b * Q4Kernels.BlockSize, factorsAt = b * Q4Kernels.InputBlockFactorCount;
            (a01, a23, offsetsA) = Accumulate(quants01, quants23, rowFactors, ref Unsafe.Add(ref xQuants, quantsAt), ref Unsafe.Add(ref xFactors, factorsAt), rows01, rows23, a01, a23, offsetsA);
            (b01, b23, offsetsB) = Accumulate(quants01, quants23, rowFactors, ref Unsafe.Add(ref xQuants, quantsStride + quantsAt), ref Unsafe.Add(ref xFactors, factorsStride + factorsAt), rows01, rows23, b01, b23, offsetsB);
            (c01, c23, offsetsC) = Accumulate(quants01, quants23, rowFactors, ref Unsafe.Add(ref xQuants, (2 * quantsStride) + quantsAt), ref Unsafe.Add(ref xFactors, (2 * factorsStride) + factorsAt), rows01, rows23, c01, c23, offsetsC);
            (d01, d23, offsetsD) = Accumulate(quants01, quants23, rowFactors, ref Unsafe.Add(ref xQuants, (3 * quantsStride) + quantsAt), ref Unsafe.Add(ref xFactors, (3 * factorsStride) + factorsAt), rows01, rows23, d01, d23, offsetsD);
        }

        sums0 = Q4Kernels.Reduce512(a01, a23) + offsetsA.GetUpper();
        sums1 = Q4Kernels.Reduce512(b01, b23) + offsetsB.GetUpper();
        sums2 = Q4Kernels.Reduce512(c01, c23) + offsetsC.GetUpper();
        sums3 = Q4Kernels.Reduce512(d01, d23) + offsetsD.GetUpper();
    }

    /// <summary>One input's block against the group's unpacked block: two multiply-add pairs, converted and scaled into the accumulators, and the offsets' term.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector256<float>) Accumulate(
        Vector512<byte> quants01, Vector512<byte> quants23, Vector256<float> rowFactors, ref sbyte x, ref float xFactors,
        Vector512<int> rows01, Vector512<int> rows23, Vector512<float> acc01, Vector512<float> acc23, Vector256<float> offsets)
    {
        Vector512<sbyte> xLanes = Q4Kernels.InputLanes512(ref x);
        Vector512<int> sums01 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(quants01, xLanes), Vector512<short>.One);
        Vector512<int> sums23 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(quants23, xLanes), Vector512<short>.One);
        Vector256<float> factors = rowFactors * Vector256.LoadUnsafe(ref xFactors);
        Vector512<float> wide = factors.ToVector512Unsafe();
        return (
            Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums01), Avx512F.PermuteVar16x32(wide, rows01), acc01),
            Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums23), Avx512F.PermuteVar16x32(wide, rows23), acc23),
            offsets + factors);
    }
}
