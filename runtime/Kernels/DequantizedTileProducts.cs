using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Prefill's matrix-matrix product for 8-bit weights with AVX-512, for chunks of at least
/// <see cref="FeatureMajorProducts.MinimumTokens"/> tokens: the six weight rows of a tile are dequantized to float32
/// into a small panel (six rows of the matrix's columns, 48 KB at 2,048 columns), then multiplied by
/// <see cref="FeatureMajorProducts"/>' tile of six rows by 64 tokens against the feature-major copy of the input.
/// Dequantizing costs about four instructions for sixteen weights; the tile then spends four multiply-adds on each
/// weight (64 tokens), so the product runs at the float32 tiles' rate instead of the integer block products' (a sign,
/// two multiply-add pairs, a conversion and a scaling for every 32 weights and every token). 4-bit weights do not
/// come here: their integer products need no sign step (the quants are unsigned) and ran as fast as these tiles
/// (see docs/performance.md).
/// </summary>
/// <remarks>
/// The input is rounded to 8-bit blocks first, in the feature-major copy, exactly as the one-token products
/// (<see cref="Q8Kernels"/>) quantize it, so every output is the dequantized row times the
/// quantized input as there: a prompt's logits equal a decoded token's up to the order of float32 additions.
/// </remarks>
public static class DequantizedTileProducts
{
    /// <summary>This thread's panel of dequantized rows, grown to the largest size asked for.</summary>
    [ThreadStatic]
    private static float[]? dequantizedPanel;

    /// <summary>
    /// output[t, row] = matrix[row, :] · input[t, :] for rows [<paramref name="start"/>, <paramref name="end"/>)
    /// rounded down to whole tiles of <see cref="FeatureMajorProducts.RowsPerTile"/>, and tokens [0,
    /// <paramref name="tokens"/>); returns the first row not computed. Input rows have <paramref name="columns"/>
    /// values (the matrix's column count), output rows <paramref name="outputStride"/>. Call only where
    /// <see cref="FeatureMajorProducts.Applies"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int MultiplyRows(Q8Matrix matrix, ref float input, int columns, ref float output, int outputStride, int tokens, int start, int end)
    {
        const int RowsPerTile = FeatureMajorProducts.RowsPerTile;
        const int TokenBlock = FeatureMajorProducts.TokenBlock;
        int tileEnd = start + ((end - start) / RowsPerTile * RowsPerTile);
        if (tileEnd == start)
        {
            return start;
        }

        float[] transposed = FeatureMajorProducts.FeatureMajorBuffer(columns * TokenBlock);
        ref float inputByFeature = ref transposed[0];
        ref float panel = ref PanelBuffer(RowsPerTile * columns);
        Span<float> tile = stackalloc float[RowsPerTile * TokenBlock];
        ref float tileValues = ref tile[0];
        for (int first = 0; first < tokens; first += TokenBlock)
        {
            int count = Math.Min(TokenBlock, tokens - first);
            FeatureMajorProducts.CopyFeatureMajor(ref Unsafe.Add(ref input, first * columns), columns, count, ref inputByFeature, TokenBlock);
            RoundToEightBitBlocks(ref inputByFeature, columns);
            for (int row = start; row < tileEnd; row += RowsPerTile)
            {
                for (int r = 0; r < RowsPerTile; r++)
                {
                    DequantizeRow(matrix, row + r, columns, ref Unsafe.Add(ref panel, r * columns));
                }

                FeatureMajorProducts.MultiplyTile<float, Float32Broadcast>(ref panel, columns, ref inputByFeature, ref tileValues, count);
                FeatureMajorProducts.WriteTile(ref tileValues, RowsPerTile, TokenBlock, ref Unsafe.Add(ref output, (first * outputStride) + row), outputStride, count);
            }
        }

        return tileEnd;
    }

