using System;
using System.Runtime.CompilerServices;
using Codegen.Threading;
using K = Codegen.Benchmarks.Generic.RuntimeSizedMatrixKernels;
using V = Codegen.Benchmarks.Generic.RuntimeSizedVectorKernels;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// The benchmarks' baseline for the Llama family: the same forward pass as the generated session
/// (RMSNorm, rotary positions, grouped-query causal attention, SwiGLU, tied unembedding), hand-written
/// once for every shape, with every size read from the checkpoint's header at run time. Same kernels'
/// algorithms, same KV cache layout, same worker pool and the same rule for when to split a product;
/// what it lacks is only what constant sizes buy (unrolled loops, no remainder handling, constant
/// strides and offsets, registers allotted per shape). Prefill is batched, like the generated one:
/// chunks of up to 64 prompt tokens go through each layer as matrix-matrix products.
/// Not thread-safe; one session per sequence.
/// </summary>
public sealed class GenericLlamaSession : IInferenceSession
{
    private const float NormEpsilon = 1e-5f;
    private const float RopeTheta = 10000f;

    private readonly LlamaCheckpointWeights weights;
    private readonly WorkerPool pool;
    private readonly int dim;
    private readonly int kvDim;
    private readonly int hiddenDim;
    private readonly int heads;
    private readonly int vocab;
    private readonly int context;
    private readonly RuntimeSizedRotaryTable rotary;
    private readonly RuntimeSizedKeyValueCache cache;
    private readonly RuntimeSizedAttention attention;
    private readonly int parallelAttentionFromPosition;
    // Whether the products stream weight rows with a prefetch (weights larger than the caches) or read four rows interleaved.
    private readonly bool streamRows;

    // The residual stream: the current token's vector, refined layer by layer.
    private readonly float[] residual;
    // The residual stream after a norm: the input of every projection.
    private readonly float[] normalized;
    // The query of every head, concatenated, and this position's key before it goes into the cache.
    private readonly float[] query;
    private readonly float[] key;
    // The weighted sums of values of every head, concatenated.
    private readonly float[] attended;
    // The MLP's hidden vector, silu(gate) * up.
    private readonly float[] hidden;
    // One logit per token of the vocabulary.
    private readonly float[] logits;

    // Prefill: one row per token of a chunk of up to PrefillChunkTokens prompt tokens.
    private readonly float[] residualBatch;
    private readonly float[] normalizedBatch;
    private readonly float[] queryBatch;
    private readonly float[] keyBatch;
    private readonly float[] valueBatch;
    private readonly float[] attendedBatch;
    private readonly float[] projectedBatch;
    private readonly float[] gateBatch;
    private readonly float[] upBatch;

    // The layer being computed and the position(s) being fed: the steps below read them.
    private LlamaLayerWeights layer = null!;
    private int layerIndex;
    private int currentPosition;
    private int batchStart;
    private int batchCount;
    private int nextPosition;
    private bool disposed;

    // Row-range steps, bound once so that a token allocates nothing; each splits over the pool when large enough.
    private readonly RowStep projectQueryKeyValue;
    private readonly RowStep projectOutput;
    private readonly RowStep projectGateUp;
    private readonly RowStep projectDown;
    private readonly RowStep unembed;
    private readonly RowRangeAction attendHeads;
    private readonly RowStep prefillQueryKeyValue;
    private readonly RowStep prefillOutput;
    private readonly RowStep prefillGateUp;
    private readonly RowStep prefillDown;
    private readonly TokenStep prefillAttentionNorm;
    private readonly TokenStep prefillRotateAndStore;
    private readonly TokenStep prefillFfnNorm;
    private readonly RowRangeAction attendHeadsBatch;
    private readonly RowRangeAction unembedRows;

