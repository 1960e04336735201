using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;
using Codegen.Tuning;

namespace Codegen.Generator.Emit;

/// <summary>
/// Lowers the plan's layer to CPU code: a call per operation, in the plan's order, for decode (one token)
/// and for prefill (a chunk of tokens). The session emitters own the loops around it.
/// </summary>
internal static class CpuLowering
{
    /// <summary>The field that binds a decode projection to the pool, for example <c>projectQueryKeyValue</c>.</summary>
    private static string DecodeField(ProjectionOperation projection) => char.ToLowerInvariant(projection.Name[0]) + projection.Name.Substring(1);

    /// <summary>The decode steps that the pool may split: every projection of the layer, then the unembedding.</summary>
    public static IReadOnlyList<CpuStep> DecodeSteps(ModelSpec spec, ModelPlan plan)
    {
        var steps = new List<CpuStep>();
        foreach (ProjectionOperation projection in plan.Projections)
        {
            steps.Add(new CpuStep(DecodeField(projection), CpuProjectionEmitter.DecodeCall(projection), projection.RowsExpression, projection.MultiplyAdds(spec)));
        }

        steps.Add(UnembedStep(spec));
        return steps;
    }

    public static CpuStep UnembedStep(ModelSpec spec) => new(
        "unembed",
        "CpuKernels.MultiplyRowsDModel(weights.Unembedding, ref normalized[0], ref logits[0], {0}, {1})",
        "Vocab",
        (long)spec.Vocab * spec.DModel,
        PerLayer: false);

    /// <summary>The prefill steps of a layer: one per operation that has a step (the cache stores ride on the step before attention).</summary>
    public static IReadOnlyList<CpuStep> PrefillSteps(ModelSpec spec, ModelPlan plan)
    {
        var steps = new List<CpuStep>();
        foreach (ResidualBlock block in plan.Blocks)
        {
            foreach (LayerOperation operation in block.Operations)
            {
                CpuStep? step = PrefillStep(spec, plan, operation);
                if (step is not null)
                {
                    steps.Add(step);
                }
            }
        }

        return steps;
    }

    private static CpuStep? PrefillStep(ModelSpec spec, ModelPlan plan, LayerOperation operation) => operation switch
    {
        NormOperation norm => CpuPrefillEmitter.TokenStep("prefill" + norm.Weight, $"NormalizeBatch({NormArguments(norm, "layer")}, {{0}}, {{1}})", spec.DModel),
        ProjectionOperation projection => BatchProjectionStep(spec, projection, "prefill"),
        CacheKeyValueOperation => CpuPrefillEmitter.TokenStep(
            plan.Has<RotaryOperation>() ? "prefillRotateAndStore" : "prefillStore",
            plan.Has<RotaryOperation>() ? "RotateAndStoreBatch(keys, values, {0}, {1})" : "StoreKeysAndValuesBatch(keys, values, {0}, {1})",
            spec.DModel + (2L * spec.KvDim)),
        _ => null,
    };

    /// <summary>
    /// A projection over rows of tokens (prefill's chunk, or the batch session's step), as a matrix-matrix product
    /// over the batch buffers; its field is named <paramref name="fieldPrefix"/> and the projection.
    /// </summary>
    public static CpuStep BatchProjectionStep(ModelSpec spec, ProjectionOperation projection, string fieldPrefix) => new(
        fieldPrefix + projection.Name.Replace("Project", string.Empty),
        CpuProjectionEmitter.BatchCall(projection),
        projection.RowsExpression,
        projection.MultiplyAdds(spec) * TuningConstants.PrefillChunkTokens,
        TuningConstants.PrefillPiecesPerThread);

    /// <summary>The batch session's split steps of a layer: its projections, over the step's rows.</summary>
    public static IReadOnlyList<CpuStep> BatchSessionSteps(ModelSpec spec, ModelPlan plan)
    {
        var steps = new List<CpuStep>();
        foreach (ProjectionOperation projection in plan.Projections)
        {
            steps.Add(BatchProjectionStep(spec, projection, "rows"));
        }

        return steps;
    }

