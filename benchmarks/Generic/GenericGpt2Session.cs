using System;
using System.Runtime.CompilerServices;
using Codegen.Threading;
using K = Codegen.Benchmarks.Generic.RuntimeSizedMatrixKernels;
using V = Codegen.Benchmarks.Generic.RuntimeSizedVectorKernels;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// The benchmarks' baseline for the GPT-2 family: the same forward pass as the generated session
/// (LayerNorm with bias, learned positions, causal attention with biased query/key/value, tanh GELU
/// MLP, unembedding tied to the token embedding), hand-written once for every shape, with every size
/// read from config.json at run time. Same kernels' algorithms, same KV cache layout, same worker pool
/// and the same rule for when to split a product; what it lacks is only what constant sizes buy.
/// Prefill is batched, like the generated one: chunks of up to 64 prompt tokens go through each layer
/// as matrix-matrix products. Not thread-safe; one session per sequence.
/// </summary>
public sealed class GenericGpt2Session : IInferenceSession
{
    private readonly Gpt2FolderWeights weights;
    private readonly WorkerPool pool;
    private readonly int dim;
    private readonly int innerDim;
    private readonly int heads;
    private readonly int vocab;
    private readonly int context;
    private readonly float epsilon;
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
    // The MLP's hidden vector, after GELU.
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
    private readonly float[] hiddenBatch;

    // The layer being computed and the position(s) being fed: the steps below read them.
    private Gpt2LayerWeights layer = null!;
    private int layerIndex;
    private int currentPosition;
    private int batchStart;
    private int batchCount;
    private int nextPosition;
    private bool disposed;

    // Row-range steps, bound once so that a token allocates nothing; each splits over the pool when large enough.
    private readonly RowStep projectQueryKeyValue;
    private readonly RowStep projectOutput;
    private readonly RowStep projectUp;
    private readonly RowStep projectDown;
    private readonly RowStep unembed;
    private readonly RowRangeAction attendHeads;
    private readonly RowStep prefillQueryKeyValue;
    private readonly RowStep prefillOutput;
    private readonly RowStep prefillUp;
    private readonly RowStep prefillDown;
    private readonly TokenStep prefillAttentionNorm;
    private readonly TokenStep prefillBiasAndStore;
    private readonly TokenStep prefillFfnNorm;
    private readonly RowRangeAction attendHeadsBatch;
    private readonly RowRangeAction unembedRows;

    private GenericGpt2Session(Gpt2FolderWeights weights, WorkerPool pool)
    {
        this.weights = weights;
        this.pool = pool;
        dim = weights.Dim;
        innerDim = weights.InnerDim;
        heads = weights.Heads;
        vocab = weights.Vocab;
        context = weights.Context;
        epsilon = weights.NormEpsilon;
        cache = new RuntimeSizedKeyValueCache(weights.Layers, dim, weights.HeadDim, context);
        attention = new RuntimeSizedAttention(heads, heads, weights.HeadDim, cache.CachePositions);
        parallelAttentionFromPosition = ParallelSplit.AttentionFromPosition(dim);
        streamRows = WeightStreaming.StreamsRows(weights.Layers, dim, dim, innerDim, vocab);

        residual = new float[dim];
        normalized = new float[dim];
        query = new float[dim];
        key = new float[dim];
        attended = new float[dim];
        hidden = new float[innerDim];
        logits = new float[vocab];

        const int chunk = ParallelSplit.PrefillChunkTokens;
        residualBatch = new float[chunk * dim];
        normalizedBatch = new float[chunk * dim];
        queryBatch = new float[chunk * dim];
        keyBatch = new float[chunk * dim];
        valueBatch = new float[chunk * dim];
        attendedBatch = new float[chunk * dim];
        projectedBatch = new float[chunk * dim];
        hiddenBatch = new float[chunk * innerDim];

        projectQueryKeyValue = new RowStep(ProjectQueryKeyValue, 3 * dim, 3L * dim * dim);
        projectOutput = new RowStep(ProjectOutputAddResidual, dim, (long)dim * dim);
        projectUp = new RowStep(ProjectUpGelu, innerDim, (long)innerDim * dim);
        projectDown = new RowStep(ProjectDownAddResidual, dim, (long)dim * innerDim);
        unembed = new RowStep(Unembed, vocab, (long)vocab * dim);
        attendHeads = AttendHeads;

        prefillQueryKeyValue = new RowStep(ProjectQueryKeyValueBatch, 3 * dim, 3L * dim * dim * chunk, ParallelSplit.PrefillPiecesPerThread);
        prefillOutput = new RowStep(ProjectOutputAddResidualBatch, dim, (long)dim * dim * chunk, ParallelSplit.PrefillPiecesPerThread);
        prefillUp = new RowStep(ProjectUpGeluBatch, innerDim, (long)innerDim * dim * chunk, ParallelSplit.PrefillPiecesPerThread);
        prefillDown = new RowStep(ProjectDownAddResidualBatch, dim, (long)dim * innerDim * chunk, ParallelSplit.PrefillPiecesPerThread);
        prefillAttentionNorm = new TokenStep((first, end) => NormalizeBatch(layer.AttentionNorm.Values, layer.AttentionNormBias.Values, first, end), dim);
        prefillBiasAndStore = new TokenStep(AddBiasesAndStoreBatch, 3L * dim);
        prefillFfnNorm = new TokenStep((first, end) => NormalizeBatch(layer.FfnNorm.Values, layer.FfnNormBias.Values, first, end), dim);
        attendHeadsBatch = AttendBatch;
        unembedRows = Unembed;
    }

