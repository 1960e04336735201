using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;
using Codegen.Tuning;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes prefill into the CPU session: the prompt goes through the model in chunks of tokens, each
/// layer's products as matrix-matrix products over the chunk, attention for all of the chunk's
/// positions at once, and logits only for the last token.
/// </summary>
internal static class CpuPrefillEmitter
{

    /// <summary>
    /// A loop over the chunk's tokens (a norm, rotary positions, the cache stores), split over the pool
    /// when the chunk is big enough. Its size counts four multiply-adds per value it touches: a norm
    /// reads every value twice and divides, which measured about four times a product's time per value.
    /// </summary>
    public static CpuStep TokenStep(string field, string call, long valuesPerToken) => new(field, call, "batchCount", TuningConstants.TokenStepCostPerValue * valuesPerToken * TuningConstants.PrefillChunkTokens, TuningConstants.PrefillPiecesPerThread);

    public static void EmitAttentionDispatch(IndentedWriter w)
    {
        w.Line("// Causal attention of every token of the chunk, heads split over the pool.");
        w.Line($"pool.Run(attendBatch[layerIndex], Heads, granularity: 1, piecesPerThread: {TuningConstants.PrefillPiecesPerThread});");
    }

    public static void EmitFields(IndentedWriter w, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        w.Line();
        w.Line("// Prefill: one row per token of a chunk of up to PrefillChunkTokens prompt tokens.");
        w.Line("private readonly float[] residualBatch = new float[PrefillChunkTokens * DModel];");
        w.Line("private readonly float[] normalizedBatch = new float[PrefillChunkTokens * DModel];");
        w.Line("private readonly float[] queryBatch = new float[PrefillChunkTokens * DModel];");
        w.Line("private readonly float[] keyBatch = new float[PrefillChunkTokens * KvDim];");
        w.Line("private readonly float[] valueBatch = new float[PrefillChunkTokens * KvDim];");
        w.Line("private readonly float[] attentionBatch = new float[PrefillChunkTokens * DModel];");
        w.Line("private readonly float[] projectedBatch = new float[PrefillChunkTokens * DModel];");
        w.Line("private readonly float[] hiddenBatch = new float[PrefillChunkTokens * FfnDim];");
        if (HasSwiGlu(plan))
        {
            w.Line("private readonly float[] upBatch = new float[PrefillChunkTokens * FfnDim];");
        }
        w.Line("private int batchStart;");
        w.Line("private int batchCount;");
        CpuStep.EmitFields(w, steps);
        w.Line($"private readonly {Names.RowRangeAction}[] attendBatch = new {Names.RowRangeAction}[Layers];");
    }

    public static void EmitBindings(IndentedWriter w, IReadOnlyList<CpuStep> steps)
    {
        CpuStep.EmitBindings(w, steps, perLayer: true);
        w.Line("attendBatch[i] = (startHead, endHead) => CpuKernels.AttentionBatch(queryBatch, keys, values, batchStart, batchCount, scores, attentionBatch, startHead, endHead);");
    }

    public static void EmitMethods(IndentedWriter w, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block($"protected override {Names.ReadOnlySpan}<float> LastPromptTokenLogits()"))
        {
            w.Line("// Final norm and unembedding of the last token only (row 0 of the last chunk's batch, see KeepLastTokenOnly):");
            w.Line("// the others' logits are not needed.");
            w.Line(CpuLowering.NormCall(plan.FinalNorm, "normalized", $"new {Names.Span}<float>(residualBatch, 0, DModel)", "weights"));
            w.Line("pool.Run(unembedRows, Vocab, granularity: 8);");
            w.Line("return logits;");
        }

        w.Line();
        EmitTokenMethods(w, plan);

        w.Line();
        w.Line("/// <summary>One chunk of the prompt through every layer: the same operations as Forward, each over every token of the chunk.</summary>");
        w.Line(Names.AggressiveOptimization);
        using (w.Block($"protected override void PrefillChunk({Names.ReadOnlySpan}<int> tokens, int firstPosition, bool lastChunk)"))
        {
            w.Line("batchStart = firstPosition;");
            w.Line("batchCount = tokens.Length;");
            w.Line(plan.LearnedPositions
                ? "// Token and position embeddings: each token's row of the residual stream starts as their sum."
                : "// Token embedding: each token's row of the residual stream starts as its row of the embedding matrix.");
            using (w.Block("for (int t = 0; t < batchCount; t++)"))
            {
                w.Line($"{Names.Span}<float> row = new {Names.Span}<float>(residualBatch, t * DModel, DModel);");
                w.Line("weights.TokenEmbedding.Values.Slice(tokens[t] * DModel, DModel).CopyTo(row);");
                if (plan.LearnedPositions)
                {
                    w.Line("CpuKernels.AddInPlace(row, weights.PositionEmbedding.Values.Slice((firstPosition + t) * DModel, DModel));");
                }
            }

            w.Line();
            using (w.Block("for (int layerIndex = 0; layerIndex < Layers; layerIndex++)"))
            {
                w.Line("LayerWeights layer = weights.Layers[layerIndex];");
                w.Line("float[] keys = keyCache[layerIndex];");
                w.Line("float[] values = valueCache[layerIndex];");
                w.Line();
                CpuLowering.EmitPrefillLayer(w, plan, steps);
            }
        }

