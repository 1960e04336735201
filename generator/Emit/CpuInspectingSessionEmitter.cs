using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the inspecting session of a model declared with <c>Inspectable = true</c>: the fast decode's forward pass
/// (the same kernel calls, in the same order, on the same kind of buffers, each over its whole range on one thread,
/// so its logits are exactly <c>CpuSession.Forward</c>'s), with a recording after each step worth looking at: every
/// head's attention weights, the residual stream after each block, and the logit lens after each layer. It is a class
/// of its own, so the fast session's code is the same with or without it. The loop over the prompt, the checks and
/// the recording types are the runtime's (<c>Codegen.Inspection</c>).
/// </summary>
internal static class CpuInspectingSessionEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        IReadOnlyList<CpuStep> steps = CpuLowering.DecodeSteps(spec, plan);
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>");
            w.Line("/// A session that runs a prompt through the model token by token and records what happens inside (attention");
            w.Line("/// weights, residual norms, the logit lens). Slower than <see cref=\"CreateSession()\"/>'s, with the same logits.");
            w.Line("/// </summary>");
            w.Line("public CpuInspectingSession CreateInspectingSession() => new CpuInspectingSession(this);");
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// The CPU forward pass of <see cref=\"CpuSession\"/>, one token at a time on one thread, recording along the way:");
            w.Line("/// every head's attention weights, the residual stream's norm after each block, and each layer's logit lens.");
            w.Line("/// Its own buffers and KV cache; not thread-safe.");
            w.Line("/// </summary>");
            w.Line(Names.GeneratedCodeAttribute);
            using (w.Block($"public sealed class CpuInspectingSession : {Names.CpuInspectingSessionBase}"))
            {
                EmitFields(w, spec);
                w.Line();
                EmitConstructor(w, spec);
                w.Line();
                EmitInspectPosition(w, spec, plan, steps);
            }
        }
    }

    private static void EmitFields(IndentedWriter w, ModelSpec spec)
    {
        w.Line($"private readonly {spec.ClassName} model;");
        w.Line("private readonly ModelWeights weights;");
        w.Line();
        w.Line("// The fast session's buffers, by the same names, so the same kernel calls read and write them.");
        w.Line("private readonly float[] residual = new float[DModel];");
        w.Line("private readonly float[] normalized = new float[DModel];");
        w.Line("private readonly float[] query = new float[DModel];");
        w.Line("private readonly float[] key = new float[KvDim];");
        w.Line("// Attention weights of each head over the positions so far, one row per head: what is recorded.");
        w.Line("private readonly float[] scores = new float[Heads * CpuKernels.CachePositions];");
        w.Line("private readonly float[] attention = new float[DModel];");
        w.Line("private readonly float[] hidden = new float[FfnDim];");
        w.Line("private readonly float[] logits = new float[Vocab];");
        w.Line("private readonly float[][] keyCache = new float[Layers][];");
        w.Line("private readonly float[][] valueCache = new float[Layers][];");
        w.Line();
        w.Line("// The logit lens: a layer's residual stream through the final norm and the unembedding, beside the real ones.");
        w.Line("private readonly float[] lensNormalized = new float[DModel];");
        w.Line("private readonly float[] lensLogits = new float[Vocab];");
        w.Line();
        w.Line("private int currentPosition;");
    }

    private static void EmitConstructor(IndentedWriter w, ModelSpec spec)
    {
        w.Line($"internal CpuInspectingSession({spec.ClassName} model)");
        using (w.Block("    : base(Vocab, Context, Layers, Heads, Shape.AttentionWindow, model.Weights.TokenEmbedding)"))
        {
            w.Line("this.model = model;");
            w.Line("weights = model.Weights;");
            using (w.Block("for (int i = 0; i < Layers; i++)"))
            {
                w.Line("keyCache[i] = new float[CpuKernels.CachePositions * KvDim];");
                w.Line("valueCache[i] = new float[CpuKernels.CachePositions * KvDim];");
            }
        }
    }

    private static void EmitInspectPosition(IndentedWriter w, ModelSpec spec, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        w.Line("/// <summary>One token through the whole model, as CpuSession.ForwardStep runs it, recording after each step worth seeing.</summary>");
        using (w.Block($"protected override void InspectPosition(int token, int position, {Names.InspectionRecorder} recorder)"))
        {
            w.Line("currentPosition = position;");
            w.Line(plan.LearnedPositions
                ? "// Token and position embeddings: the residual stream starts as their sum."
                : "// Token embedding: the residual stream starts as the token's row of the embedding matrix.");
            w.Line("weights.TokenEmbedding.Values.Slice(token * DModel, DModel).CopyTo(residual);");
            if (plan.LearnedPositions)
            {
                w.Line($"{Names.ReadOnlySpan}<float> positionVector = weights.PositionEmbedding.Values.Slice(position * DModel, DModel);");
                using (w.Block("for (int i = 0; i < DModel; i++)"))
                {
                    w.Line("residual[i] += positionVector[i];");
                }
            }

            w.Line();
            using (w.Block("for (int layerIndex = 0; layerIndex < Layers; layerIndex++)"))
            {
                w.Line("LayerWeights layer = weights.Layers[layerIndex];");
                w.Line("float[] keys = keyCache[layerIndex];");
                w.Line("float[] values = valueCache[layerIndex];");
                EmitLayer(w, plan, steps);
                w.Line();
                w.Line($"// The logit lens: this layer's residual stream through the final {plan.FinalNorm.KindName} and the unembedding.");
                w.Line(CpuLowering.NormCall(plan.FinalNorm, "lensNormalized", "residual", "weights"));
                w.Line("CpuKernels.MultiplyRowsDModel(weights.Unembedding, ref lensNormalized[0], ref lensLogits[0], 0, Vocab);");
                w.Line("recorder.RecordLogitLens(layerIndex, currentPosition, lensLogits);");
            }

            w.Line();
            w.Line($"// Final {plan.FinalNorm.KindName} and unembedding, as in ForwardStep.");
            w.Line(CpuLowering.NormCall(plan.FinalNorm, "normalized", "residual", "weights"));
            w.Line(steps[steps.Count - 1].SerialCall + ";");
            w.Line("recorder.RecordLogits(currentPosition, logits);");
        }
    }

    /// <summary>One layer: the plan's operations in order, as the decode lowering writes them but each step on this thread.</summary>
    private static void EmitLayer(IndentedWriter w, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        int projection = 0;
        foreach (ResidualBlock block in plan.Blocks)
        {
            w.Line();
            w.Comment(block.Summary);
            foreach (LayerOperation operation in block.Operations)
            {
                switch (operation)
                {
                    case NormOperation norm:
                        w.Line(CpuLowering.NormCall(norm, "normalized", "residual", "layer"));
                        break;
                    case ProjectionOperation:
                        w.Line(steps[projection++].SerialCall + ";");
                        break;
                    case RotaryOperation:
                        w.Line("CpuKernels.RotatePositions(query, key, currentPosition, model.RotaryCos, model.RotarySin);");
                        break;
                    case CacheKeyValueOperation:
                        w.Line("CpuKernels.StoreKey(key, keys, currentPosition);");
                        break;
                    case AttentionOperation:
                        w.Line("CpuKernels.Attention(query, keys, values, currentPosition, scores, attention, 0, Heads);");
                        w.Line("recorder.RecordAttention(layerIndex, currentPosition, scores, CpuKernels.CachePositions);");
                        break;
                }
            }

            string kind = block == plan.Attention ? "Attention" : "Mlp";
            w.Line($"recorder.RecordResidualNorm(layerIndex, {Names.ResidualBlockKind}.{kind}, currentPosition, residual);");
        }
    }
}
