using System.Collections.Generic;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// What is GPT-2's own on the CPU: LayerNorm with bias, biases on every projection, the GELU MLP
/// and the order of the forward pass. Attention, products and softmax are shared with Llama.
/// </summary>
internal static class Gpt2CpuEmitter
{
    public static IReadOnlyList<CpuStep> Steps(ModelSpec spec) => new[]
    {
        new CpuStep(
            "projectQueryKeyValue",
            "CpuKernels.ProjectQueryKeyValue(layer, normalized, query, keys, values, currentPosition * KvDim, {0}, {1})",
            "DModel + (2 * KvDim)",
            (long)(spec.DModel + (2 * spec.KvDim)) * spec.DModel),
        new CpuStep(
            "projectOutput",
            "CpuKernels.ProjectOutputAddResidual(layer, attention, residual, {0}, {1})",
            "DModel",
            (long)spec.DModel * spec.DModel),
        new CpuStep(
            "projectUp",
            "CpuKernels.ProjectUpGelu(layer, normalized, hidden, {0}, {1})",
            "FfnDim",
            (long)spec.FfnDim * spec.DModel),
        new CpuStep(
            "projectDown",
            "CpuKernels.ProjectDownAddResidual(layer, hidden, residual, {0}, {1})",
            "DModel",
            (long)spec.DModel * spec.FfnDim),
        new CpuStep(
            "unembed",
            "CpuKernels.MultiplyRowsDModel(ref weights.Unembedding.Data, ref normalized[0], ref logits[0], {0}, {1})",
            "Vocab",
            (long)spec.Vocab * spec.DModel),
    };

    public static void EmitLayer(IndentedWriter w, ModelSpec spec, IReadOnlyList<CpuStep> steps)
    {
        w.Line("// Attention block. LayerNorm, then the query, key and value projections (with biases) in one pass;");
        w.Line("// this position's key and value go straight into the KV cache.");
        w.Line("CpuKernels.LayerNorm(normalized, residual, layer.AttentionNorm, layer.AttentionNormBias);");
        steps[0].EmitDispatch(w);
        CpuSessionEmitter.EmitAttentionDispatch(w, spec);
        w.Line("// Output projection of the concatenated heads plus its bias, added back into the residual stream.");
        steps[1].EmitDispatch(w);
        w.Line();
        w.Line("// MLP block. LayerNorm, up projection with GELU, down projection added back into the residual stream.");
        w.Line("CpuKernels.LayerNorm(normalized, residual, layer.FfnNorm, layer.FfnNormBias);");
        steps[2].EmitDispatch(w);
        steps[3].EmitDispatch(w);
    }

    public static void EmitFinal(IndentedWriter w, IReadOnlyList<CpuStep> steps)
    {
        w.Line("// Final LayerNorm and unembedding: one logit per token of the vocabulary.");
        w.Line("CpuKernels.LayerNorm(normalized, residual, weights.FinalNorm, weights.FinalNormBias);");
        steps[4].EmitDispatch(w);
    }

