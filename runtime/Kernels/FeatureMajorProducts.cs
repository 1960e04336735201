using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Prefill's matrix-matrix product with AVX-512 for float32 and bf16 weights, for chunks of at least
/// <see cref="MinimumTokens"/> tokens: the chunk's input is first copied feature-major (for each column, the values of
/// up to 64 tokens side by side), so each weight, broadcast to a Vector512 of float32 (a bf16 weight widened on the
/// way: its bits are a float32's upper half), multiplies sixteen tokens in one instruction. A tile is six weight rows
/// by 64 tokens: 24 accumulators, four input loads and six broadcasts for 24 multiply-adds, no horizontal sums
/// (each accumulator lane is one token's output). The weights stay row-major as they are loaded; only the input
/// is reordered, once per call, which costs a copy of the input, not of the weights. 8-bit weights use the same
/// tiles through <see cref="DequantizedTileProducts"/>, six rows dequantized at a time.
/// </summary>
/// <remarks>
/// Measured stand-alone on the 110M shape's products (2 threads, Zen 5): 182-193 GFLOP/s against 121-196 for the
/// four-rows-by-three-tokens Vector256 tile, with a measured multiply-add peak of 224-232 (see docs/performance.md).
/// Each output is one sum over the columns in order, so results differ from the decode kernels' in the last bits.
/// </remarks>
public static class FeatureMajorProducts
{
    /// <summary>Tokens in one feature-major block: four Vector512s of sixteen.</summary>
    public const int TokenBlock = 64;

    /// <summary>Weight rows in one tile.</summary>
    public const int RowsPerTile = 6;

    /// <summary>Below this many tokens the row-major tiles of <see cref="F32BatchProducts"/> waste fewer lanes.</summary>
    public const int MinimumTokens = 24;

    /// <summary>
    /// The feature-major copy of the input, one per thread, grown to the largest size asked for; shared with
    /// <see cref="F32SmallBatchProducts"/> (a thread is in one product at a time).
    /// </summary>
    [ThreadStatic]
    private static float[]? featureMajorInput;

    /// <summary>Whether this processor and token count take the feature-major path.</summary>
    public static bool Applies(int tokens) => Avx512F.IsSupported && tokens >= MinimumTokens;

    /// <summary>
    /// output[t, row] = matrix[row, :] · input[t, :] for rows [<paramref name="start"/>, <paramref name="end"/>)
    /// rounded down to whole tiles of <see cref="RowsPerTile"/>, and tokens [0, <paramref name="tokens"/>); returns the
    /// first row not computed. Input rows have <paramref name="columns"/> values, output rows
    /// <paramref name="outputStride"/>. Call only where <see cref="Applies"/>.
    /// </summary>
    /// <typeparam name="TWeight">The stored weight: float for float32 rows, ushort for bf16 rows.</typeparam>
    /// <typeparam name="TBroadcast">How one stored weight becomes a Vector512 of float32.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int MultiplyRows<TWeight, TBroadcast>(ref TWeight matrix, int columns, ref float input, ref float output, int outputStride, int tokens, int start, int end)
        where TWeight : unmanaged
        where TBroadcast : IWeightBroadcast<TWeight>
    {
        int tileEnd = start + ((end - start) / RowsPerTile * RowsPerTile);
        if (tileEnd == start)
        {
            return start;
        }

        float[] transposed = FeatureMajorBuffer(columns * TokenBlock);
        ref float inputByFeature = ref transposed[0];
        Span<float> tile = stackalloc float[RowsPerTile * TokenBlock];
        ref float tileValues = ref tile[0];
        for (int first = 0; first < tokens; first += TokenBlock)
        {
            int count = Math.Min(TokenBlock, tokens - first);
            CopyFeatureMajor(ref Unsafe.Add(ref input, first * columns), columns, count, ref inputByFeature, TokenBlock);
            for (int row = start; row < tileEnd; row += RowsPerTile)
            {
                MultiplyTile<TWeight, TBroadcast>(ref Unsafe.Add(ref matrix, (nint)row * columns), columns, ref inputByFeature, ref tileValues, count);
                WriteTile(ref tileValues, RowsPerTile, TokenBlock, ref Unsafe.Add(ref output, (first * outputStride) + row), outputStride, count);
            }
        }

        return tileEnd;
    }