    private GenericLlamaSession(LlamaCheckpointWeights weights, WorkerPool pool)
    {
        this.weights = weights;
        this.pool = pool;
        dim = weights.Dim;
        kvDim = weights.KvDim;
        hiddenDim = weights.HiddenDim;
        heads = weights.Heads;
        vocab = weights.Vocab;
        context = weights.Context;
        rotary = new RuntimeSizedRotaryTable(context, weights.HeadDim, RopeTheta);
        cache = new RuntimeSizedKeyValueCache(weights.Layers, kvDim, weights.HeadDim, context);
        attention = new RuntimeSizedAttention(heads, weights.KvHeads, weights.HeadDim, cache.CachePositions);
        parallelAttentionFromPosition = ParallelSplit.AttentionFromPosition(dim);
        streamRows = WeightStreaming.StreamsRows(weights.Layers, dim, kvDim, hiddenDim, vocab);

        residual = new float[dim];
        normalized = new float[dim];
        query = new float[dim];
        key = new float[kvDim];
        attended = new float[dim];
        hidden = new float[hiddenDim];
        logits = new float[vocab];

        const int chunk = ParallelSplit.PrefillChunkTokens;
        residualBatch = new float[chunk * dim];
        normalizedBatch = new float[chunk * dim];
        queryBatch = new float[chunk * dim];
        keyBatch = new float[chunk * kvDim];
        valueBatch = new float[chunk * kvDim];
        attendedBatch = new float[chunk * dim];
        projectedBatch = new float[chunk * dim];
        gateBatch = new float[chunk * hiddenDim];
        upBatch = new float[chunk * hiddenDim];

        int queryKeyValueRows = dim + (2 * kvDim);
        projectQueryKeyValue = new RowStep(ProjectQueryKeyValue, queryKeyValueRows, (long)queryKeyValueRows * dim);
        projectOutput = new RowStep(ProjectOutputAddResidual, dim, (long)dim * dim);
        projectGateUp = new RowStep(ProjectGateUpSwiGlu, hiddenDim, 2L * hiddenDim * dim);
        projectDown = new RowStep(ProjectDownAddResidual, dim, (long)dim * hiddenDim);
        unembed = new RowStep(Unembed, vocab, (long)vocab * dim);
        attendHeads = AttendHeads;

        prefillQueryKeyValue = new RowStep(ProjectQueryKeyValueBatch, queryKeyValueRows, (long)queryKeyValueRows * dim * chunk, ParallelSplit.PrefillPiecesPerThread);
        prefillOutput = new RowStep(ProjectOutputAddResidualBatch, dim, (long)dim * dim * chunk, ParallelSplit.PrefillPiecesPerThread);
        prefillGateUp = new RowStep(ProjectGateUpSwiGluBatch, hiddenDim, 2L * hiddenDim * dim * chunk, ParallelSplit.PrefillPiecesPerThread);
        prefillDown = new RowStep(ProjectDownAddResidualBatch, dim, (long)dim * hiddenDim * chunk, ParallelSplit.PrefillPiecesPerThread);
        prefillAttentionNorm = new TokenStep((first, end) => NormalizeBatch(layer.AttentionNorm.Values, first, end), dim);
        prefillRotateAndStore = new TokenStep(RotateAndStoreBatch, dim + (2L * kvDim));
        prefillFfnNorm = new TokenStep((first, end) => NormalizeBatch(layer.FfnNorm.Values, first, end), dim);
        attendHeadsBatch = AttendBatch;
        unembedRows = Unembed;
    }

    /// <summary>Reads a llama2.c checkpoint, sizes from its header, and starts a session on the shared worker pool.</summary>
    public static GenericLlamaSession Load(string checkpointPath) =>
        new(LlamaCheckpointWeights.Load(checkpointPath), WorkerPool.Shared);

    /// <inheritdoc/>
    public int VocabularySize => vocab;

    /// <inheritdoc/>
    public int ContextLength => context;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Forward(int token, int position)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        SessionChecks.RequireToken(token, vocab);
        SessionChecks.RequirePosition(position, nextPosition, context);

        currentPosition = position;
        // Token embedding: the residual stream starts as the token's row of the embedding matrix.
        weights.TokenEmbedding.Values.Slice(token * dim, dim).CopyTo(residual);

        for (layerIndex = 0; layerIndex < weights.Layers; layerIndex++)
        {
            layer = weights.LayerWeights[layerIndex];

            // Attention block. RMSNorm, then the query, key and value projections in one pass over the
            // normalized vector; this position's value goes straight into the KV cache.
            V.RmsNorm(normalized, residual, layer.AttentionNorm.Values, NormEpsilon);
            projectQueryKeyValue.Run(pool);
            // Rotary positions on every query head and every key head, then the key into the cache.
            rotary.Rotate(query, key, position);
            cache.StoreKey(layerIndex, key, position);
            // Causal attention of every head over positions 0..position of the cache.
            if (position >= parallelAttentionFromPosition)
            {
                pool.Run(attendHeads, heads);
            }
            else
            {
                attendHeads(0, heads);
            }

            // Output projection of the concatenated heads, added back into the residual stream.
            projectOutput.Run(pool);

            // MLP block. RMSNorm, then SwiGLU: silu(gate . x) * (up . x), then the down projection added back.
            V.RmsNorm(normalized, residual, layer.FfnNorm.Values, NormEpsilon);
            projectGateUp.Run(pool);
            projectDown.Run(pool);
        }

