using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;
using Codegen.Tuning;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the CPU session: the KV cache and scratch buffers, allocated once, and <c>ForwardStep</c>, the
/// whole forward pass for one token written out top to bottom, its layer lowered from the plan
/// (<see cref="CpuLowering"/>). Checks, positions and the prefill loop are the runtime's CpuSessionBase.
/// </summary>
internal static class CpuSessionEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        IReadOnlyList<CpuStep> steps = CpuLowering.DecodeSteps(spec, plan);
        IReadOnlyList<CpuStep> prefillSteps = CpuLowering.PrefillSteps(spec, plan);
        bool parallelAttention = AttentionParallelFromPosition(spec) < spec.Context;
        using (w.Block($"partial class {spec.ClassName}"))
        {
            if (parallelAttention)
            {
                w.Line("/// <summary>From this position on, attention has enough work to split its heads over the pool.</summary>");
                w.Line($"private const int ParallelAttentionFromPosition = {AttentionParallelFromPosition(spec)};");
                w.Line();
            }

            w.Line("/// <summary>Prompt tokens prefill takes through the model at once.</summary>");
            w.Line($"private const int PrefillChunkTokens = {TuningConstants.PrefillChunkTokens};");
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// One sequence on the CPU: the KV cache and every scratch buffer, allocated once, so Forward allocates");
            w.Line("/// nothing. Not thread-safe; create one session per concurrent sequence (they share the weights).");
            w.Line("/// </summary>");
            w.Line(Names.GeneratedCodeAttribute);
            using (w.Block($"public sealed class CpuSession : {Names.CpuSessionBase}"))
            {
                EmitFields(w, spec, steps, parallelAttention);
                CpuPrefillEmitter.EmitFields(w, plan, prefillSteps);
                w.Line();
                EmitConstructor(w, spec, steps, prefillSteps, parallelAttention);
                w.Line();
                EmitForward(w, spec, plan, steps);
                w.Line();
                CpuPrefillEmitter.EmitMethods(w, plan, prefillSteps);
            }
        }
    }

    /// <summary>Writes the attention call: split over heads once the cached positions make it pay.</summary>
    public static void EmitAttentionDispatch(IndentedWriter w, ModelSpec spec)
    {
        w.Line("// Causal attention of every head over positions 0..position of the cache.");
        const string call = "CpuKernels.Attention(query, keys, values, currentPosition, scores, attention, 0, Heads);";
        if (AttentionParallelFromPosition(spec) < spec.Context)
        {
            using (w.Block("if (currentPosition >= ParallelAttentionFromPosition)"))
            {
                w.Line("pool.Run(attend[layerIndex], Heads);");
            }

            using (w.Block("else"))
            {
                w.Line(call);
            }
        }
        else
        {
            w.Line(call);
        }
    }

    private static int AttentionParallelFromPosition(ModelSpec spec)
    {
        // Attention at position p does about 2 (p + 1) DModel multiply-adds.
        return TuningConstants.AttentionSplitFromPosition(spec.DModel);
    }

    private static void EmitFields(IndentedWriter w, ModelSpec spec, IReadOnlyList<CpuStep> steps, bool parallelAttention)
    {
        w.Line($"private readonly {spec.ClassName} model;");
        w.Line("private readonly ModelWeights weights;");
        w.Line($"private readonly {Names.WorkerPool} pool;");
        w.Line();
        w.Line("// The residual stream: the current token's vector, refined layer by layer.");
        w.Line("private readonly float[] residual = new float[DModel];");
        w.Line("// The residual stream after a norm: the input of every projection.");
        w.Line("private readonly float[] normalized = new float[DModel];");
        w.Line("// The query of every head, concatenated, and this position's key before it goes into the cache.");
        w.Line("private readonly float[] query = new float[DModel];");
        w.Line("private readonly float[] key = new float[KvDim];");
        w.Line("// Attention weights of each head over the positions so far, one row per head.");
        w.Line("private readonly float[] scores = new float[Heads * CpuKernels.CachePositions];");
        w.Line("// The weighted sums of values of every head, concatenated.");
        w.Line("private readonly float[] attention = new float[DModel];");
        w.Line("// The MLP's hidden vector.");
        w.Line("private readonly float[] hidden = new float[FfnDim];");
        w.Line("// One logit per token of the vocabulary.");
        w.Line("private readonly float[] logits = new float[Vocab];");
        w.Line("// The KV cache, one block per layer: keys transposed [KvHeads, HeadDim, positions], values [positions, KvDim].");
        w.Line("private readonly float[][] keyCache = new float[Layers][];");
        w.Line("private readonly float[][] valueCache = new float[Layers][];");
        w.Line();
        w.Line("// The position of the token going through the model; the split steps below read it.");
        w.Line("private int currentPosition;");
        w.Line();
        w.Line("// Steps large enough to split over the worker pool, bound once (per layer: to that layer's weights and cache).");
        w.Line($"private readonly {Names.RowRangeAction} unembedRows;");
        CpuStep.EmitFields(w, steps);
        if (parallelAttention)
        {
            w.Line($"private readonly {Names.RowRangeAction}[] attend = new {Names.RowRangeAction}[Layers];");
        }
    }

    private static void EmitConstructor(IndentedWriter w, ModelSpec spec, IReadOnlyList<CpuStep> steps, IReadOnlyList<CpuStep> prefillSteps, bool parallelAttention)
    {
        w.Line($"internal CpuSession({spec.ClassName} model, {Names.WorkerPool} pool)");
        using (w.Block("    : base(Vocab, Context, PrefillChunkTokens)"))
        {
            w.Line("this.model = model;");
            w.Line("weights = model.Weights;");
            w.Line("this.pool = pool;");
            using (w.Block("for (int i = 0; i < Layers; i++)"))
            {
                w.Line("keyCache[i] = new float[CpuKernels.CachePositions * KvDim];");
                w.Line("valueCache[i] = new float[CpuKernels.CachePositions * KvDim];");
            }

            CpuStep.EmitBindings(w, steps, perLayer: false);
            w.Line("unembedRows = (start, end) => CpuKernels.MultiplyRowsDModel(weights.Unembedding, ref normalized[0], ref logits[0], start, end);");
            w.Line();
            w.Line("// Each layer's split steps, bound once to that layer's weights and cache.");
            using (w.Block("for (int i = 0; i < Layers; i++)"))
            {
                w.Line("LayerWeights layer = weights.Layers[i];");
                w.Line("float[] keys = keyCache[i];");
                w.Line("float[] values = valueCache[i];");
                CpuStep.EmitBindings(w, steps, perLayer: true);
                CpuPrefillEmitter.EmitBindings(w, prefillSteps);
                if (parallelAttention)
                {
                    w.Line("attend[i] = (startHead, endHead) => CpuKernels.Attention(query, keys, values, currentPosition, scores, attention, startHead, endHead);");
                }
            }
        }
    }

    private static void EmitForward(IndentedWriter w, ModelSpec spec, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        w.Line("/// <summary>The whole forward pass for one token, top to bottom: embedding, every layer, unembedding.</summary>");
        w.Line(Names.AggressiveOptimization);
        using (w.Block($"protected override {Names.ReadOnlySpan}<float> ForwardStep(int token, int position)"))
        {
            w.Line("currentPosition = position;");
            if (plan.LearnedPositions)
            {
                w.Line("// Token and position embeddings: the residual stream starts as their sum.");
                w.Line("weights.TokenEmbedding.Values.Slice(token * DModel, DModel).CopyTo(residual);");
                w.Line($"{Names.ReadOnlySpan}<float> positionVector = weights.PositionEmbedding.Values.Slice(position * DModel, DModel);");
                using (w.Block("for (int i = 0; i < DModel; i++)"))
                {
                    w.Line("residual[i] += positionVector[i];");
                }
            }
            else
            {
                w.Line("// Token embedding: the residual stream starts as the token's row of the embedding matrix.");
                w.Line("weights.TokenEmbedding.Values.Slice(token * DModel, DModel).CopyTo(residual);");
            }

            w.Line();
            using (w.Block("for (int layerIndex = 0; layerIndex < Layers; layerIndex++)"))
            {
                w.Line("LayerWeights layer = weights.Layers[layerIndex];");
                w.Line("float[] keys = keyCache[layerIndex];");
                w.Line("float[] values = valueCache[layerIndex];");
                w.Line();
                CpuLowering.EmitDecodeLayer(w, spec, plan, steps);
            }

            w.Line();
            w.Line($"// Final {plan.FinalNorm.KindName} and unembedding: one logit per token of the vocabulary.");
            w.Line(CpuLowering.NormCall(plan.FinalNorm, "normalized", "residual", "weights"));
            steps[steps.Count - 1].EmitDispatch(w);

            w.Line("return logits;");
        }
    }
}