    /// <summary>
    /// One tile: tile[r * 64 + t] = rows[r, :] · input[t, :] for the six rows at <paramref name="rows"/> (row stride
    /// <paramref name="columns"/>) and the first <paramref name="count"/> tokens of a feature-major block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MultiplyTile<TWeight, TBroadcast>(ref TWeight rows, int columns, ref float byFeature, ref float tile, int count)
        where TWeight : unmanaged
        where TBroadcast : IWeightBroadcast<TWeight>
    {
        if (count > TokenBlock / 2)
        {
            SixRowsSixtyFourTokens<TWeight, TBroadcast>(ref rows, columns, ref byFeature, ref tile);
        }
        else
        {
            SixRowsThirtyTwoTokens<TWeight, TBroadcast>(ref rows, columns, ref byFeature, ref tile);
        }
    }

    /// <summary>
    /// A tile's values into the output: each accumulator held one weight row's outputs for a run of tokens, so
    /// output[t * outputStride + r] = tile[r * tokensPerRow + t] for the tile's <paramref name="rows"/> rows and
    /// <paramref name="count"/> tokens (this class's tiles: six rows of 64; <see cref="F32SmallBatchProducts"/>': twelve of 8).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteTile(ref float tile, int rows, int tokensPerRow, ref float output, int outputStride, int count)
    {
        for (int t = 0; t < count; t++)
        {
            ref float outputRow = ref Unsafe.Add(ref output, t * outputStride);
            for (int r = 0; r < rows; r++)
            {
                Unsafe.Add(ref outputRow, r) = Unsafe.Add(ref tile, (r * tokensPerRow) + t);
            }
        }
    }

    /// <summary>
    /// This thread's buffer for a feature-major copy of at least <paramref name="length"/> values: allocated zeroed, so
    /// the lanes of tokens past a block's count only ever hold zeros or earlier inputs, never arbitrary bits.
    /// </summary>
    internal static float[] FeatureMajorBuffer(int length)
    {
        float[]? buffer = featureMajorInput;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[length];
            featureMajorInput = buffer;
        }