        // Final RMSNorm and unembedding: one logit per token of the vocabulary.
        V.RmsNorm(normalized, residual, weights.FinalNorm.Values, NormEpsilon);
        unembed.Run(pool);
        nextPosition = position + 1;
        return logits;
    }

    /// <summary>
    /// Batched prefill: the prompt goes through the model in chunks of up to 64 tokens, each layer's
    /// projections as matrix-matrix products over the chunk; logits only for the last token.
    /// </summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        SessionChecks.RequirePrompt(tokens, position, nextPosition, context, vocab);

        for (int done = 0; done < tokens.Length; done += ParallelSplit.PrefillChunkTokens)
        {
            PrefillChunk(tokens.Slice(done, Math.Min(ParallelSplit.PrefillChunkTokens, tokens.Length - done)), position + done, lastChunk: done + ParallelSplit.PrefillChunkTokens >= tokens.Length);
        }

        // Final norm and unembedding of the last token only (row 0 of the last chunk's batch): the others' logits are not needed.
        V.RmsNorm(normalized, residualBatch.AsSpan(0, dim), weights.FinalNorm.Values, NormEpsilon);
        pool.Run(unembedRows, vocab, ParallelSplit.RowGranularity);
        nextPosition = position + tokens.Length;
        return logits;
    }

    /// <inheritdoc/>
    public void Reset() => nextPosition = 0;

    /// <summary>Ends the session; the cache is dropped with it.</summary>
    public void Dispose() => disposed = true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PrefillChunk(ReadOnlySpan<int> tokens, int firstPosition, bool lastChunk)
    {
        batchStart = firstPosition;
        batchCount = tokens.Length;
        // Token embedding: each token's row of the residual stream starts as its row of the embedding matrix.
        for (int t = 0; t < batchCount; t++)
        {
            weights.TokenEmbedding.Values.Slice(tokens[t] * dim, dim).CopyTo(residualBatch.AsSpan(t * dim, dim));
        }

        for (layerIndex = 0; layerIndex < weights.Layers; layerIndex++)
        {
            layer = weights.LayerWeights[layerIndex];

            // Attention block for every token of the chunk: RMSNorm, query/key/value products, rotary positions,
            // keys and values into the cache, then causal attention and the output product added back.
            prefillAttentionNorm.Run(pool, batchCount);
            prefillQueryKeyValue.Run(pool);
            prefillRotateAndStore.Run(pool, batchCount);
            if (lastChunk && layerIndex == weights.Layers - 1)
            {
                LastTokenOnly.Keep(residualBatch, queryBatch, dim, ref batchStart, ref batchCount);
            }

            // Causal attention of every token of the chunk (each sees the cache up to its own position), heads split over the pool.
            pool.Run(attendHeadsBatch, heads, 1, ParallelSplit.PrefillPiecesPerThread);
            prefillOutput.Run(pool);

            // MLP block for every token: RMSNorm, gate and up products with SwiGLU, down product added back.
            prefillFfnNorm.Run(pool, batchCount);
            prefillGateUp.Run(pool);
            prefillDown.Run(pool);
        }
    }

    private void NormalizeBatch(ReadOnlySpan<float> weight, int first, int end)
    {
        for (int t = first; t < end; t++)
        {
            V.RmsNorm(normalizedBatch.AsSpan(t * dim, dim), residualBatch.AsSpan(t * dim, dim), weight, NormEpsilon);
        }
    }

    private void RotateAndStoreBatch(int first, int end)
    {
        for (int t = first; t < end; t++)
        {
            int tokenPosition = batchStart + t;
            Span<float> tokenKey = keyBatch.AsSpan(t * kvDim, kvDim);
            rotary.Rotate(queryBatch.AsSpan(t * dim, dim), tokenKey, tokenPosition);
            valueBatch.AsSpan(t * kvDim, kvDim).CopyTo(cache.ValueRow(layerIndex, tokenPosition));
        }

        cache.StoreKeys(layerIndex, keyBatch, first, end, batchStart);
    }

    /// <summary>target[t, start..end) += source[t, start..end) for every token of the chunk: the rows one thread computed.</summary>
    private void AddRowsBatch(float[] target, float[] source, int stride, int start, int end)
    {
        for (int t = 0; t < batchCount; t++)
        {
            V.AddInPlace(target.AsSpan((t * stride) + start, end - start), source.AsSpan((t * stride) + start, end - start));
        }
    }

    /// <summary>Rows [0, dim) are the query, then kvDim rows of key, then kvDim rows of value (written into the cache).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectQueryKeyValue(int start, int end)
    {
        K.MultiplyRows(layer.Query.Values, dim, normalized, query, start, Math.Min(end, dim), streamRows);
        K.MultiplyRows(layer.Key.Values, dim, normalized, key, Math.Max(start - dim, 0), Math.Min(end - dim, kvDim), streamRows);
        K.MultiplyRows(layer.Value.Values, dim, normalized, cache.ValueRow(layerIndex, currentPosition), Math.Max(start - dim - kvDim, 0), Math.Min(end - dim - kvDim, kvDim), streamRows);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectOutputAddResidual(int start, int end) =>
        K.MultiplyRowsAddInto(layer.Output.Values, dim, attended, residual, start, end, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectGateUpSwiGlu(int start, int end) =>
        K.MultiplyRowsSwiGlu(layer.Gate.Values, layer.Up.Values, dim, normalized, hidden, start, end, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectDownAddResidual(int start, int end) =>
        K.MultiplyRowsAddInto(layer.Down.Values, hiddenDim, hidden, residual, start, end, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Unembed(int start, int end) =>
        K.MultiplyRows(weights.Unembedding.Values, dim, normalized, logits, start, end, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectQueryKeyValueBatch(int start, int end)
    {
        K.MultiplyRowsBatch(layer.Query.Values, dim, normalizedBatch, queryBatch, dim, batchCount, start, Math.Min(end, dim), streamRows);
        K.MultiplyRowsBatch(layer.Key.Values, dim, normalizedBatch, keyBatch, kvDim, batchCount, Math.Max(start - dim, 0), Math.Min(end - dim, kvDim), streamRows);
        K.MultiplyRowsBatch(layer.Value.Values, dim, normalizedBatch, valueBatch, kvDim, batchCount, Math.Max(start - dim - kvDim, 0), Math.Min(end - dim - kvDim, kvDim), streamRows);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectOutputAddResidualBatch(int start, int end)
    {
        K.MultiplyRowsBatch(layer.Output.Values, dim, attendedBatch, projectedBatch, dim, batchCount, start, end, streamRows);
        AddRowsBatch(residualBatch, projectedBatch, dim, start, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectGateUpSwiGluBatch(int start, int end)
    {
        K.MultiplyRowsBatch(layer.Gate.Values, dim, normalizedBatch, gateBatch, hiddenDim, batchCount, start, end, streamRows);
        K.MultiplyRowsBatch(layer.Up.Values, dim, normalizedBatch, upBatch, hiddenDim, batchCount, start, end, streamRows);
        for (int t = 0; t < batchCount; t++)
        {
            V.SwiGluInPlace(gateBatch.AsSpan((t * hiddenDim) + start, end - start), upBatch.AsSpan((t * hiddenDim) + start, end - start));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectDownAddResidualBatch(int start, int end)
    {
        K.MultiplyRowsBatch(layer.Down.Values, hiddenDim, gateBatch, projectedBatch, dim, batchCount, start, end, streamRows);
        AddRowsBatch(residualBatch, projectedBatch, dim, start, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AttendHeads(int startHead, int endHead) =>
        attention.Attend(query, cache.Keys(layerIndex), cache.Values(layerIndex), currentPosition, attended, startHead, endHead);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AttendBatch(int startHead, int endHead)
    {
        for (int t = 0; t < batchCount; t++)
        {
            attention.Attend(queryBatch.AsSpan(t * dim, dim), cache.Keys(layerIndex), cache.Values(layerIndex), batchStart + t, attendedBatch.AsSpan(t * dim, dim), startHead, endHead);
        }
    }
}
