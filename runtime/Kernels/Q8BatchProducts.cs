using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// The matrix-matrix product with 8-bit weights for a few tokens at a time (a batch session's step, one token of each
/// sequence; a prefill chunk where <see cref="DequantizedTileProducts"/> does not apply): the tokens' inputs quantized
/// once, up to <see cref="TokensPerChunk"/> of them, then for each stored group of four weight rows, every tile of
/// <see cref="TokensPerTile"/> tokens while the group's blocks are in the L1 cache, so the weights come from memory
/// once a chunk instead of once a token. With AVX-512 a tile loads each block of the group once, two rows a register,
/// for its four tokens (<see cref="DotFourRowsFourInputs"/>); without it the four tokens go through
/// <see cref="Q8Kernels.DotFourRows"/> one after another.
/// </summary>
/// <remarks>
/// The same integer block sums as the matrix-vector product (<see cref="Q8Kernels"/>), converted, scaled and added
/// lane for lane in the same order, so each token's results equal its one-token products bit for bit (tested).
/// </remarks>
public static class Q8BatchProducts
{
    /// <summary>Tokens multiplied together by one pass over a group of four weight rows.</summary>
    public const int TokensPerTile = 4;

    /// <summary>Tokens quantized together and taken through the rows together.</summary>
    public const int TokensPerChunk = 16;

    /// <summary>This thread's quantized inputs of a chunk, grown to the largest size asked for.</summary>
    [ThreadStatic]
    private static sbyte[]? chunkQuants;

    /// <summary>This thread's input block scales of a chunk.</summary>
    [ThreadStatic]
    private static float[]? chunkScales;

