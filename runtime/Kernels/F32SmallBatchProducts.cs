using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// The float32 product of a small batch, <see cref="TokenBlock"/> to <see cref="FeatureMajorProducts.MinimumTokens"/>
/// tokens (a batch session's decode step: one token of each sequence), with Vector256: the tokens in blocks of eight,
/// each block copied feature-major (for each column, its eight tokens' values side by side), then tiles of twelve
/// weight rows by every block: each weight is broadcast once and multiplied into eight tokens, twelve independent
/// accumulators, no horizontal sums. A tile's rows (twelve rows, under 40 KB at 768 columns) stay in cache while the
/// blocks go through them, so the weights are read from memory once. Tokens past the last whole block are left to
/// the caller (the row-major tiles of <see cref="F32BatchProducts"/>).
/// </summary>
/// <remarks>
/// Measured stand-alone, eight tokens over 226 MB of 768-column rows, two threads (Zen 5): 17.7-18.9 GB/s of weights
/// against 12-16.6 for the four-rows-by-three-tokens tiles with a prefetch of the next rows (plain reading: 25-30 GB/s
/// in the same runs). Each output is one sum over the columns in order, so results differ from the decode kernels' in
/// the last bits.
/// </remarks>
public static class F32SmallBatchProducts
{
    /// <summary>Tokens in one block: one Vector256 of float32.</summary>
    public const int TokenBlock = 8;

    /// <summary>Weight rows in one tile.</summary>
    public const int RowsPerTile = 12;

    /// <summary>Whether this processor and token count take this path (more tokens take <see cref="FeatureMajorProducts"/> or the row-major tiles).</summary>
    public static bool Applies(int tokens) => Fma.IsSupported && tokens >= TokenBlock && tokens < FeatureMajorProducts.MinimumTokens;

    /// <summary>
    /// output[t, row] = matrix[row, :] · input[t, :] for rows [<paramref name="start"/>, <paramref name="end"/>)
    /// rounded down to whole tiles of <see cref="RowsPerTile"/>, and the tokens of whole blocks,
    /// [0, <paramref name="tokens"/> / 8 * 8); returns the first row not computed. Input rows have
    /// <paramref name="columns"/> values, output rows <paramref name="outputStride"/>. Call only where <see cref="Applies"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int MultiplyRows(ref float matrix, int columns, ref float input, ref float output, int outputStride, int tokens, int start, int end)
    {
        int tileEnd = start + ((end - start) / RowsPerTile * RowsPerTile);
        int blocks = tokens / TokenBlock;
        if (tileEnd == start || blocks == 0)
        {
            return start;
        }

        int blockLength = columns * TokenBlock;
        float[] transposed = FeatureMajorProducts.FeatureMajorBuffer(blocks * blockLength);
        ref float byFeature = ref transposed[0];
        for (int block = 0; block < blocks; block++)
        {
            FeatureMajorProducts.CopyFeatureMajor(ref Unsafe.Add(ref input, block * blockLength), columns, TokenBlock, ref Unsafe.Add(ref byFeature, block * blockLength), TokenBlock);
        }

        Span<float> tile = stackalloc float[RowsPerTile * TokenBlock];
        ref float tileValues = ref tile[0];
        for (int row = start; row < tileEnd; row += RowsPerTile)
        {
            ref float rows = ref Unsafe.Add(ref matrix, (nint)row * columns);
            for (int block = 0; block < blocks; block++)
            {
                TwelveRowsEightTokens(ref rows, columns, ref Unsafe.Add(ref byFeature, block * blockLength), ref tileValues);
                FeatureMajorProducts.WriteTile(ref tileValues, RowsPerTile, TokenBlock, ref Unsafe.Add(ref output, (block * TokenBlock * outputStride) + row), outputStride, TokenBlock);
            }
        }

        return tileEnd;
    }

    /// <summary>Twelve weight rows by eight tokens: tile[r * 8 + t] = rows[r, :] · input[t, :].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwelveRowsEightTokens(ref float rows, int columns, ref float byFeature, ref float tile)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
        Vector256<float> s6 = default, s7 = default, s8 = default, s9 = default, s10 = default, s11 = default;
        nint n = columns;
        for (nint k = 0; k < n; k++)
        {
            Vector256<float> x = Vector256.LoadUnsafe(ref byFeature, (nuint)(k * TokenBlock));
            ref float weight = ref Unsafe.Add(ref rows, k);
            if ((k & 15) == 0)
            {
                // At each new cache line of the rows, the same line of the next tile's twelve rows.
                for (int r = RowsPerTile; r < 2 * RowsPerTile; r++)
                {
                    SimdMath.Prefetch(ref weight, r * n);
                }
            }

            s0 = Fma.MultiplyAdd(Vector256.Create(weight), x, s0);
            s1 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, n)), x, s1);
            s2 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 2 * n)), x, s2);
            s3 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 3 * n)), x, s3);
            s4 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 4 * n)), x, s4);
            s5 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 5 * n)), x, s5);
            s6 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 6 * n)), x, s6);
            s7 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 7 * n)), x, s7);
            s8 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 8 * n)), x, s8);
            s9 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 9 * n)), x, s9);
            s10 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 10 * n)), x, s10);
            s11 = Fma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref weight, 11 * n)), x, s11);
        }

        s0.StoreUnsafe(ref tile); s1.StoreUnsafe(ref tile, 8); s2.StoreUnsafe(ref tile, 16); s3.StoreUnsafe(ref tile, 24);
        s4.StoreUnsafe(ref tile, 32); s5.StoreUnsafe(ref tile, 40); s6.StoreUnsafe(ref tile, 48); s7.StoreUnsafe(ref tile, 56);
        s8.StoreUnsafe(ref tile, 64); s9.StoreUnsafe(ref tile, 72); s10.StoreUnsafe(ref tile, 80); s11.StoreUnsafe(ref tile, 88);
    }
}
