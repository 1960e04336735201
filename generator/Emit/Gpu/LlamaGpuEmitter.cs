using System.Collections.Generic;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit.Gpu;

/// <summary>
/// What is Llama's own on the GPU: RMSNorm fused into the projections that read it, rotary positions
/// applied by the warp that computes a query/key pair, SwiGLU, and the order of the launches of a
/// layer. Attention and the argmax are shared with GPT-2.
/// </summary>
internal static class LlamaGpuEmitter
{
    public static IReadOnlyList<GpuKernel> Kernels { get; } = new[]
    {
        GpuKernel.Of("Embed", views: 2, scalars: 1),
        GpuKernel.Of("RmsNormProjectQueryKeyValue", views: 10, scalars: 1),
        GpuKernel.Of("ProjectOutputAddResidual", views: 3),
        GpuKernel.Of("RmsNormProjectGateUpSwiGlu", views: 5),
        GpuKernel.Of("ProjectDownAddResidual", views: 3),
        GpuKernel.Of("RmsNormUnembed", views: 4),
    };

    public static void EmitEmbed(IndentedWriter w)
    {
        w.Line("// Token embedding: the residual stream starts as the token's row of the embedding matrix.");
        w.Line("kernels.Embed(embedConfig, weights.TokenEmbedding, residual, token);");
    }

    public static void EmitLayer(IndentedWriter w)
    {
        w.Line("// Attention block. One launch: RMSNorm, the query, key and value projections, rotary positions, and");
        w.Line("// this position's key and value into the cache. Then attention over the cache, and the output");
        w.Line("// projection added back into the residual stream.");
        w.Line("kernels.RmsNormProjectQueryKeyValue(queryKeyValueConfig, residual, layer.AttentionNorm, layer.Query, layer.Key, layer.Value, weights.RotaryCos, weights.RotarySin, query, keys, values, position);");
        w.Line("kernels.Attention(attentionConfig, query, keys, values, scores, attention, position);");
        w.Line("kernels.ProjectOutputAddResidual(outputConfig, layer.Output, attention, residual);");
        w.Line();
        w.Line("// MLP block. RMSNorm with SwiGLU's gate and up projections in one launch, then the down projection added back.");
        w.Line("kernels.RmsNormProjectGateUpSwiGlu(mlpUpConfig, residual, layer.FfnNorm, layer.Gate, layer.Up, hidden);");
        w.Line("kernels.ProjectDownAddResidual(downConfig, layer.Down, hidden, residual);");
    }

    public static void EmitFinal(IndentedWriter w)
    {
        w.Line("// Final RMSNorm and unembedding: one logit per token of the vocabulary.");
        w.Line("kernels.RmsNormUnembed(unembedConfig, residual, weights.FinalNorm, weights.Unembedding, logits);");
    }