    /// <summary>
    /// output[t, row] = matrix[row, :] . input[t, :] for rows [<paramref name="start"/>, <paramref name="end"/>)
    /// and tokens [0, <paramref name="tokens"/>): input rows have <paramref name="columns"/> values (the matrix's
    /// column count), output rows <paramref name="outputStride"/> values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRowsBatch(Q8Matrix matrix, ref float input, int columns, ref float output, int outputStride, int tokens, int start, int end)
    {
        if (start >= end)
        {
            return;
        }

        int blocks = Q8Kernels.BlockCount(columns);
        int quantsPerToken = blocks * Q8Kernels.BlockSize;
        ref sbyte quants = ref ChunkBuffer(ref chunkQuants, TokensPerChunk * quantsPerToken);
        ref float scales = ref ChunkBuffer(ref chunkScales, TokensPerChunk * blocks);
        for (int first = 0; first < tokens; first += TokensPerChunk)
        {
            int count = Math.Min(TokensPerChunk, tokens - first);
            for (int k = 0; k < count; k++)
            {
                Q8Kernels.QuantizeVector(
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref input, (first + k) * columns), columns),
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref quants, k * quantsPerToken), quantsPerToken),
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref scales, k * blocks), blocks));
            }

            MultiplyChunk(matrix, blocks, ref quants, ref scales, ref Unsafe.Add(ref output, first * outputStride), outputStride, count, start, end);
        }
    }

    /// <summary>
    /// [row0 . x_k, row1 . x_k, row2 . x_k, row3 . x_k] for the four quantized inputs k = 0..3 (each
    /// <paramref name="blocksPerRow"/> blocks, one after another in <paramref name="xQuants"/> and
    /// <paramref name="xScales"/>) and the group of four rows at <paramref name="groupQuants"/> and
    /// <paramref name="groupScales"/> (from <see cref="Q8Matrix.RowQuants"/> and <see cref="Q8Matrix.RowScales"/> of a
    /// row that is a multiple of four), as <see cref="Q8Kernels.DotFourRows"/> computes each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DotFourRowsFourInputs(
        ref sbyte groupQuants, ref ushort groupScales, int blocksPerRow, ref sbyte xQuants, ref float xScales,
        out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3)
    {
        if (Avx512BW.IsSupported)
        {
            DotFourRowsFourInputs512(ref groupQuants, ref groupScales, (nuint)(uint)blocksPerRow, ref xQuants, ref xScales, out sums0, out sums1, out sums2, out sums3);
            return;
        }

        int quantsStride = blocksPerRow * Q8Kernels.BlockSize;
        sums0 = Q8Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref xQuants, ref xScales);
        sums1 = Q8Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, quantsStride), ref Unsafe.Add(ref xScales, blocksPerRow));
        sums2 = Q8Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, 2 * quantsStride), ref Unsafe.Add(ref xScales, 2 * blocksPerRow));
        sums3 = Q8Kernels.DotFourRows(ref groupQuants, ref groupScales, blocksPerRow, ref Unsafe.Add(ref xQuants, 3 * quantsStride), ref Unsafe.Add(ref xScales, 3 * blocksPerRow));
    }

    /// <summary>This thread's buffer (<paramref name="buffer"/>, a thread-static field) of at least <paramref name="length"/> values.</summary>
    private static ref T ChunkBuffer<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = new T[length];
        }

        return ref buffer[0];
    }

    /// <summary>Rows [start, end) times the chunk's <paramref name="count"/> quantized inputs: single rows up to a group, groups of four, single rows after.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyChunk(Q8Matrix matrix, int blocks, ref sbyte quants, ref float scales, ref float output, int outputStride, int count, int start, int end)
    {
        int quantsStride = blocks * Q8Kernels.BlockSize;
        int row = start;
        for (; row < end && (row & 3) != 0; row++)
        {
            SingleRow(matrix, row, blocks, ref quants, ref scales, ref output, outputStride, count);
        }

        for (; row + 4 <= end; row += 4)
        {
            ref sbyte groupQuants = ref matrix.RowQuants(row);
            ref ushort groupScales = ref matrix.RowScales(row);
            int k = 0;
            for (; k + TokensPerTile <= count; k += TokensPerTile)
            {
                DotFourRowsFourInputs(
                    ref groupQuants, ref groupScales, blocks, ref Unsafe.Add(ref quants, k * quantsStride), ref Unsafe.Add(ref scales, k * blocks),
                    out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3);
                Vector128.StoreUnsafe(sums0, ref Unsafe.Add(ref output, (k * outputStride) + row));
                Vector128.StoreUnsafe(sums1, ref Unsafe.Add(ref output, ((k + 1) * outputStride) + row));
                Vector128.StoreUnsafe(sums2, ref Unsafe.Add(ref output, ((k + 2) * outputStride) + row));
                Vector128.StoreUnsafe(sums3, ref Unsafe.Add(ref output, ((k + 3) * outputStride) + row));
            }

            // Fewer than four tokens left in the chunk: four-row products, token by token.
            for (; k < count; k++)
            {
                Vector128.StoreUnsafe(
                    Q8Kernels.DotFourRows(ref groupQuants, ref groupScales, blocks, ref Unsafe.Add(ref quants, k * quantsStride), ref Unsafe.Add(ref scales, k * blocks)),
                    ref Unsafe.Add(ref output, (k * outputStride) + row));
            }
        }

        for (; row < end; row++)
        {
            SingleRow(matrix, row, blocks, ref quants, ref scales, ref output, outputStride, count);
        }
    }

    /// <summary>One row times each of the chunk's <paramref name="count"/> inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SingleRow(Q8Matrix matrix, int row, int blocks, ref sbyte quants, ref float scales, ref float output, int outputStride, int count)
    {
        for (int k = 0; k < count; k++)
        {
            Unsafe.Add(ref output, (k * outputStride) + row) = Q8Kernels.Dot(
                ref matrix.RowQuants(row), ref matrix.RowScales(row), blocks,
                ref Unsafe.Add(ref quants, k * blocks * Q8Kernels.BlockSize), ref Unsafe.Add(ref scales, k * blocks));
        }
    }

    /// <summary>
    /// <see cref="DotFourRowsFourInputs"/> with AVX-512. A group block is 128 bytes, the four rows' 32 quants one after
    /// another, so two loads give [row 0 | row 1] and [row 2 | row 3]. AVX-512 has no byte sign instruction, so the sign
    /// moves to the input's side: the weights' magnitudes (unsigned) times the input with each weight's sign, pairs
    /// summed to 16 bits (at most 2 * 127 * 127, no saturation), then to 32 bits: eight lanes per row. The magnitudes and
    /// signs are taken once per block for the four tokens; each token's block is broadcast to both halves and negated
    /// once. Eight accumulators: four tokens by two register pairs of rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotFourRowsFourInputs512(
        ref sbyte groupQuants, ref ushort groupScales, nuint blocks, ref sbyte xQuants, ref float xScales,
        out Vector128<float> sums0, out Vector128<float> sums1, out Vector128<float> sums2, out Vector128<float> sums3)
    {
        // Which of the group block's four scales each lane takes: [row 0 x8, row 1 x8] and [row 2 x8, row 3 x8].
        Vector512<int> rows01 = Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        Vector512<int> rows23 = Vector512.Create(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        nuint quantsStride = blocks * Q8Kernels.BlockSize;
        Vector512<float> a01 = Vector512<float>.Zero, a23 = Vector512<float>.Zero, b01 = Vector512<float>.Zero, b23 = Vector512<float>.Zero;
        Vector512<float> c01 = Vector512<float>.Zero, c23 = Vector512<float>.Zero, d01 = Vector512<float>.Zero, d23 = Vector512<float>.Zero;
        for (nuint b = 0; b < blocks; b++)
        {
            Vector512<sbyte> weights01 = Vector512.LoadUnsafe(ref groupQuants, b * Q8Kernels.GroupBlockQuants);
            Vector512<sbyte> weights23 = Vector512.LoadUnsafe(ref groupQuants, (b * Q8Kernels.GroupBlockQuants) + 64);
            Vector512<byte> magnitudes01 = Vector512.Abs(weights01).AsByte();
            Vector512<byte> magnitudes23 = Vector512.Abs(weights23).AsByte();
            Vector512<sbyte> negative01 = Vector512.LessThan(weights01, Vector512<sbyte>.Zero);
            Vector512<sbyte> negative23 = Vector512.LessThan(weights23, Vector512<sbyte>.Zero);
            Vector512<float> scales = Q8Kernels.FourScalesToSingle(ref Unsafe.Add(ref groupScales, b * Q8Kernels.RowsPerGroup)).ToVector256Unsafe().ToVector512Unsafe();
            Vector512<float> scales01 = Avx512F.PermuteVar16x32(scales, rows01);
            Vector512<float> scales23 = Avx512F.PermuteVar16x32(scales, rows23);
            nuint at = b * Q8Kernels.BlockSize;
            (a01, a23) = Accumulate(magnitudes01, magnitudes23, negative01, negative23, scales01, scales23, ref Unsafe.Add(ref xQuants, at), Unsafe.Add(ref xScales, b), a01, a23);
            (b01, b23) = Accumulate(magnitudes01, magnitudes23, negative01, negative23, scales01, scales23, ref Unsafe.Add(ref xQuants, quantsStride + at), Unsafe.Add(ref xScales, blocks + b), b01, b23);
            (c01, c23) = Accumulate(magnitudes01, magnitudes23, negative01, negative23, scales01, scales23, ref Unsafe.Add(ref xQuants, (2 * quantsStride) + at), Unsafe.Add(ref xScales, (2 * blocks) + b), c01, c23);
            (d01, d23) = Accumulate(magnitudes01, magnitudes23, negative01, negative23, scales01, scales23, ref Unsafe.Add(ref xQuants, (3 * quantsStride) + at), Unsafe.Add(ref xScales, (3 * blocks) + b), d01, d23);
        }

        sums0 = SimdMath.SumEach(a01.GetLower(), a01.GetUpper(), a23.GetLower(), a23.GetUpper());
        sums1 = SimdMath.SumEach(b01.GetLower(), b01.GetUpper(), b23.GetLower(), b23.GetUpper());
        sums2 = SimdMath.SumEach(c01.GetLower(), c01.GetUpper(), c23.GetLower(), c23.GetUpper());
        sums3 = SimdMath.SumEach(d01.GetLower(), d01.GetUpper(), d23.GetLower(), d23.GetUpper());
    }

    /// <summary>One input's block against the group's block: the input with the weights' signs, two multiply-add pairs, converted and scaled into the accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>) Accumulate(
        Vector512<byte> magnitudes01, Vector512<byte> magnitudes23, Vector512<sbyte> negative01, Vector512<sbyte> negative23,
        Vector512<float> scales01, Vector512<float> scales23, ref sbyte x, float xScale, Vector512<float> acc01, Vector512<float> acc23)
    {
        // The block's 32 quants in both halves: one load and one insert into the upper half.
        Vector256<sbyte> half = Vector256.LoadUnsafe(ref x);
        Vector512<sbyte> both = Avx512F.InsertVector256(half.ToVector512Unsafe(), half, 1);
        Vector512<sbyte> negated = -both;
        Vector512<short> pairs01 = Avx512BW.MultiplyAddAdjacent(magnitudes01, Vector512.ConditionalSelect(negative01, negated, both));
        Vector512<short> pairs23 = Avx512BW.MultiplyAddAdjacent(magnitudes23, Vector512.ConditionalSelect(negative23, negated, both));
        Vector512<float> inputScale = Vector512.Create(xScale);
        return (
            Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(pairs01, Vector512<short>.One)), scales01 * inputScale, acc01),
            Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(pairs23, Vector512<short>.One)), scales23 * inputScale, acc23));
    }
}