        w.Line();
        w.Line("/// <summary>The keys and values of the chunk's tokens [first, end) into the layer's cache at their positions.</summary>");
        using (w.Block("private void StoreKeysAndValuesBatch(float[] keys, float[] values, int first, int end)"))
        {
            using (w.Block("for (int t = first; t < end; t++)"))
            {
                w.Line($"new {Names.Span}<float>(valueBatch, t * KvDim, KvDim).CopyTo(new {Names.Span}<float>(values, (batchStart + t) * KvDim, KvDim));");
            }

            w.Line();
            w.Line("CpuKernels.StoreKeys(keyBatch, first, end, keys, batchStart);");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Moves the chunk's last token to row 0 of the batch and makes the batch that one token, for the rest of the");
        w.Line("/// prompt's last layer: every token's key and value are in the cache by then, and only the last token's");
        w.Line("/// output becomes logits, so the other tokens' attention, output projection and MLP would be thrown away.");
        w.Line("/// </summary>");
        using (w.Block("private void KeepLastTokenOnly()"))
        {
            w.Line("int last = batchCount - 1;");
            using (w.Block("if (last > 0)"))
            {
                w.Line($"new {Names.Span}<float>(residualBatch, last * DModel, DModel).CopyTo(residualBatch);");
                w.Line($"new {Names.Span}<float>(queryBatch, last * DModel, DModel).CopyTo(queryBatch);");
                w.Line("batchStart += last;");
                w.Line("batchCount = 1;");
            }
        }
    }

    private static bool HasSwiGlu(ModelPlan plan)
    {
        foreach (ProjectionOperation projection in plan.Projections)
        {
            if (projection.Epilogue == Epilogue.SwiGlu)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes <c>NormalizeBatch</c>: the model's norm of residual rows [first, end) into their normalized rows.</summary>
    public static void EmitNormalizeBatch(IndentedWriter w, ModelPlan plan, string rowsDescription)
    {
        NormOperation norm = plan.FinalNorm;
        string parameters = norm.Bias is null ? $"{Names.WeightTensor} weight" : $"{Names.WeightTensor} weight, {Names.WeightTensor} bias";
        string arguments = norm.Bias is null ? "weight" : "weight, bias";
        w.Line($"/// <summary>{norm.KindName} of the residual rows of {rowsDescription} [first, end) into their normalized rows.</summary>");
        using (w.Block($"private void NormalizeBatch({parameters}, int first, int end)"))
        {
            using (w.Block("for (int t = first; t < end; t++)"))
            {
                w.Line($"CpuKernels.{norm.Kind}(new {Names.Span}<float>(normalizedBatch, t * DModel, DModel), new {Names.Span}<float>(residualBatch, t * DModel, DModel), {arguments});");
            }
        }
    }

    /// <summary>The token loops of the prefill steps: the norm of each token's row, and rotary positions before the cache stores.</summary>
    private static void EmitTokenMethods(IndentedWriter w, ModelPlan plan)
    {
        EmitNormalizeBatch(w, plan, "the chunk's tokens");
        if (plan.Has<RotaryOperation>())
        {
            w.Line();
            w.Line("/// <summary>Rotary positions on the query and key rows of the chunk's tokens [first, end), then their keys and values into the cache.</summary>");
            using (w.Block("private void RotateAndStoreBatch(float[] keys, float[] values, int first, int end)"))
            {
                using (w.Block("for (int t = first; t < end; t++)"))
                {
                    w.Line($"CpuKernels.RotatePositions(new {Names.Span}<float>(queryBatch, t * DModel, DModel), new {Names.Span}<float>(keyBatch, t * KvDim, KvDim), batchStart + t, model.RotaryCos, model.RotarySin);");
                }

                w.Line();
                w.Line("StoreKeysAndValuesBatch(keys, values, first, end);");
            }
        }
    }
}
