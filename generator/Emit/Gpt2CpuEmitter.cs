using System.Collections.Generic;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// What is GPT-2's own on the CPU: LayerNorm with bias, biases on every projection, the GELU MLP
/// and the order of the forward pass. Attention, products and softmax are shared with Llama.
/// </summary>
internal static class Gpt2CpuEmitter
{
    /// <summary>The MLP's first decode step: the up projection with its bias and GELU (see <see cref="CpuSessionEmitter.DecodeSteps"/>).</summary>
    public static CpuStep MlpUpStep(ModelSpec spec) => new(
        "projectUp",
        "CpuKernels.ProjectUpGelu(layer, normalized, hidden, {0}, {1})",
        "FfnDim",
        (long)spec.FfnDim * spec.DModel);

    /// <summary>One layer of a prefill chunk: LayerNorm, query/key/value, their biases and cache stores, output plus bias, LayerNorm, up with bias and GELU, down plus bias.</summary>
    public static PrefillLayerSteps PrefillSteps(ModelSpec spec) => new(
        new[]
        {
            "// Attention block for every token of the chunk: LayerNorm, query/key/value products plus biases,",
            "// keys and values into the cache, then causal attention and the output product plus bias added back.",
        },
        CpuPrefillEmitter.TokenStep("prefillAttentionNorm", "NormalizeBatch(layer.AttentionNorm, layer.AttentionNormBias, {0}, {1})", spec.DModel),
        CpuPrefillEmitter.QueryKeyValueStep(spec),
        CpuPrefillEmitter.TokenStep("prefillBiasAndStore", "AddBiasesAndStoreBatch({0}, {1})", spec.DModel + (2L * spec.KvDim)),
        CpuPrefillEmitter.OutputStep(spec),
        "// MLP block for every token: LayerNorm, up product with bias and GELU, down product plus bias added back.",
        CpuPrefillEmitter.TokenStep("prefillFfnNorm", "NormalizeBatch(layer.FfnNorm, layer.FfnNormBias, {0}, {1})", spec.DModel),
        new CpuStep(
            "prefillUp",
            "CpuKernels.ProjectUpGeluBatch(layer, normalizedBatch, upBatch, batchCount, {0}, {1})",
            "FfnDim",
            (long)spec.FfnDim * spec.DModel * CpuPrefillEmitter.ChunkTokens,
            CpuPrefillEmitter.PiecesPerThread),
        CpuPrefillEmitter.DownStep(spec, "upBatch"));

    /// <summary>The token loops of <see cref="PrefillSteps"/>, as session methods over a range of the chunk's tokens.</summary>
    public static void EmitPrefillTokenMethods(IndentedWriter w)
    {
        w.Line("/// <summary>LayerNorm of the residual rows of the chunk's tokens [first, end) into their normalized rows.</summary>");
        using (w.Block("private void NormalizeBatch(WeightTensor weight, WeightTensor bias, int first, int end)"))
        {
            using (w.Block("for (int t = first; t < end; t++)"))
            {
                w.Line("CpuKernels.LayerNorm(normalizedBatch.AsSpan(t * DModel, DModel), residualBatch.AsSpan(t * DModel, DModel), weight, bias);");
            }
        }

        w.Line();
        w.Line("/// <summary>Query, key and value biases on the rows of the chunk's tokens [first, end), then their keys and values into the cache.</summary>");
        using (w.Block("private void AddBiasesAndStoreBatch(int first, int end)"))
        {
            using (w.Block("for (int t = first; t < end; t++)"))
            {
                w.Line("CpuKernels.AddInPlace(queryBatch.AsSpan(t * DModel, DModel), layer.QueryBias.Values);");
                w.Line("CpuKernels.AddInPlace(keyBatch.AsSpan(t * KvDim, KvDim), layer.KeyBias.Values);");
                w.Line("CpuKernels.AddInPlace(valueBatch.AsSpan(t * KvDim, KvDim), layer.ValueBias.Values);");
            }

            w.Line();
            w.Line("StoreKeysAndValuesBatch(first, end);");
        }
    }

    public static void EmitFinalNorm(IndentedWriter w, string input)
    {
        w.Line($"CpuKernels.LayerNorm(normalized, {input}, weights.FinalNorm, weights.FinalNormBias);");
    }

    public static void EmitLayer(IndentedWriter w, ModelSpec spec, IReadOnlyList<CpuStep> steps)
    {
        w.Line("// Attention block. LayerNorm, then the query, key and value projections (with biases) in one pass;");
        w.Line("// this position's value goes straight into the KV cache, its key after a transpose.");
        w.Line("CpuKernels.LayerNorm(normalized, residual, layer.AttentionNorm, layer.AttentionNormBias);");
        steps[0].EmitDispatch(w);
        w.Line("CpuKernels.StoreKey(key, keys, currentPosition);");
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
        EmitFinalNorm(w, "residual");
        steps[4].EmitDispatch(w);
    }

