using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Codegen.Kernels;

/// <summary>
/// Causal multi-head attention over the CPU KV cache of one layer (layout in <see cref="KeyCache"/>),
/// with the head sizes compile-time constants (<see cref="IModelShape"/>). Each query head scores the keys
/// of positions 0..position, never a later one (the causal mask), scaled by 1/sqrt(HeadDim); a softmax
/// turns the scores into weights; the values are summed with those weights. Query heads share key/value
/// heads in groups of QueriesPerKvHead.
/// </summary>
/// <remarks>
/// <para>
/// With Vector256 (else Vector128) the scores of sixteen (eight) positions come from HeadDim
/// multiply-adds down the transposed keys, even dimensions into one chain and odd into another; the
/// softmax runs on the score row padded to whole vectors with -infinity, with vector exp, and its weights
/// stay unnormalized until the weighted sum is divided by their total. The weighted sum keeps one
/// accumulator per vector of the head (up to sixteen a pass over the positions); with one or two vectors
/// a head it takes four positions a step into four sets of accumulators, so the multiply-adds do not wait
/// on each other. The dimensions of a head past its last whole vector are summed one at a time. Without
/// SIMD, plain scalar loops.
/// </para>
/// <para>
/// Every sum is accumulated in the same order as in the per-model generated kernels this replaces, so the
/// results are bitwise the same: each accumulator receives the same terms in the same order, and
/// accumulators are combined in the same order; independent accumulators may be filled in separate passes.
/// The sizes reach the head code as arguments, so the JIT drops the code for other sizes before inlining
/// (see the remarks on <see cref="F32Products"/>).
/// </para>
/// </remarks>
public static partial class CpuAttention
{
    /// <summary>Vectors of a head whose weighted sums one pass over the positions keeps in registers.</summary>
    private const int VectorsAPass = 16;

    /// <summary>
    /// Attention of the newest position, <paramref name="position"/>, over the cache, for query heads
    /// [<paramref name="startHead"/>, <paramref name="endHead"/>): <paramref name="output"/> gets each head's
    /// HeadDim values at head * HeadDim. <paramref name="keys"/> and <paramref name="values"/> are one layer's
    /// caches, holding positions 0..position; <paramref name="scores"/> is scratch of [Heads, CachePositions].
    /// </summary>
    /// <typeparam name="TShape">The model's shape.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Attention<TShape>(Span<float> query, float[] keys, float[] values, int position, float[] scores, Span<float> output, int startHead, int endHead)
        where TShape : IModelShape =>
        AttentionOf<TShape>(query, keys, values, position, scores, output, startHead, endHead, TShape.HeadDim);

    /// <summary>
    /// Attention for each token of a prefill chunk, query heads [<paramref name="startHead"/>,
    /// <paramref name="endHead"/>): token t (rows of DModel in <paramref name="query"/> and
    /// <paramref name="output"/>), at position <paramref name="firstPosition"/> + t, sees the cache up to its
    /// own position, the chunk's earlier tokens included.
    /// </summary>
    /// <typeparam name="TShape">The model's shape.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AttentionBatch<TShape>(float[] query, float[] keys, float[] values, int firstPosition, int tokens, float[] scores, float[] output, int startHead, int endHead)
        where TShape : IModelShape
    {
        for (int t = 0; t < tokens; t++)
        {
            Attention<TShape>(query.AsSpan(t * TShape.DModel, TShape.DModel), keys, values, firstPosition + t, scores, output.AsSpan(t * TShape.DModel, TShape.DModel), startHead, endHead);
        }
    }