        return buffer;
    }

    /// <summary>
    /// byFeature[k * stride + t] = input[t * columns + k] for <paramref name="count"/> tokens, eight tokens by eight
    /// columns a step (an 8x8 transpose in registers); lanes of tokens past <paramref name="count"/> keep whatever they
    /// held, and their outputs are never written.
    /// </summary>
    internal static void CopyFeatureMajor(ref float input, int columns, int count, ref float byFeature, int stride)
    {
        int t = 0;
        for (; t + 8 <= count; t += 8)
        {
            ref float rows = ref Unsafe.Add(ref input, t * columns);
            int k = 0;
            for (; k + 8 <= columns; k += 8)
            {
                TransposeEightByEight(ref Unsafe.Add(ref rows, k), columns, ref Unsafe.Add(ref byFeature, (k * stride) + t), stride);
            }

            for (; k < columns; k++)
            {
                for (int j = 0; j < 8; j++)
                {
                    Unsafe.Add(ref byFeature, (k * stride) + t + j) = Unsafe.Add(ref rows, (j * columns) + k);
                }
            }
        }

        for (; t < count; t++)
        {
            ref float row = ref Unsafe.Add(ref input, t * columns);
            for (int k = 0; k < columns; k++)
            {
                Unsafe.Add(ref byFeature, (k * stride) + t) = Unsafe.Add(ref row, k);
            }
        }
    }

    /// <summary>Eight values of eight rows (row stride <paramref name="stride"/>) into eight rows of eight (stride <paramref name="destinationStride"/>), transposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeEightByEight(ref float source, int stride, ref float destination, int destinationStride)
    {
        nuint s = (nuint)stride;
        nuint d = (nuint)destinationStride;
        Vector256<float> r0 = Vector256.LoadUnsafe(ref source), r1 = Vector256.LoadUnsafe(ref source, s);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref source, 2 * s), r3 = Vector256.LoadUnsafe(ref source, 3 * s);
        Vector256<float> r4 = Vector256.LoadUnsafe(ref source, 4 * s), r5 = Vector256.LoadUnsafe(ref source, 5 * s);
        Vector256<float> r6 = Vector256.LoadUnsafe(ref source, 6 * s), r7 = Vector256.LoadUnsafe(ref source, 7 * s);

        // Pairs of rows interleaved, then pairs of pairs, then the two 128-bit halves swapped across.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> q0 = Avx.Shuffle(t0, t2, 0x44), q1 = Avx.Shuffle(t0, t2, 0xEE), q2 = Avx.Shuffle(t1, t3, 0x44), q3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> q4 = Avx.Shuffle(t4, t6, 0x44), q5 = Avx.Shuffle(t4, t6, 0xEE), q6 = Avx.Shuffle(t5, t7, 0x44), q7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(q0, q4, 0x20).StoreUnsafe(ref destination);
        Avx.Permute2x128(q1, q5, 0x20).StoreUnsafe(ref destination, d);
        Avx.Permute2x128(q2, q6, 0x20).StoreUnsafe(ref destination, 2 * d);
        Avx.Permute2x128(q3, q7, 0x20).StoreUnsafe(ref destination, 3 * d);
        Avx.Permute2x128(q0, q4, 0x31).StoreUnsafe(ref destination, 4 * d);
        Avx.Permute2x128(q1, q5, 0x31).StoreUnsafe(ref destination, 5 * d);
        Avx.Permute2x128(q2, q6, 0x31).StoreUnsafe(ref destination, 6 * d);
        Avx.Permute2x128(q3, q7, 0x31).StoreUnsafe(ref destination, 7 * d);
    }

    /// <summary>Six weight rows by 64 tokens: tile[r * 64 + t] = rows[r, :] · input[t, :].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SixRowsSixtyFourTokens<TWeight, TBroadcast>(ref TWeight rows, int columns, ref float byFeature, ref float tile)
        where TWeight : unmanaged
        where TBroadcast : IWeightBroadcast<TWeight>
    {
        Vector512<float> a0 = default, b0 = default, c0 = default, d0 = default;
        Vector512<float> a1 = default, b1 = default, c1 = default, d1 = default;
        Vector512<float> a2 = default, b2 = default, c2 = default, d2 = default;
        Vector512<float> a3 = default, b3 = default, c3 = default, d3 = default;
        Vector512<float> a4 = default, b4 = default, c4 = default, d4 = default;
        Vector512<float> a5 = default, b5 = default, c5 = default, d5 = default;
        nint n = columns;
        ref float tokensOfFeature = ref byFeature;
        for (nint k = 0; k < n; k++)
        {
            Vector512<float> x0 = Vector512.LoadUnsafe(ref tokensOfFeature);
            Vector512<float> x1 = Vector512.LoadUnsafe(ref tokensOfFeature, 16);
            Vector512<float> x2 = Vector512.LoadUnsafe(ref tokensOfFeature, 32);
            Vector512<float> x3 = Vector512.LoadUnsafe(ref tokensOfFeature, 48);
            tokensOfFeature = ref Unsafe.Add(ref tokensOfFeature, TokenBlock);
            Vector512<float> w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, k));
            a0 = Avx512F.FusedMultiplyAdd(w, x0, a0); b0 = Avx512F.FusedMultiplyAdd(w, x1, b0); c0 = Avx512F.FusedMultiplyAdd(w, x2, c0); d0 = Avx512F.FusedMultiplyAdd(w, x3, d0);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, n + k));
            a1 = Avx512F.FusedMultiplyAdd(w, x0, a1); b1 = Avx512F.FusedMultiplyAdd(w, x1, b1); c1 = Avx512F.FusedMultiplyAdd(w, x2, c1); d1 = Avx512F.FusedMultiplyAdd(w, x3, d1);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, (2 * n) + k));
            a2 = Avx512F.FusedMultiplyAdd(w, x0, a2); b2 = Avx512F.FusedMultiplyAdd(w, x1, b2); c2 = Avx512F.FusedMultiplyAdd(w, x2, c2); d2 = Avx512F.FusedMultiplyAdd(w, x3, d2);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, (3 * n) + k));
            a3 = Avx512F.FusedMultiplyAdd(w, x0, a3); b3 = Avx512F.FusedMultiplyAdd(w, x1, b3); c3 = Avx512F.FusedMultiplyAdd(w, x2, c3); d3 = Avx512F.FusedMultiplyAdd(w, x3, d3);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, (4 * n) + k));
            a4 = Avx512F.FusedMultiplyAdd(w, x0, a4); b4 = Avx512F.FusedMultiplyAdd(w, x1, b4); c4 = Avx512F.FusedMultiplyAdd(w, x2, c4); d4 = Avx512F.FusedMultiplyAdd(w, x3, d4);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, (5 * n) + k));
            a5 = Avx512F.FusedMultiplyAdd(w, x0, a5); b5 = Avx512F.FusedMultiplyAdd(w, x1, b5); c5 = Avx512F.FusedMultiplyAdd(w, x2, c5); d5 = Avx512F.FusedMultiplyAdd(w, x3, d5);
        }

        StoreRow(ref tile, 0, a0, b0, c0, d0);
        StoreRow(ref tile, 1, a1, b1, c1, d1);
        StoreRow(ref tile, 2, a2, b2, c2, d2);
        StoreRow(ref tile, 3, a3, b3, c3, d3);
        StoreRow(ref tile, 4, a4, b4, c4, d4);
        StoreRow(ref tile, 5, a5, b5, c5, d5);
    }

    /// <summary>Six weight rows by 32 tokens (a block of at most 32): tile[r * 64 + t] = rows[r, :] · input[t, :].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SixRowsThirtyTwoTokens<TWeight, TBroadcast>(ref TWeight rows, int columns, ref float byFeature, ref float tile)
        where TWeight : unmanaged
        where TBroadcast : IWeightBroadcast<TWeight>
    {
        Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
        Vector512<float> a3 = default, b3 = default, a4 = default, b4 = default, a5 = default, b5 = default;
        nint n = columns;
        ref float tokensOfFeature = ref byFeature;
        for (nint k = 0; k < n; k++)
        {
            Vector512<float> x0 = Vector512.LoadUnsafe(ref tokensOfFeature);
            Vector512<float> x1 = Vector512.LoadUnsafe(ref tokensOfFeature, 16);
            tokensOfFeature = ref Unsafe.Add(ref tokensOfFeature, TokenBlock);
            Vector512<float> w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, k));
            a0 = Avx512F.FusedMultiplyAdd(w, x0, a0); b0 = Avx512F.FusedMultiplyAdd(w, x1, b0);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, n + k));
            a1 = Avx512F.FusedMultiplyAdd(w, x0, a1); b1 = Avx512F.FusedMultiplyAdd(w, x1, b1);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, (2 * n) + k));
            a2 = Avx512F.FusedMultiplyAdd(w, x0, a2); b2 = Avx512F.FusedMultiplyAdd(w, x1, b2);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, (3 * n) + k));
            a3 = Avx512F.FusedMultiplyAdd(w, x0, a3); b3 = Avx512F.FusedMultiplyAdd(w, x1, b3);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, (4 * n) + k));
            a4 = Avx512F.FusedMultiplyAdd(w, x0, a4); b4 = Avx512F.FusedMultiplyAdd(w, x1, b4);
            w = TBroadcast.Broadcast(ref Unsafe.Add(ref rows, (5 * n) + k));
            a5 = Avx512F.FusedMultiplyAdd(w, x0, a5); b5 = Avx512F.FusedMultiplyAdd(w, x1, b5);
        }

        StoreRow(ref tile, 0, a0, b0, Vector512<float>.Zero, Vector512<float>.Zero);
        StoreRow(ref tile, 1, a1, b1, Vector512<float>.Zero, Vector512<float>.Zero);
        StoreRow(ref tile, 2, a2, b2, Vector512<float>.Zero, Vector512<float>.Zero);
        StoreRow(ref tile, 3, a3, b3, Vector512<float>.Zero, Vector512<float>.Zero);
        StoreRow(ref tile, 4, a4, b4, Vector512<float>.Zero, Vector512<float>.Zero);
        StoreRow(ref tile, 5, a5, b5, Vector512<float>.Zero, Vector512<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref float tile, int row, Vector512<float> tokens0, Vector512<float> tokens16, Vector512<float> tokens32, Vector512<float> tokens48)
    {
        ref float start = ref Unsafe.Add(ref tile, row * TokenBlock);
        tokens0.StoreUnsafe(ref start);
        tokens16.StoreUnsafe(ref start, 16);
        tokens32.StoreUnsafe(ref start, 32);
        tokens48.StoreUnsafe(ref start, 48);
    }
}

/// <summary>How <see cref="FeatureMajorProducts"/> turns one stored weight into a Vector512 of float32.</summary>
/// <typeparam name="TWeight">The stored weight.</typeparam>
public interface IWeightBroadcast<TWeight>
    where TWeight : unmanaged
{
    /// <summary>The weight at <paramref name="weight"/> as float32, in every lane.</summary>
    static abstract Vector512<float> Broadcast(ref TWeight weight);
}

/// <summary>A float32 weight, broadcast as it is.</summary>
public readonly struct Float32Broadcast : IWeightBroadcast<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(ref float weight) => Vector512.Create(weight);
}

/// <summary>A bf16 weight: its sixteen bits broadcast, then shifted into the upper half of each float32 lane.</summary>
public readonly struct Bf16Broadcast : IWeightBroadcast<ushort>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(ref ushort weight) => (Vector512.Create(weight).AsUInt32() << 16).AsSingle();
}
