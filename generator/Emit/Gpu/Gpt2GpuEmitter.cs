using System.Collections.Generic;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit.Gpu;

/// <summary>
/// What is GPT-2's own on the GPU: learned position embeddings, LayerNorm with bias fused into the
/// projections that read it, biases on every projection, the GELU MLP and the order of the launches of
/// a layer. Attention and the argmax are shared with Llama.
/// </summary>
internal static class Gpt2GpuEmitter
{
    public static IReadOnlyList<GpuKernel> Kernels { get; } = new[]
    {
        GpuKernel.Of("Embed", views: 3, scalars: 2),
        GpuKernel.Of("LayerNormProjectQueryKeyValue", views: 12, scalars: 1),
        GpuKernel.Of("ProjectOutputAddResidual", views: 4),
        GpuKernel.Of("LayerNormProjectUpGelu", views: 6),
        GpuKernel.Of("ProjectDownAddResidual", views: 4),
        GpuKernel.Of("LayerNormUnembed", views: 5),
    };

    public static void EmitEmbed(IndentedWriter w)
    {
        w.Line("// Token and position embeddings: the residual stream starts as their sum.");
        w.Line("kernels.Embed(embedConfig, weights.TokenEmbedding, weights.PositionEmbedding, residual, token, position);");
    }

    public static void EmitLayer(IndentedWriter w)
    {
        w.Line("// Attention block. One launch: LayerNorm, the query, key and value projections with their biases, and");
        w.Line("// this position's key and value into the cache. Then attention over the cache, and the output");
        w.Line("// projection plus its bias added back into the residual stream.");
        w.Line("kernels.LayerNormProjectQueryKeyValue(queryKeyValueConfig, residual, layer.AttentionNorm, layer.AttentionNormBias, layer.Query, layer.QueryBias, layer.Key, layer.KeyBias, layer.Value, layer.ValueBias, query, keys, values, position);");
        w.Line("kernels.Attention(attentionConfig, query, keys, values, scores, attention, position);");
        w.Line("kernels.ProjectOutputAddResidual(outputConfig, layer.Output, layer.OutputBias, attention, residual);");
        w.Line();
        w.Line("// MLP block. LayerNorm with the up projection and GELU in one launch, then the down projection added back.");
        w.Line("kernels.LayerNormProjectUpGelu(mlpUpConfig, residual, layer.FfnNorm, layer.FfnNormBias, layer.Up, layer.UpBias, hidden);");
        w.Line("kernels.ProjectDownAddResidual(downConfig, layer.Down, layer.DownBias, hidden, residual);");
    }

    public static void EmitFinal(IndentedWriter w)
    {
        w.Line("// Final LayerNorm and unembedding: one logit per token of the vocabulary.");
        w.Line("kernels.LayerNormUnembed(unembedConfig, residual, weights.FinalNorm, weights.FinalNormBias, weights.Unembedding, logits);");
    }