    /// <summary>
    /// <see cref="Attention{TShape}"/> with HeadDim, which every branch of the head code tests, as a (constant)
    /// argument; the other sizes only scale offsets. One size a call: see the remarks on <see cref="F32Products"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AttentionOf<TShape>(Span<float> query, float[] keys, float[] values, int position, float[] scores, Span<float> output, int startHead, int endHead, int headDim)
        where TShape : IModelShape
    {
        // The causal mask, and a sliding window's: the keys of positions first..position. The cache is read from the
        // start of first's block of KeyBlock positions, so the key layout stays aligned; the hidden positions
        // before first in that block get no weight.
        int first = position + 1 - TShape.AttentionWindow;
        int start = first <= 0 ? 0 : first & ~(KeyCache.KeyBlock - 1);
        int hidden = first <= 0 ? 0 : first - start;
        int count = position + 1 - start;
        // Scores are scaled by 1/sqrt(HeadDim) with a multiply, as llama.cpp and PyTorch scale them.
        float scoreScale = 1.0f / MathF.Sqrt(headDim);
        for (int head = startHead; head < endHead; head++)
        {
            int kvHead = head / TShape.QueriesPerKvHead;
            ref float headQuery = ref Unsafe.Add(ref MemoryMarshal.GetReference(query), head * headDim);
            ref float headKeys = ref keys[(kvHead * headDim * TShape.CachePositions) + (start * headDim)];
            ref float headValues = ref values[(start * TShape.KvDim) + (kvHead * headDim)];
            ref float headScores = ref scores[head * TShape.CachePositions];
            ref float headOutput = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), head * headDim);
            if (Vector256.IsHardwareAccelerated)
            {
                Head256(ref headQuery, ref headKeys, ref headValues, ref headScores, ref headOutput, count, hidden, scoreScale, headDim, TShape.KvDim);
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                Head128(ref headQuery, ref headKeys, ref headValues, ref headScores, ref headOutput, count, hidden, scoreScale, headDim, TShape.KvDim);
            }
            else
            {
                HeadScalar(ref headQuery, ref headKeys, ref headValues, ref headScores, ref headOutput, count, hidden, scoreScale, headDim, TShape.KvDim);
            }
        }
    }

    /// <summary>
    /// The weighted sum of a head's values past its last whole vector, dimensions [<paramref name="first"/>,
    /// HeadDim), each its own scalar sum over the positions, normalized into the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TailValues(int first, ref float headValues, ref float weights, ref float headOutput, int count, float inverseTotal, int headDim, int kvDim)
    {
        for (int d = first; d < headDim; d++)
        {
            float sum = 0;
            ref float value = ref Unsafe.Add(ref headValues, d);
            for (int t = 0; t < count; t++)
            {
                sum += Unsafe.Add(ref weights, t) * value;
                value = ref Unsafe.Add(ref value, kvDim);
            }

            Unsafe.Add(ref headOutput, d) = sum * inverseTotal;
        }
    }

    /// <summary>One head without SIMD: scores and their maximum, exponentials and their total, then each dimension's weighted sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HeadScalar(ref float headQuery, ref float headKeys, ref float headValues, ref float headScores, ref float headOutput, int count, int hidden, float scoreScale, int headDim, int kvDim)
    {
        const int KeyBlock = KeyCache.KeyBlock;
        float max = float.NegativeInfinity;
        for (int t = 0; t < count; t++)
        {
            float score = 0;
            for (int d = 0; d < headDim; d++)
            {
                score += Unsafe.Add(ref headQuery, d) * Unsafe.Add(ref headKeys, ((t & ~(KeyBlock - 1)) * headDim) + (d * KeyBlock) + (t & (KeyBlock - 1)));
            }

            score = t < hidden ? float.NegativeInfinity : score * scoreScale;
            Unsafe.Add(ref headScores, t) = score;
            max = MathF.Max(max, score);
        }

        float total = 0;
        for (int t = 0; t < count; t++)
        {
            float weight = MathF.Exp(Unsafe.Add(ref headScores, t) - max);
            Unsafe.Add(ref headScores, t) = weight;
            total += weight;
        }

        for (int d = 0; d < headDim; d++)
        {
            float sum = 0;
            for (int t = 0; t < count; t++)
            {
                sum += Unsafe.Add(ref headScores, t) * Unsafe.Add(ref headValues, (t * kvDim) + d);
            }

            Unsafe.Add(ref headOutput, d) = sum / total;
        }
    }
}