    public static void EmitKernels(IndentedWriter w, ModelSpec spec)
    {
        bool leftoverPairs = spec.DModel % 4 != 0 || spec.KvDim % 4 != 0;
        w.Line("/// <summary>Entries of each rotary table row: one angle per pair of a head.</summary>");
        w.Line("private const int RotaryPairs = HeadDim / 2;");
        w.Line();
        if (leftoverPairs)
        {
            EmitWarpDotPair(w);
            w.Line();
        }

        w.Line("/// <summary>");
        w.Line("/// RMSNorm of the residual stream into shared memory, by the whole group: normalized = weight * x /");
        w.Line("/// sqrt(mean(x^2) + NormEpsilon). Every group computes it for itself, so the projection that follows");
        w.Line("/// needs no launch of its own. Ends with a barrier: the whole vector is ready.");
        w.Line("/// </summary>");
        using (w.Block("private static void RmsNorm(ArrayView<float> residual, ArrayView<float> weight, ArrayView<float> normalized, ArrayView<float> warpSums)"))
        {
            w.Line("float squares = 0;");
            using (w.Block("for (int i = Group.IdxX; i < DModel; i += Group.DimX)"))
            {
                w.Line("float x = residual[i];");
                w.Line("normalized[i] = x;");
                w.Line("squares += x * x;");
            }

            w.Line("float inverseRms = 1.0f / MathF.Sqrt((GroupSum(squares, warpSums) / DModel) + NormEpsilon);");
            using (w.Block("for (int i = Group.IdxX; i < DModel; i += Group.DimX)"))
            {
                w.Line("normalized[i] = weight[i] * (inverseRms * normalized[i]);");
            }

            w.Line("Group.Barrier();");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Rotary positions: stores the pair (first, second) of rows <paramref name=\"row\"/>, row + 1 of a query or key,");
        w.Line("/// turned by position * RopeTheta^(-2j / HeadDim) for its pair j of the head (the model's rotary tables).");
        w.Line("/// </summary>");
        using (w.Block("private static void StoreRotated(ArrayView<float> target, int offset, int row, float first, float second, int position, ArrayView<float> rotaryCos, ArrayView<float> rotarySin)"))
        {
            w.Line("int angle = (position * RotaryPairs) + ((row % HeadDim) / 2);");
            w.Line("float c = rotaryCos[angle];");
            w.Line("float s = rotarySin[angle];");
            w.Line("target[offset + row] = (first * c) - (second * s);");
            w.Line("target[offset + row + 1] = (first * s) + (second * c);");
        }

        w.Line();
        w.Line("/// <summary>SwiGLU of one hidden unit: silu(gate) * up.</summary>");
        using (w.Block("private static float SwiGlu(float gate, float up)"))
        {
            w.Line("return gate * (1.0f / (1.0f + MathF.Exp(-gate))) * up;");
        }

        w.Line();
        w.Line("/// <summary>Token embedding: residual = row <paramref name=\"token\"/> of the embedding matrix.</summary>");
        using (w.Block("internal static void Embed(ArrayView<float> tokenEmbedding, ArrayView<float> residual, int token)"))
        {
            using (w.Block("for (int i = Grid.GlobalIndex.X; i < DModel; i += Grid.DimX * Group.DimX)"))
            {
                w.Line("residual[i] = tokenEmbedding[((long)token * DModel) + i];");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// RMSNorm, then the query, key and value projections. Query and key rows are turned by the rotary angle");
        w.Line("/// of <paramref name=\"position\"/>; the key and value go straight into this layer's cache there.");
        w.Line("/// </summary>");
        using (w.Block("internal static void RmsNormProjectQueryKeyValue(ArrayView<float> residual, ArrayView<float> normWeight, ArrayView<float> queryWeight, ArrayView<float> keyWeight, ArrayView<float> valueWeight, ArrayView<float> rotaryCos, ArrayView<float> rotarySin, ArrayView<float> query, ArrayView<float> keys, ArrayView<float> values, int position)"))
        {
            w.Line("ArrayView<float> normalized = SharedMemory.Allocate<float>(DModel);");
            w.Line("ArrayView<float> warpSums = SharedMemory.Allocate<float>(MaxWarpsPerGroup);");
            w.Line("RmsNorm(residual, normWeight, normalized, warpSums);");
            w.Line("int cache = position * KvDim;");
            w.Line();
            w.Line("// Query rows, turned pair by pair.");
            EmitRotatedProjection(w, "DModel", spec.DModel, "queryWeight", "query", "0");
            w.Line();
            w.Line("// Key rows, turned pair by pair, into the cache.");
            EmitRotatedProjection(w, "KvDim", spec.KvDim, "keyWeight", "keys", "cache");
            w.Line();
            w.Line("// Value rows, into the cache.");
            GpuKernelsEmitter.EmitProjection(w, "KvDim", spec.KvDim, "DModel", "valueWeight", "normalized", (row, value) => $"values[cache + {row}] = {value};");
        }

        w.Line();
        w.Line("/// <summary>residual[row] += output projection row . attention: the attention block's result added back.</summary>");
        using (w.Block("internal static void ProjectOutputAddResidual(ArrayView<float> outputWeight, ArrayView<float> attention, ArrayView<float> residual)"))
        {
            GpuKernelsEmitter.EmitProjection(w, "DModel", spec.DModel, "DModel", "outputWeight", "attention", (row, value) => $"residual[{row}] += {value};");
        }

        w.Line();
        w.Line("/// <summary>RMSNorm, then SwiGLU with gate and up in one pass: hidden[row] = silu(gate row . x) * (up row . x).</summary>");
        using (w.Block("internal static void RmsNormProjectGateUpSwiGlu(ArrayView<float> residual, ArrayView<float> normWeight, ArrayView<float> gateWeight, ArrayView<float> upWeight, ArrayView<float> hidden)"))
        {
            w.Line("ArrayView<float> normalized = SharedMemory.Allocate<float>(DModel);");
            w.Line("ArrayView<float> warpSums = SharedMemory.Allocate<float>(MaxWarpsPerGroup);");
            w.Line("RmsNorm(residual, normWeight, normalized, warpSums);");
            w.Line();
            GpuKernelsEmitter.EmitRowLoops(
                w,
                "FfnDim",
                spec.FfnDim,
                () =>
                {
                    w.Line("Rows4 gates = WarpDot4DModel(gateWeight, row, normalized);");
                    w.Line("Rows4 ups = WarpDot4DModel(upWeight, row, normalized);");
                    using (w.Block("if (Warp.IsFirstLane)"))
                    {
                        w.Line("hidden[row] = SwiGlu(gates.Row0, ups.Row0);");
                        w.Line("hidden[row + 1] = SwiGlu(gates.Row1, ups.Row1);");
                        w.Line("hidden[row + 2] = SwiGlu(gates.Row2, ups.Row2);");
                        w.Line("hidden[row + 3] = SwiGlu(gates.Row3, ups.Row3);");
                    }
                },
                () =>
                {
                    w.Line("float gate = WarpDotDModel(gateWeight, row, normalized);");
                    w.Line("float up = WarpDotDModel(upWeight, row, normalized);");
                    using (w.Block("if (Warp.IsFirstLane)"))
                    {
                        w.Line("hidden[row] = SwiGlu(gate, up);");
                    }
                });
        }

        w.Line();
        w.Line("/// <summary>residual[row] += down projection row . hidden: the MLP's result added back.</summary>");
        using (w.Block("internal static void ProjectDownAddResidual(ArrayView<float> downWeight, ArrayView<float> hidden, ArrayView<float> residual)"))
        {
            GpuKernelsEmitter.EmitProjection(w, "DModel", spec.DModel, "FfnDim", "downWeight", "hidden", (row, value) => $"residual[{row}] += {value};");
        }

        w.Line();
        w.Line("/// <summary>Final RMSNorm, then the unembedding: logits[row] = unembedding row . x, one per token of the vocabulary.</summary>");
        using (w.Block("internal static void RmsNormUnembed(ArrayView<float> residual, ArrayView<float> normWeight, ArrayView<float> unembedding, ArrayView<float> logits)"))
        {
            w.Line("ArrayView<float> normalized = SharedMemory.Allocate<float>(DModel);");
            w.Line("ArrayView<float> warpSums = SharedMemory.Allocate<float>(MaxWarpsPerGroup);");
            w.Line("RmsNorm(residual, normWeight, normalized, warpSums);");
            w.Line();
            GpuKernelsEmitter.EmitProjection(w, "Vocab", spec.Vocab, "DModel", "unembedding", "normalized", (row, value) => $"logits[{row}] = {value};");
        }
    }

    /// <summary>A query or key projection whose rows are stored turned, two pairs a tile (rows come in pairs: HeadDim is even).</summary>
    private static void EmitRotatedProjection(IndentedWriter w, string rowsName, int rows, string matrix, string target, string offset)
    {
        GpuKernelsEmitter.EmitRowLoops(
            w,
            rowsName,
            rows,
            () =>
            {
                w.Line($"Rows4 dots = WarpDot4DModel({matrix}, row, normalized);");
                using (w.Block("if (Warp.IsFirstLane)"))
                {
                    w.Line($"StoreRotated({target}, {offset}, row, dots.Row0, dots.Row1, position, rotaryCos, rotarySin);");
                    w.Line($"StoreRotated({target}, {offset}, row + 2, dots.Row2, dots.Row3, position, rotaryCos, rotarySin);");
                }
            },
            () =>
            {
                w.Line($"GpuDotPair dots = WarpDotPairDModel({matrix}, row, normalized);");
                using (w.Block("if (Warp.IsFirstLane)"))
                {
                    w.Line($"StoreRotated({target}, {offset}, row, dots.First, dots.Second, position, rotaryCos, rotarySin);");
                }
            },
            step: 2);
    }

    private static void EmitWarpDotPair(IndentedWriter w)
    {
        w.Line("/// <summary>Dot products of rows <paramref name=\"row\"/> and row + 1 of a matrix with DModel columns and <paramref name=\"vector\"/>, by one warp in one pass over the vector; lane 0 gets them.</summary>");
        using (w.Block("private static GpuDotPair WarpDotPairDModel(ArrayView<float> matrix, int row, ArrayView<float> vector)"))
        {
            w.Line("long first = (long)row * DModel;");
            w.Line("long second = first + DModel;");
            w.Line("float sumFirst = 0;");
            w.Line("float sumSecond = 0;");
            using (w.Block("for (int column = Warp.LaneIdx; column < DModel; column += Warp.WarpSize)"))
            {
                w.Line("float x = vector[column];");
                w.Line("sumFirst += matrix[first + column] * x;");
                w.Line("sumSecond += matrix[second + column] * x;");
            }

            w.Line("GpuDotPair result;");
            w.Line("result.First = WarpSum(sumFirst);");
            w.Line("result.Second = WarpSum(sumSecond);");
            w.Line("return result;");
        }

        w.Line();
        w.Line("/// <summary>Two dot products computed together by one warp: the two rows of a rotary pair.</summary>");
        using (w.Block("internal struct GpuDotPair"))
        {
            w.Line("public float First;");
            w.Line("public float Second;");
        }
    }
}