    /// <summary>The norm's tensors as arguments: the weight, and the bias when it has one.</summary>
    public static string NormArguments(NormOperation norm, string owner) =>
        norm.Bias is null ? $"{owner}.{norm.Weight}" : $"{owner}.{norm.Weight}, {owner}.{norm.Bias}";

    /// <summary>A norm of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public static string NormCall(NormOperation norm, string output, string input, string owner) =>
        $"CpuKernels.{norm.Kind}({output}, {input}, {NormArguments(norm, owner)});";

    /// <summary>One decode layer: each block's operations in order, projections through the pool where they split.</summary>
    public static void EmitDecodeLayer(IndentedWriter w, ModelSpec spec, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        int projection = 0;
        EmitBlocks(w, plan, string.Empty, operation =>
        {
            switch (operation)
            {
                case NormOperation norm:
                    w.Line(NormCall(norm, "normalized", "residual", "layer"));
                    break;
                case ProjectionOperation:
                    steps[projection++].EmitDispatch(w);
                    break;
                case RotaryOperation:
                    w.Line("// Rotary positions: each pair of query and key dimensions turns by an angle that grows with the position.");
                    w.Line("CpuKernels.RotatePositions(query, key, currentPosition, model.RotaryCos, model.RotarySin);");
                    break;
                case CacheKeyValueOperation:
                    w.Line("// The value went into the cache with its projection; the key goes in after it (transposed).");
                    w.Line("CpuKernels.StoreKey(key, keys, currentPosition);");
                    break;
                case AttentionOperation:
                    CpuSessionEmitter.EmitAttentionDispatch(w, spec);
                    break;
            }
        });
    }

    /// <summary>One prefill layer over a chunk: the same operations, each over every token of the chunk.</summary>
    public static void EmitPrefillLayer(IndentedWriter w, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        int step = 0;
        EmitBlocks(w, plan, " Every token of the chunk.", operation =>
        {
            switch (operation)
            {
                case NormOperation:
                case ProjectionOperation:
                case CacheKeyValueOperation:
                    steps[step++].EmitDispatch(w);
                    break;
                case AttentionOperation:
                    using (w.Block("if (lastChunk && layerIndex == Layers - 1)"))
                    {
                        w.Line("// The prompt's last layer: its keys and values are cached; the rest is for the last token only.");
                        w.Line("KeepLastTokenOnly();");
                    }

                    CpuPrefillEmitter.EmitAttentionDispatch(w);
                    break;
            }
        });
    }

    /// <summary>
    /// One layer of the batch session's step: the same operations, each over every row of the step; the cache
    /// stores and attention go row by row, each row to its own sequence's cache.
    /// </summary>
    public static void EmitBatchSessionLayer(IndentedWriter w, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        int projection = 0;
        EmitBlocks(w, plan, " Every row of the step.", operation =>
        {
            switch (operation)
            {
                case NormOperation norm:
                    w.Line($"NormalizeBatch({NormArguments(norm, "layer")}, 0, batchCount);");
                    break;
                case ProjectionOperation:
                    steps[projection++].EmitDispatch(w);
                    break;
                case CacheKeyValueOperation:
                    w.Line(plan.Has<RotaryOperation>()
                        ? "// Rotary positions at each row's own position, then each row's key and value into its sequence's cache."
                        : "// Each row's key and value into its sequence's cache at the row's position.");
                    w.Line("StoreRows(layerIndex);");
                    break;
                case AttentionOperation:
                    w.Line("// Causal attention of each row over its own sequence's cache, rows and heads split over the pool.");
                    w.Line("attentionLayer = layerIndex;");
                    w.Line("pool.Run(attendRows, batchCount * Heads, granularity: 1);");
                    break;
            }
        });
    }

    /// <summary>Writes each residual block's summary, then each of its operations through <paramref name="emitOperation"/>, a blank line between blocks.</summary>
    private static void EmitBlocks(IndentedWriter w, ModelPlan plan, string summarySuffix, System.Action<LayerOperation> emitOperation)
    {
        foreach (ResidualBlock block in plan.Blocks)
        {
            if (block != plan.Attention)
            {
                w.Line();
            }

            w.Comment(block.Summary + summarySuffix);
            foreach (LayerOperation operation in block.Operations)
            {
                emitOperation(operation);
            }
        }
    }
}