    /// <summary>Reads a Hugging Face GPT-2 folder, sizes from its config.json, and starts a session on the shared worker pool.</summary>
    public static GenericGpt2Session Load(string folder) =>
        new(Gpt2FolderWeights.Load(folder), WorkerPool.Shared);

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
        // Token and position embeddings: the residual stream starts as their sum.
        weights.TokenEmbedding.Values.Slice(token * dim, dim).CopyTo(residual);
        V.AddInPlace(residual, weights.PositionEmbedding.Values.Slice(position * dim, dim));

        for (layerIndex = 0; layerIndex < weights.Layers; layerIndex++)
        {
            layer = weights.LayerWeights[layerIndex];

            // Attention block. LayerNorm, then the query, key and value projections (with biases) in one pass;
            // this position's value goes straight into the KV cache, its key after a transpose.
            V.LayerNorm(normalized, residual, layer.AttentionNorm.Values, layer.AttentionNormBias.Values, epsilon);
            projectQueryKeyValue.Run(pool);
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

            // Output projection of the concatenated heads plus its bias, added back into the residual stream.
            projectOutput.Run(pool);

            // MLP block. LayerNorm, up projection with bias and GELU, down projection plus bias added back.
            V.LayerNorm(normalized, residual, layer.FfnNorm.Values, layer.FfnNormBias.Values, epsilon);
            projectUp.Run(pool);
            projectDown.Run(pool);
        }

        // Final LayerNorm and unembedding with the token embedding: one logit per token of the vocabulary.
        V.LayerNorm(normalized, residual, weights.FinalNorm.Values, weights.FinalNormBias.Values, epsilon);
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
        V.LayerNorm(normalized, residualBatch.AsSpan(0, dim), weights.FinalNorm.Values, weights.FinalNormBias.Values, epsilon);
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
        // Token and position embeddings: each token's row of the residual stream starts as their sum.
        for (int t = 0; t < batchCount; t++)
        {
            Span<float> row = residualBatch.AsSpan(t * dim, dim);
            weights.TokenEmbedding.Values.Slice(tokens[t] * dim, dim).CopyTo(row);
            V.AddInPlace(row, weights.PositionEmbedding.Values.Slice((firstPosition + t) * dim, dim));
        }