    /// <summary>
    /// Rounds every token's input in a feature-major block to what its 8-bit blocks stand for, exactly as
    /// <see cref="Q8Kernels.QuantizeVector"/> rounds it (scale = largest magnitude of the block's 32 columns / 127,
    /// quant = the value times the scale's inverse rounded to nearest even and clamped to [-127, 127]), times the scale:
    /// so the tiles compute what the one-token products compute, the dequantized row times the quantized input, up to
    /// the order of float32 additions. Each step handles one block of 32 columns for 64 tokens, sixteen tokens a register.
    /// </summary>
    private static void RoundToEightBitBlocks(ref float byFeature, int columns)
    {
        const int TokenBlock = FeatureMajorProducts.TokenBlock;
        Vector512<float> largestQuant = Vector512.Create(127f);
        for (int blockStart = 0; blockStart < columns; blockStart += Q8Kernels.BlockSize)
        {
            int blockColumns = Math.Min(Q8Kernels.BlockSize, columns - blockStart);
            ref float block = ref Unsafe.Add(ref byFeature, blockStart * TokenBlock);
            for (int lanes = 0; lanes < TokenBlock; lanes += Vector512<float>.Count)
            {
                ref float tokens = ref Unsafe.Add(ref block, lanes);
                Vector512<float> largest = Vector512<float>.Zero;
                for (int k = 0; k < blockColumns; k++)
                {
                    largest = Avx512F.Max(largest, Vector512.Abs(Vector512.LoadUnsafe(ref tokens, (nuint)(k * TokenBlock))));
                }

                Vector512<float> scale = largest / largestQuant;
                Vector512<float> inverse = Vector512.ConditionalSelect(Vector512.Equals(scale, Vector512<float>.Zero), Vector512<float>.Zero, Vector512<float>.One / scale);
                for (int k = 0; k < blockColumns; k++)
                {
                    ref float value = ref Unsafe.Add(ref tokens, k * TokenBlock);
                    Vector512<float> quant = Avx512F.RoundScale(Vector512.LoadUnsafe(ref value) * inverse, 0);
                    quant = Avx512F.Min(Avx512F.Max(quant, -largestQuant), largestQuant);
                    (quant * scale).StoreUnsafe(ref value);
                }
            }
        }
    }

    private static ref float PanelBuffer(int length)
    {
        float[]? buffer = dequantizedPanel;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[length];
            dequantizedPanel = buffer;
        }

        return ref buffer[0];
    }

    /// <summary>
    /// destination[k] = the matrix's value at (<paramref name="row"/>, k) for k in [0, <paramref name="columns"/>): each
    /// block's 32 quants sign-extended to float32 and multiplied by the block's scale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DequantizeRow(Q8Matrix matrix, int row, int columns, ref float destination)
    {
        ref sbyte quants = ref matrix.RowQuants(row);
        ref ushort scales = ref matrix.RowScales(row);
        int fullBlocks = columns / Q8Kernels.BlockSize;
        for (int b = 0; b < fullBlocks; b++)
        {
            ref sbyte block = ref Unsafe.Add(ref quants, b * Q8Kernels.GroupBlockQuants);
            Vector512<float> scale = Vector512.Create(Q8Kernels.ScaleToSingle(Unsafe.Add(ref scales, b * Q8Kernels.RowsPerGroup)));
            Vector512<float> low = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref block)));
            Vector512<float> high = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref block, 16)));
            (low * scale).StoreUnsafe(ref destination, (nuint)(b * Q8Kernels.BlockSize));
            (high * scale).StoreUnsafe(ref destination, (nuint)((b * Q8Kernels.BlockSize) + 16));
        }

        // A last block shorter than 32 columns (its stored quants zero-padded), value by value.
        for (int k = fullBlocks * Q8Kernels.BlockSize; k < columns; k++)
        {
            int b = k / Q8Kernels.BlockSize;
            sbyte quant = Unsafe.Add(ref quants, (b * Q8Kernels.GroupBlockQuants) + (k % Q8Kernels.BlockSize));
            Unsafe.Add(ref destination, k) = quant * Q8Kernels.ScaleToSingle(Unsafe.Add(ref scales, b * Q8Kernels.RowsPerGroup));
        }
    }
}