    public static void EmitKernels(IndentedWriter w, ModelSpec spec)
    {
        w.Line("/// <summary>LayerNorm: output = (input - mean) / sqrt(variance + NormEpsilon) * weight + bias.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void LayerNorm(Span<float> output, ReadOnlySpan<float> input, WeightTensor weight, WeightTensor bias)"))
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
        w.Line("/// <summary>hidden[i] = GELU(hidden[i] + bias[i]) for a stretch of one token's MLP row, eight at a time.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void AddBiasGelu(Span<float> hidden, ReadOnlySpan<float> bias)"))
        {
            w.Line("ref float h = ref MemoryMarshal.GetReference(hidden);");
            w.Line("ref float b = ref MemoryMarshal.GetReference(bias);");
            w.Line("int i = 0;");
            using (w.Block("if (Vector256.IsHardwareAccelerated)"))
            {
                using (w.Block("for (; i + 8 <= hidden.Length; i += 8)"))
                {
                    w.Line("Vector256.StoreUnsafe(SimdMath.Gelu(Vector256.LoadUnsafe(ref h, (nuint)i) + Vector256.LoadUnsafe(ref b, (nuint)i)), ref h, (nuint)i);");
                }
            }

            using (w.Block("for (; i < hidden.Length; i++)"))
            {
                w.Line("Unsafe.Add(ref h, i) = Gelu(Unsafe.Add(ref h, i) + Unsafe.Add(ref b, i));");
            }
        }

        w.Line();
        w.Line("/// <summary>Up products of every token of a prefill chunk for rows [start, end), then bias and GELU on those rows.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectUpGeluBatch(LayerWeights layer, float[] input, float[] up, int tokens, int start, int end)"))
        {
            w.Line("MultiplyRowsBatchDModel(layer.Up, ref input[0], ref up[0], FfnDim, tokens, start, end);");
            using (w.Block("for (int t = 0; t < tokens; t++)"))
            {
                w.Line("AddBiasGelu(up.AsSpan((t * FfnDim) + start, end - start), layer.UpBias.Values.Slice(start, end - start));");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Query, key and value projections plus biases in one pass: rows [0, DModel) are the query, then KvDim");
        w.Line("/// rows of key, then KvDim rows of value, written into the value cache at valueOffset.");
        w.Line("/// </summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectQueryKeyValue(LayerWeights layer, float[] input, float[] query, float[] key, float[] values, int valueOffset, int start, int end)"))
        {
            w.Line("ref float x = ref input[0];");
            w.Line("int queryEnd = Math.Min(end, DModel);");
            w.Line("MultiplyRowsDModel(layer.Query, ref x, ref query[0], start, queryEnd);");
            w.Line("AddBias(query.AsSpan(), layer.QueryBias.Values, start, queryEnd);");
            w.Line("int keyStart = Math.Max(start - DModel, 0), keyEnd = Math.Min(end - DModel, KvDim);");
            w.Line("MultiplyRowsDModel(layer.Key, ref x, ref key[0], keyStart, keyEnd);");
            w.Line("AddBias(key.AsSpan(), layer.KeyBias.Values, keyStart, keyEnd);");
            w.Line("int valueStart = Math.Max(start - DModel - KvDim, 0), valueEnd = Math.Min(end - DModel - KvDim, KvDim);");
            w.Line("MultiplyRowsDModel(layer.Value, ref x, ref values[valueOffset], valueStart, valueEnd);");
            w.Line("AddBias(values.AsSpan(valueOffset, KvDim), layer.ValueBias.Values, valueStart, valueEnd);");
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
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectOutputAddResidual(LayerWeights layer, float[] attention, float[] residual, int start, int end)"))
        {
            w.Line("ref float bias = ref layer.OutputBias.Data;");
            w.Line("ref float sum = ref residual[0];");
            CpuKernelsEmitter.EmitRowLoop(
                w,
                spec,
                "DModel",
                "attention[0]",
                new[] { ("layer.Output", "dot") },
                new[] { "Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sum, (nuint)row) + (dot + Vector128.LoadUnsafe(ref bias, (nuint)row)), ref sum, (nuint)row);" },
                new[] { "Unsafe.Add(ref sum, row) += dot + Unsafe.Add(ref bias, row);" });
        }

        w.Line();
        w.Line("/// <summary>hidden[row] = GELU(up projection row . x + bias), for rows [start, end).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectUpGelu(LayerWeights layer, float[] input, float[] hidden, int start, int end)"))
        {
            w.Line("ref float bias = ref layer.UpBias.Data;");
            CpuKernelsEmitter.EmitRowLoop(
                w,
                spec,
                "DModel",
                "input[0]",
                new[] { ("layer.Up", "dot") },
                new[] { "Vector128.StoreUnsafe(SimdMath.Gelu(dot + Vector128.LoadUnsafe(ref bias, (nuint)row)), ref hidden[0], (nuint)row);" },
                new[] { "hidden[row] = Gelu(dot + Unsafe.Add(ref bias, row));" });
        }

        w.Line();
        w.Line("/// <summary>residual[row] += down projection row . hidden + bias, for rows [start, end).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectDownAddResidual(LayerWeights layer, float[] hidden, float[] residual, int start, int end)"))
        {
            w.Line("ref float bias = ref layer.DownBias.Data;");
            w.Line("ref float sum = ref residual[0];");
            CpuKernelsEmitter.EmitRowLoop(
                w,
                spec,
                "FfnDim",
                "hidden[0]",
                new[] { ("layer.Down", "dot") },
                new[] { "Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sum, (nuint)row) + (dot + Vector128.LoadUnsafe(ref bias, (nuint)row)), ref sum, (nuint)row);" },
                new[] { "Unsafe.Add(ref sum, row) += dot + Unsafe.Add(ref bias, row);" });
        }
    }
}