        for (layerIndex = 0; layerIndex < weights.Layers; layerIndex++)
        {
            layer = weights.LayerWeights[layerIndex];

            // Attention block for every token of the chunk: LayerNorm, query/key/value products plus biases,
            // keys and values into the cache, then causal attention and the output product plus bias added back.
            prefillAttentionNorm.Run(pool, batchCount);
            prefillQueryKeyValue.Run(pool);
            prefillBiasAndStore.Run(pool, batchCount);
            if (lastChunk && layerIndex == weights.Layers - 1)
            {
                LastTokenOnly.Keep(residualBatch, queryBatch, dim, ref batchStart, ref batchCount);
            }

            // Causal attention of every token of the chunk (each sees the cache up to its own position), heads split over the pool.
            pool.Run(attendHeadsBatch, heads, 1, ParallelSplit.PrefillPiecesPerThread);
            prefillOutput.Run(pool);

            // MLP block for every token: LayerNorm, up product with bias and GELU, down product plus bias added back.
            prefillFfnNorm.Run(pool, batchCount);
            prefillUp.Run(pool);
            prefillDown.Run(pool);
        }
    }

    private void NormalizeBatch(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int first, int end)
    {
        for (int t = first; t < end; t++)
        {
            V.LayerNorm(normalizedBatch.AsSpan(t * dim, dim), residualBatch.AsSpan(t * dim, dim), weight, bias, epsilon);
        }
    }

    private void AddBiasesAndStoreBatch(int first, int end)
    {
        for (int t = first; t < end; t++)
        {
            int tokenPosition = batchStart + t;
            Span<float> tokenKey = keyBatch.AsSpan(t * dim, dim);
            Span<float> tokenValue = valueBatch.AsSpan(t * dim, dim);
            V.AddInPlace(queryBatch.AsSpan(t * dim, dim), layer.QueryBias.Values);
            V.AddInPlace(tokenKey, layer.KeyBias.Values);
            V.AddInPlace(tokenValue, layer.ValueBias.Values);
            tokenValue.CopyTo(cache.ValueRow(layerIndex, tokenPosition));
        }

        cache.StoreKeys(layerIndex, keyBatch, first, end, batchStart);
    }

    /// <summary>The rows [start, end) one thread computed, for every token of the chunk: plus bias, then added into the residual stream.</summary>
    private void AddBiasAndResidualRows(ReadOnlySpan<float> bias, int start, int end)
    {
        for (int t = 0; t < batchCount; t++)
        {
            Span<float> rows = projectedBatch.AsSpan((t * dim) + start, end - start);
            V.AddInPlace(rows, bias.Slice(start, end - start));
            V.AddInPlace(residualBatch.AsSpan((t * dim) + start, end - start), rows);
        }
    }

    /// <summary>Rows [0, dim) are the query, then dim rows of key, then dim rows of value (written into the cache), each plus its bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectQueryKeyValue(int start, int end)
    {
        int queryEnd = Math.Min(end, dim);
        K.MultiplyRows(layer.Query.Values, dim, normalized, query, start, queryEnd, streamRows);
        V.AddBias(query, layer.QueryBias.Values, start, queryEnd);
        int keyStart = Math.Max(start - dim, 0), keyEnd = Math.Min(end - dim, dim);
        K.MultiplyRows(layer.Key.Values, dim, normalized, key, keyStart, keyEnd, streamRows);
        V.AddBias(key, layer.KeyBias.Values, keyStart, keyEnd);
        int valueStart = Math.Max(start - (2 * dim), 0), valueEnd = Math.Min(end - (2 * dim), dim);
        Span<float> value = cache.ValueRow(layerIndex, currentPosition);
        K.MultiplyRows(layer.Value.Values, dim, normalized, value, valueStart, valueEnd, streamRows);
        V.AddBias(value, layer.ValueBias.Values, valueStart, valueEnd);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectOutputAddResidual(int start, int end) =>
        K.MultiplyRowsWithBiasAddInto(layer.Output.Values, layer.OutputBias.Values, dim, attended, residual, start, end, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectUpGelu(int start, int end) =>
        K.MultiplyRowsWithBiasGelu(layer.Up.Values, layer.UpBias.Values, dim, normalized, hidden, start, end, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectDownAddResidual(int start, int end) =>
        K.MultiplyRowsWithBiasAddInto(layer.Down.Values, layer.DownBias.Values, innerDim, hidden, residual, start, end, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Unembed(int start, int end) =>
        K.MultiplyRows(weights.TokenEmbedding.Values, dim, normalized, logits, start, end, streamRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectQueryKeyValueBatch(int start, int end)
    {
        K.MultiplyRowsBatch(layer.Query.Values, dim, normalizedBatch, queryBatch, dim, batchCount, start, Math.Min(end, dim), streamRows);
        K.MultiplyRowsBatch(layer.Key.Values, dim, normalizedBatch, keyBatch, dim, batchCount, Math.Max(start - dim, 0), Math.Min(end - dim, dim), streamRows);
        K.MultiplyRowsBatch(layer.Value.Values, dim, normalizedBatch, valueBatch, dim, batchCount, Math.Max(start - (2 * dim), 0), Math.Min(end - (2 * dim), dim), streamRows);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectOutputAddResidualBatch(int start, int end)
    {
        K.MultiplyRowsBatch(layer.Output.Values, dim, attendedBatch, projectedBatch, dim, batchCount, start, end, streamRows);
        AddBiasAndResidualRows(layer.OutputBias.Values, start, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectUpGeluBatch(int start, int end)
    {
        K.MultiplyRowsBatch(layer.Up.Values, dim, normalizedBatch, hiddenBatch, innerDim, batchCount, start, end, streamRows);
        for (int t = 0; t < batchCount; t++)
        {
            V.AddBiasGeluInPlace(hiddenBatch.AsSpan((t * innerDim) + start, end - start), layer.UpBias.Values.Slice(start, end - start));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProjectDownAddResidualBatch(int start, int end)
    {
        K.MultiplyRowsBatch(layer.Down.Values, innerDim, hiddenBatch, projectedBatch, dim, batchCount, start, end, streamRows);
        AddBiasAndResidualRows(layer.DownBias.Values, start, end);
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