    public static void EmitKernels(IndentedWriter w, ModelSpec spec)
    {
        w.Line("/// <summary>LayerNorm: output = (input - mean) / sqrt(variance + NormEpsilon) * weight + bias.</summary>");
        using (w.Block("internal static void LayerNorm(float[] output, float[] input, WeightTensor weight, WeightTensor bias)"))
        {
            w.Line("ReadOnlySpan<float> scale = weight.Values;");
            w.Line("ReadOnlySpan<float> shift = bias.Values;");
            w.Line("float sum = 0;");
            using (w.Block("for (int i = 0; i < DModel; i++)"))
            {
                w.Line("sum += input[i];");
            }

            w.Line("float mean = sum / DModel;");
            w.Line("float squares = 0;");
            using (w.Block("for (int i = 0; i < DModel; i++)"))
            {
                w.Line("float centered = input[i] - mean;");
                w.Line("squares += centered * centered;");
            }

            w.Line("float inverseDeviation = 1.0f / MathF.Sqrt((squares / DModel) + NormEpsilon);");
            using (w.Block("for (int i = 0; i < DModel; i++)"))
            {
                w.Line("output[i] = ((input[i] - mean) * inverseDeviation * scale[i]) + shift[i];");
            }
        }

        w.Line();
        w.Line("/// <summary>GELU, the tanh approximation GPT-2 uses: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block("internal static float Gelu(float x)"))
        {
            w.Line("const float SqrtTwoOverPi = 0.7978845608028654f;");
            w.Line("return 0.5f * x * (1.0f + MathF.Tanh(SqrtTwoOverPi * (x + (0.044715f * x * x * x))));");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Query, key and value projections plus biases in one pass: rows [0, DModel) are the query, then KvDim");
        w.Line("/// rows of key and KvDim rows of value, written into the cache at cacheOffset.");
        w.Line("/// </summary>");
        using (w.Block("internal static void ProjectQueryKeyValue(LayerWeights layer, float[] input, float[] query, float[] keys, float[] values, int cacheOffset, int start, int end)"))
        {
            w.Line("ref float x = ref input[0];");
            w.Line("int queryEnd = Math.Min(end, DModel);");
            w.Line("MultiplyRowsDModel(ref layer.Query.Data, ref x, ref query[0], start, queryEnd);");
            w.Line("AddBias(query.AsSpan(), layer.QueryBias.Values, start, queryEnd);");
            w.Line("int keyStart = Math.Max(start - DModel, 0), keyEnd = Math.Min(end - DModel, KvDim);");
            w.Line("MultiplyRowsDModel(ref layer.Key.Data, ref x, ref keys[cacheOffset], keyStart, keyEnd);");
            w.Line("AddBias(keys.AsSpan(cacheOffset, KvDim), layer.KeyBias.Values, keyStart, keyEnd);");
            w.Line("int valueStart = Math.Max(start - DModel - KvDim, 0), valueEnd = Math.Min(end - DModel - KvDim, KvDim);");
            w.Line("MultiplyRowsDModel(ref layer.Value.Data, ref x, ref values[cacheOffset], valueStart, valueEnd);");
            w.Line("AddBias(values.AsSpan(cacheOffset, KvDim), layer.ValueBias.Values, valueStart, valueEnd);");
        }

        w.Line();
        w.Line("/// <summary>target[i] += bias[i] for i in [start, end).</summary>");
        using (w.Block("private static void AddBias(Span<float> target, ReadOnlySpan<float> bias, int start, int end)"))
        {
            using (w.Block("for (int i = start; i < end; i++)"))
            {
                w.Line("target[i] += bias[i];");
            }
        }

        w.Line();
        w.Line("/// <summary>residual[row] += output projection row . attention + bias, for rows [start, end).</summary>");
        using (w.Block("internal static void ProjectOutputAddResidual(LayerWeights layer, float[] attention, float[] residual, int start, int end)"))
        {
            w.Line("ref float matrix = ref layer.Output.Data;");
            w.Line("ReadOnlySpan<float> bias = layer.OutputBias.Values;");
            using (w.Block("for (int row = start; row < end; row++)"))
            {
                w.Line("residual[row] += DotDModel(ref Unsafe.Add(ref matrix, (nint)row * DModel), ref attention[0]) + bias[row];");
            }
        }

        w.Line();
        w.Line("/// <summary>hidden[row] = GELU(up projection row . x + bias), for rows [start, end).</summary>");
        using (w.Block("internal static void ProjectUpGelu(LayerWeights layer, float[] input, float[] hidden, int start, int end)"))
        {
            w.Line("ref float matrix = ref layer.Up.Data;");
            w.Line("ReadOnlySpan<float> bias = layer.UpBias.Values;");
            using (w.Block("for (int row = start; row < end; row++)"))
            {
                w.Line("hidden[row] = Gelu(DotDModel(ref Unsafe.Add(ref matrix, (nint)row * DModel), ref input[0]) + bias[row]);");
            }
        }

        w.Line();
        w.Line("/// <summary>residual[row] += down projection row . hidden + bias, for rows [start, end).</summary>");
        using (w.Block("internal static void ProjectDownAddResidual(LayerWeights layer, float[] hidden, float[] residual, int start, int end)"))
        {
            w.Line("ref float matrix = ref layer.Down.Data;");
            w.Line("ReadOnlySpan<float> bias = layer.DownBias.Values;");
            using (w.Block("for (int row = start; row < end; row++)"))
            {
                w.Line("residual[row] += DotFfnDim(ref Unsafe.Add(ref matrix, (nint)row * FfnDim), ref hidden[0]) + bias[row];");
            }
        }
    }
}