    public static void EmitKernels(IndentedWriter w, ModelSpec spec)
    {
        w.Line("/// <summary>");
        w.Line("/// LayerNorm of the residual stream into shared memory, by the whole group: normalized = (x - mean) /");
        w.Line("/// sqrt(variance + NormEpsilon) * weight + bias. Every group computes it for itself, so the projection");
        w.Line("/// that follows needs no launch of its own. Ends with a barrier: the whole vector is ready.");
        w.Line("/// </summary>");
        using (w.Block("private static void LayerNorm(ArrayView<float> residual, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> normalized, ArrayView<float> warpSums)"))
        {
            w.Line("float sum = 0;");
            using (w.Block("for (int i = Group.IdxX; i < DModel; i += Group.DimX)"))
            {
                w.Line("float x = residual[i];");
                w.Line("normalized[i] = x;");
                w.Line("sum += x;");
            }

            w.Line("float mean = GroupSum(sum, warpSums) / DModel;");
            w.Line("float squares = 0;");
            using (w.Block("for (int i = Group.IdxX; i < DModel; i += Group.DimX)"))
            {
                w.Line("float centered = normalized[i] - mean;");
                w.Line("squares += centered * centered;");
            }

            w.Line("float inverseDeviation = 1.0f / MathF.Sqrt((GroupSum(squares, warpSums) / DModel) + NormEpsilon);");
            using (w.Block("for (int i = Group.IdxX; i < DModel; i += Group.DimX)"))
            {
                w.Line("normalized[i] = ((normalized[i] - mean) * inverseDeviation * weight[i]) + bias[i];");
            }

            w.Line("Group.Barrier();");
        }

        w.Line();
        w.Line("/// <summary>GELU, the tanh approximation GPT-2 uses: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), with tanh(u) = 1 - 2 / (exp(2u) + 1).</summary>");
        using (w.Block("private static float Gelu(float x)"))
        {
            w.Line("const float SqrtTwoOverPi = 0.7978845608028654f;");
            w.Line("float u = SqrtTwoOverPi * (x + (0.044715f * x * x * x));");
            w.Line("float tanh = 1.0f - (2.0f / (MathF.Exp(2.0f * u) + 1.0f));");
            w.Line("return 0.5f * x * (1.0f + tanh);");
        }

        w.Line();
        w.Line("/// <summary>Token and position embeddings: residual = token row + position row.</summary>");
        using (w.Block("internal static void Embed(ArrayView<float> tokenEmbedding, ArrayView<float> positionEmbedding, ArrayView<float> residual, int token, int position)"))
        {
            using (w.Block("for (int i = Grid.GlobalIndex.X; i < DModel; i += Grid.DimX * Group.DimX)"))
            {
                w.Line("residual[i] = tokenEmbedding[((long)token * DModel) + i] + positionEmbedding[((long)position * DModel) + i];");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// LayerNorm, then the query, key and value projections plus biases; the key and value go straight into");
        w.Line("/// this layer's cache at <paramref name=\"position\"/>.");
        w.Line("/// </summary>");
        using (w.Block("internal static void LayerNormProjectQueryKeyValue(ArrayView<float> residual, ArrayView<float> normWeight, ArrayView<float> normBias, ArrayView<float> queryWeight, ArrayView<float> queryBias, ArrayView<float> keyWeight, ArrayView<float> keyBias, ArrayView<float> valueWeight, ArrayView<float> valueBias, ArrayView<float> query, ArrayView<float> keys, ArrayView<float> values, int position)"))
        {
            w.Line("ArrayView<float> normalized = SharedMemory.Allocate<float>(DModel);");
            w.Line("ArrayView<float> warpSums = SharedMemory.Allocate<float>(MaxWarpsPerGroup);");
            w.Line("LayerNorm(residual, normWeight, normBias, normalized, warpSums);");
            w.Line("int cache = position * KvDim;");
            w.Line();
            w.Line("// Query rows.");
            GpuKernelsEmitter.EmitProjection(w, "DModel", spec.DModel, "DModel", "queryWeight", "normalized", (row, value) => $"query[{row}] = {value} + queryBias[{row}];");
            w.Line();
            w.Line("// Key rows, into the cache.");
            GpuKernelsEmitter.EmitProjection(w, "KvDim", spec.KvDim, "DModel", "keyWeight", "normalized", (row, value) => $"keys[cache + {row}] = {value} + keyBias[{row}];");
            w.Line();
            w.Line("// Value rows, into the cache.");
            GpuKernelsEmitter.EmitProjection(w, "KvDim", spec.KvDim, "DModel", "valueWeight", "normalized", (row, value) => $"values[cache + {row}] = {value} + valueBias[{row}];");
        }

        w.Line();
        w.Line("/// <summary>residual[row] += output projection row . attention + bias: the attention block's result added back.</summary>");
        using (w.Block("internal static void ProjectOutputAddResidual(ArrayView<float> outputWeight, ArrayView<float> outputBias, ArrayView<float> attention, ArrayView<float> residual)"))
        {
            GpuKernelsEmitter.EmitProjection(w, "DModel", spec.DModel, "DModel", "outputWeight", "attention", (row, value) => $"residual[{row}] += {value} + outputBias[{row}];");
        }

        w.Line();
        w.Line("/// <summary>LayerNorm, then the up projection with GELU: hidden[row] = GELU(up row . x + bias).</summary>");
        using (w.Block("internal static void LayerNormProjectUpGelu(ArrayView<float> residual, ArrayView<float> normWeight, ArrayView<float> normBias, ArrayView<float> upWeight, ArrayView<float> upBias, ArrayView<float> hidden)"))
        {
            w.Line("ArrayView<float> normalized = SharedMemory.Allocate<float>(DModel);");
            w.Line("ArrayView<float> warpSums = SharedMemory.Allocate<float>(MaxWarpsPerGroup);");
            w.Line("LayerNorm(residual, normWeight, normBias, normalized, warpSums);");
            w.Line();
            GpuKernelsEmitter.EmitProjection(w, "FfnDim", spec.FfnDim, "DModel", "upWeight", "normalized", (row, value) => $"hidden[{row}] = Gelu({value} + upBias[{row}]);");
        }

        w.Line();
        w.Line("/// <summary>residual[row] += down projection row . hidden + bias: the MLP's result added back.</summary>");
        using (w.Block("internal static void ProjectDownAddResidual(ArrayView<float> downWeight, ArrayView<float> downBias, ArrayView<float> hidden, ArrayView<float> residual)"))
        {
            GpuKernelsEmitter.EmitProjection(w, "DModel", spec.DModel, "FfnDim", "downWeight", "hidden", (row, value) => $"residual[{row}] += {value} + downBias[{row}];");
        }

        w.Line();
        w.Line("/// <summary>Final LayerNorm, then the unembedding: logits[row] = unembedding row . x, one per token of the vocabulary.</summary>");
        using (w.Block("internal static void LayerNormUnembed(ArrayView<float> residual, ArrayView<float> normWeight, ArrayView<float> normBias, ArrayView<float> unembedding, ArrayView<float> logits)"))
        {
            w.Line("ArrayView<float> normalized = SharedMemory.Allocate<float>(DModel);");
            w.Line("ArrayView<float> warpSums = SharedMemory.Allocate<float>(MaxWarpsPerGroup);");
            w.Line("LayerNorm(residual, normWeight, normBias, normalized, warpSums);");
            w.Line();
            GpuKernelsEmitter.EmitProjection(w, "Vocab", spec.Vocab, "DModel", "unembedding", "normalized", (row, value) => $"logits[{row}] = {value};");
        }
    }
}
