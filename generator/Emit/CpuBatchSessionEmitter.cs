using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;
using Codegen.Tuning;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the CPU batch session: several sequences, each with its own KV cache and position, decoded together.
/// A step is a set of rows (one token of each sequence, or a chunk of one sequence's prompt) that goes through
/// every layer as prefill's matrix-matrix products, so each weight row is read once for all rows; only the cache
/// stores and attention go row by row, to each row's own sequence. Which sequences are active, their positions
/// and the checks are the runtime's CpuBatchSessionBase.
/// </summary>
internal static class CpuBatchSessionEmitter
{
    /// <summary>Rows of the unembedding a piece of its split goes through for every step row while they are in cache (a Q4 model's 8-bit classifier).</summary>
    private const int UnembeddingBlockRows = 64;

    public static void Emit(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        IReadOnlyList<CpuStep> steps = CpuLowering.BatchSessionSteps(spec, plan);
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>");
            w.Line("/// Several sequences on the CPU in one pass: each has its own KV cache and position, and a step runs one token");
            w.Line("/// of every listed sequence through the model together, so the weights are read once for all of them. Every");
            w.Line("/// buffer and cache is allocated up front or when a sequence first joins; a step allocates nothing.");
            w.Line("/// </summary>");
            w.Line(Names.GeneratedCodeAttribute);
            using (w.Block($"public sealed class CpuBatchSession : {Names.CpuBatchSessionBase}"))
            {
                EmitFields(w, spec, plan, steps);
                w.Line();
                EmitConstructor(w, spec, plan, steps);
                w.Line();
                EmitSequenceMethods(w);
                w.Line();
                EmitRunRows(w, plan, steps);
                w.Line();
                CpuPrefillEmitter.EmitNormalizeBatch(w, plan, "the step");
                w.Line();
                EmitStoreRows(w, plan);
                w.Line();
                EmitAttendRows(w);
                if (MatrixCode.UnembeddingDiffers(spec))
                {
                    w.Line();
                    EmitBlockedUnembedding(w);
                }
            }
        }
    }

    private static void EmitFields(IndentedWriter w, ModelSpec spec, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        w.Line($"private readonly {spec.ClassName} model;");
        w.Line("private readonly ModelWeights weights;");
        w.Line($"private readonly {Names.WorkerPool} pool;");
        w.Line();
        w.Line("// One row per token of the step: the residual stream, its norm, the query, key and value, attention's");
        w.Line("// weighted sums, a projection's output and the MLP's hidden vector, as in prefill.");
        w.Line("private readonly float[] residualBatch;");
        w.Line("private readonly float[] normalizedBatch;");
        w.Line("private readonly float[] queryBatch;");
        w.Line("private readonly float[] keyBatch;");
        w.Line("private readonly float[] valueBatch;");
        w.Line("private readonly float[] attentionBatch;");
        w.Line("private readonly float[] projectedBatch;");
        w.Line("private readonly float[] hiddenBatch;");
        if (HasSwiGlu(plan.Projections))
        {
            w.Line("private readonly float[] upBatch;");
        }

        w.Line("// Attention weights of each row, one block per row (heads of one row may run on different threads).");
        w.Line("private readonly float[][] rowScores;");
        w.Line("// One logit row per sequence that a step asks logits for.");
        w.Line("private readonly float[] logitsBatch;");
        w.Line("// The KV caches: sequence s, layer l at [s * Layers + l], each allocated when sequence s first joins.");
        w.Line("// Keys transposed [KvHeads, HeadDim, positions], values [positions, KvDim], as in the single-sequence session.");
        w.Line("private readonly float[][] keyCaches;");
        w.Line("private readonly float[][] valueCaches;");
        w.Line();
        w.Line("// Rows in the step, rows that end in logits, and the layer whose attention runs: the split steps read them.");
        w.Line("private int batchCount;");
        w.Line("private int logitRows;");
        w.Line("private int attentionLayer;");
        w.Line();
        w.Line("// Steps split over the worker pool, bound once (the projections per layer, to that layer's weights).");
        CpuStep.EmitFields(w, steps);
        w.Line($"private readonly {Names.RowRangeAction} attendRows;");
        w.Line($"private readonly {Names.RowRangeAction} unembedRows;");
    }

    private static void EmitConstructor(IndentedWriter w, ModelSpec spec, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        w.Line($"internal CpuBatchSession({spec.ClassName} model, {Names.WorkerPool} pool, int maxSequences)");
        using (w.Block($"    : base(Vocab, Context, maxSequences, {Names.Math}.Max(maxSequences, PrefillChunkTokens))"))
        {
            w.Line("this.model = model;");
            w.Line("weights = model.Weights;");
            w.Line("this.pool = pool;");
            w.Line("residualBatch = new float[RowsPerStep * DModel];");
            w.Line("normalizedBatch = new float[RowsPerStep * DModel];");
            w.Line("queryBatch = new float[RowsPerStep * DModel];");
            w.Line("keyBatch = new float[RowsPerStep * KvDim];");
            w.Line("valueBatch = new float[RowsPerStep * KvDim];");
            w.Line("attentionBatch = new float[RowsPerStep * DModel];");
            w.Line("projectedBatch = new float[RowsPerStep * DModel];");
            w.Line("hiddenBatch = new float[RowsPerStep * FfnDim];");
            if (HasSwiGlu(plan.Projections))
            {
                w.Line("upBatch = new float[RowsPerStep * FfnDim];");
            }

            w.Line("rowScores = new float[RowsPerStep][];");
            using (w.Block("for (int row = 0; row < RowsPerStep; row++)"))
            {
                w.Line("rowScores[row] = new float[Heads * CpuKernels.CachePositions];");
            }

            w.Line("logitsBatch = new float[maxSequences * Vocab];");
            w.Line("keyCaches = new float[maxSequences * Layers][];");
            w.Line("valueCaches = new float[maxSequences * Layers][];");
            w.Line("attendRows = AttendRows;");
            w.Line(MatrixCode.UnembeddingDiffers(spec)
                ? "unembedRows = UnembedRowsBlockwise;"
                : "unembedRows = (start, end) => CpuKernels.MultiplyRowsBatchDModel(weights.Unembedding, ref normalizedBatch[0], ref logitsBatch[0], Vocab, logitRows, start, end);");
            w.Line();
            w.Line("// Each layer's projections, bound once to that layer's weights.");
            using (w.Block("for (int i = 0; i < Layers; i++)"))
            {
                w.Line("LayerWeights layer = weights.Layers[i];");
                CpuStep.EmitBindings(w, steps, perLayer: true);
            }
        }
    }

    private static void EmitSequenceMethods(IndentedWriter w)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block("protected override void PrepareSequence(int sequence)"))
        {
            w.Line("// A sequence's cache is allocated when its number first joins and reused by later ones: positions past a");
            w.Line("// sequence's own are never read, so an earlier sequence's values need no clearing.");
            using (w.Block("for (int layerIndex = 0; layerIndex < Layers; layerIndex++)"))
            {
                w.Line("int cache = (sequence * Layers) + layerIndex;");
                w.Line("keyCaches[cache] ??= new float[CpuKernels.CachePositions * KvDim];");
                w.Line("valueCaches[cache] ??= new float[CpuKernels.CachePositions * KvDim];");
            }
        }

        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"protected override {Names.ReadOnlySpan}<float> LogitsOfRow(int index) => new {Names.ReadOnlySpan}<float>(logitsBatch, index * Vocab, Vocab);");
    }

    private static void EmitRunRows(IndentedWriter w, ModelPlan plan, IReadOnlyList<CpuStep> steps)
    {
        w.Line("/// <summary>The step's rows through the whole model, top to bottom: embedding, every layer, unembedding of the rows that want logits.</summary>");
        w.Line(Names.AggressiveOptimization);
        using (w.Block("protected override void RunRows(int rowCount, int firstLogitRow)"))
        {
            w.Line("batchCount = rowCount;");
            w.Line(plan.LearnedPositions
                ? "// Token and position embeddings: each row of the residual stream starts as the sum of its token's and its position's rows."
                : "// Token embedding: each row of the residual stream starts as its token's row of the embedding matrix.");
            using (w.Block("for (int row = 0; row < batchCount; row++)"))
            {
                w.Line($"{Names.Span}<float> residualRow = new {Names.Span}<float>(residualBatch, row * DModel, DModel);");
                w.Line("weights.TokenEmbedding.Values.Slice(RowTokens[row] * DModel, DModel).CopyTo(residualRow);");
                if (plan.LearnedPositions)
                {
                    w.Line("CpuKernels.AddInPlace(residualRow, weights.PositionEmbedding.Values.Slice(RowPositions[row] * DModel, DModel));");
                }
            }

            w.Line();
            using (w.Block("for (int layerIndex = 0; layerIndex < Layers; layerIndex++)"))
            {
                w.Line("LayerWeights layer = weights.Layers[layerIndex];");
                w.Line();
                CpuLowering.EmitBatchSessionLayer(w, plan, steps);
            }

            w.Line();
            w.Line($"// Final {plan.FinalNorm.KindName} of the rows that end in logits, into the first rows of the normalized batch,");
            w.Line("// then the unembedding of all of them in one pass over its rows: one logit per token of the vocabulary each.");
            w.Line("logitRows = batchCount - firstLogitRow;");
            using (w.Block("for (int i = 0; i < logitRows; i++)"))
            {
                w.Line(CpuLowering.NormCall(
                    plan.FinalNorm,
                    $"new {Names.Span}<float>(normalizedBatch, i * DModel, DModel)",
                    $"new {Names.Span}<float>(residualBatch, (firstLogitRow + i) * DModel, DModel)",
                    "weights"));
            }

            using (w.Block("if (logitRows > 0)"))
            {
                w.Line($"pool.Run(unembedRows, Vocab, granularity: {TuningConstants.RowGranularity});");
            }
        }

    }

    private static void EmitStoreRows(IndentedWriter w, ModelPlan plan)
    {
        bool rotary = plan.Has<RotaryOperation>();
        w.Line(rotary
            ? "/// <summary>Rotary positions on each row's query and key at the row's position, then its key and value into its sequence's cache.</summary>"
            : "/// <summary>Each row's key and value into its sequence's cache at the row's position.</summary>");
        using (w.Block("private void StoreRows(int layerIndex)"))
        {
            using (w.Block("for (int row = 0; row < batchCount; row++)"))
            {
                w.Line("int position = RowPositions[row];");
                w.Line("int cache = (RowSequences[row] * Layers) + layerIndex;");
                w.Line($"{Names.Span}<float> keyRow = new {Names.Span}<float>(keyBatch, row * KvDim, KvDim);");
                if (rotary)
                {
                    w.Line($"CpuKernels.RotatePositions(new {Names.Span}<float>(queryBatch, row * DModel, DModel), keyRow, position, model.RotaryCos, model.RotarySin);");
                }

                w.Line("CpuKernels.StoreKey(keyRow, keyCaches[cache], position);");
                w.Line($"new {Names.Span}<float>(valueBatch, row * KvDim, KvDim).CopyTo(new {Names.Span}<float>(valueCaches[cache], position * KvDim, KvDim));");
            }
        }
    }

    private static void EmitAttendRows(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Attention of work items [start, end), item row * Heads + head: the row's query head over its own sequence's");
        w.Line("/// cached positions up to the row's position (the causal mask), the layer's keys and values.");
        w.Line("/// </summary>");
        using (w.Block("private void AttendRows(int start, int end)"))
        {
            w.Line("int layerIndex = attentionLayer;");
            w.Line("int item = start;");
            using (w.Block("while (item < end)"))
            {
                w.Line("int row = item / Heads;");
                w.Line("int firstHead = item - (row * Heads);");
                w.Line($"int endHead = {Names.Math}.Min(Heads, firstHead + (end - item));");
                w.Line("int cache = (RowSequences[row] * Layers) + layerIndex;");
                w.Line($"CpuKernels.Attention(new {Names.Span}<float>(queryBatch, row * DModel, DModel), keyCaches[cache], valueCaches[cache], RowPositions[row], rowScores[row], new {Names.Span}<float>(attentionBatch, row * DModel, DModel), firstHead, endHead);");
                w.Line("item += endHead - firstHead;");
            }
        }
    }

    private static void EmitBlockedUnembedding(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// The unembedding (kept in 8 bits by a 4-bit model) of the logit rows, vocabulary rows [start, end): a block of");
        w.Line($"/// {UnembeddingBlockRows} weight rows at a time goes through every row of the step while it is in cache.");
        w.Line("/// </summary>");
        using (w.Block("private void UnembedRowsBlockwise(int start, int end)"))
        {
            using (w.Block($"for (int block = start; block < end; block += {UnembeddingBlockRows})"))
            {
                w.Line($"int blockEnd = {Names.Math}.Min(block + {UnembeddingBlockRows}, end);");
                using (w.Block("for (int i = 0; i < logitRows; i++)"))
                {
                    w.Line("CpuKernels.MultiplyRowsDModel(weights.Unembedding, ref normalizedBatch[i * DModel], ref logitsBatch[i * Vocab], block, blockEnd);");
                }
            }
        }
    }

    private static bool HasSwiGlu(IEnumerable<ProjectionOperation> projections)
    {
        foreach (ProjectionOperation projection in projections)
        {
            if (projection.Epilogue == Epilogue.SwiGlu)
            {
                return true;
            }
        }

        return false;
    }
}
