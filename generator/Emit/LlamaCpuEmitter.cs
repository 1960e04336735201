using System.Collections.Generic;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// What is Llama's own on the CPU: RMSNorm, rotary positions, the fused query/key/value and SwiGLU
/// projections, and the order of the forward pass. Everything else is shared with GPT-2.
/// </summary>
internal static class LlamaCpuEmitter
{
    /// <summary>The MLP's first decode step: the gate and up projections with SwiGLU (see <see cref="CpuSessionEmitter.DecodeSteps"/>).</summary>
    public static CpuStep MlpUpStep(ModelSpec spec) => new(
        "projectGateUp",
        "CpuKernels.ProjectGateUpSwiGlu(layer, normalized, hidden, {0}, {1})",
        "FfnDim",
        2L * spec.FfnDim * spec.DModel);

    /// <summary>One layer of a prefill chunk: RMSNorm, query/key/value, rotary positions and cache stores, output, RMSNorm, gate and up with SwiGLU, down.</summary>
    public static PrefillLayerSteps PrefillSteps(ModelSpec spec) => new(
        new[]
        {
            "// Attention block for every token of the chunk: RMSNorm, query/key/value products, rotary positions,",
            "// keys and values into the cache, then causal attention and the output product added back.",
        },
        CpuPrefillEmitter.TokenStep("prefillAttentionNorm", "NormalizeBatch(layer.AttentionNorm, {0}, {1})", spec.DModel),
        CpuPrefillEmitter.QueryKeyValueStep(spec),
        CpuPrefillEmitter.TokenStep("prefillRotateAndStore", "RotateAndStoreBatch({0}, {1})", spec.DModel + (2L * spec.KvDim)),
        CpuPrefillEmitter.OutputStep(spec),
        "// MLP block for every token: RMSNorm, gate and up products with SwiGLU, down product added back.",
        CpuPrefillEmitter.TokenStep("prefillFfnNorm", "NormalizeBatch(layer.FfnNorm, {0}, {1})", spec.DModel),
        new CpuStep(
            "prefillGateUp",
            "CpuKernels.ProjectGateUpSwiGluBatch(layer, normalizedBatch, gateBatch, upBatch, batchCount, {0}, {1})",
            "FfnDim",
            2L * spec.FfnDim * spec.DModel * CpuPrefillEmitter.ChunkTokens,
            CpuPrefillEmitter.PiecesPerThread),
        CpuPrefillEmitter.DownStep(spec, "gateBatch"));

    /// <summary>The token loops of <see cref="PrefillSteps"/>, as session methods over a range of the chunk's tokens.</summary>
    public static void EmitPrefillTokenMethods(IndentedWriter w)
    {
        w.Line("/// <summary>RMSNorm of the residual rows of the chunk's tokens [first, end) into their normalized rows.</summary>");
        using (w.Block("private void NormalizeBatch(WeightTensor weight, int first, int end)"))
        {
            using (w.Block("for (int t = first; t < end; t++)"))
            {
                w.Line("CpuKernels.RmsNorm(normalizedBatch.AsSpan(t * DModel, DModel), residualBatch.AsSpan(t * DModel, DModel), weight);");
            }
        }

        w.Line();
        w.Line("/// <summary>Rotary positions on the query and key rows of the chunk's tokens [first, end), then their keys and values into the cache.</summary>");
        using (w.Block("private void RotateAndStoreBatch(int first, int end)"))
        {
            using (w.Block("for (int t = first; t < end; t++)"))
            {
                w.Line("CpuKernels.RotatePositions(queryBatch.AsSpan(t * DModel, DModel), keyBatch.AsSpan(t * KvDim, KvDim), batchStart + t, model.RotaryCos, model.RotarySin);");
            }

            w.Line();
            w.Line("StoreKeysAndValuesBatch(first, end);");
        }
    }

    public static void EmitFinalNorm(IndentedWriter w, string input)
    {
        w.Line($"CpuKernels.RmsNorm(normalized, {input}, weights.FinalNorm);");
    }

    public static void EmitLayer(IndentedWriter w, ModelSpec spec, IReadOnlyList<CpuStep> steps)
    {
        w.Line("// Attention block. RMSNorm, then the query, key and value projections in one pass over the");
        w.Line("// normalized vector; this position's value goes straight into the KV cache.");
        w.Line("CpuKernels.RmsNorm(normalized, residual, layer.AttentionNorm);");
        steps[0].EmitDispatch(w);
        w.Line("// Rotary positions: turn each pair of query and key dimensions by an angle that grows with the position.");
        w.Line("CpuKernels.RotatePositions(query, key, currentPosition, model.RotaryCos, model.RotarySin);");
        w.Line("CpuKernels.StoreKey(key, keys, currentPosition);");
        CpuSessionEmitter.EmitAttentionDispatch(w, spec);
        w.Line("// Output projection of the concatenated heads, added back into the residual stream.");
        steps[1].EmitDispatch(w);
        w.Line();
        w.Line("// MLP block. RMSNorm, then SwiGLU: silu(gate . x) * (up . x), then the down projection added back.");
        w.Line("CpuKernels.RmsNorm(normalized, residual, layer.FfnNorm);");
        steps[2].EmitDispatch(w);
        steps[3].EmitDispatch(w);
    }

    public static void EmitFinal(IndentedWriter w, IReadOnlyList<CpuStep> steps)
    {
        w.Line("// Final RMSNorm and unembedding: one logit per token of the vocabulary.");
        EmitFinalNorm(w, "residual");
        steps[4].EmitDispatch(w);
    }

    public static void EmitKernels(IndentedWriter w, ModelSpec spec)
    {
        w.Line("/// <summary>RMSNorm: output = weight * input / sqrt(mean(input^2) + NormEpsilon).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void RmsNorm(Span<float> output, ReadOnlySpan<float> input, WeightTensor weight)"))
        {
            w.Line("ref float x = ref MemoryMarshal.GetReference(input);");
            w.Line("ref float scaleWeights = ref weight.Data;");
            w.Line("ref float o = ref MemoryMarshal.GetReference(output);");
            w.Line("float meanSquare = DotDModel(ref x, ref x) / DModel;");
            w.Line("float inverseRms = 1.0f / MathF.Sqrt(meanSquare + NormEpsilon);");
            using (w.Block("for (int i = 0; i < DModel; i++)"))
            {
                w.Line("Unsafe.Add(ref o, i) = Unsafe.Add(ref scaleWeights, i) * (inverseRms * Unsafe.Add(ref x, i));");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Rotary positions: in every head, pair (2j, 2j + 1) of the query and of this position's key turns by");
        w.Line("/// position * RopeTheta^(-2j / HeadDim).");
        w.Line("/// </summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void RotatePositions(Span<float> query, Span<float> key, int position, float[] cos, float[] sin)"))
        {
            w.Line("int tableRow = position * (HeadDim / 2);");
            if (spec.HeadDim % 8 == 0)
            {
                using (w.Block("if (Vector256.IsHardwareAccelerated && query.Length >= DModel && key.Length >= KvDim)"))
                {
                    w.Line("// Four pairs a vector: each pair's cosine and sine repeated for both of its values, the sine negated for");
                    w.Line("// the first, so [x0, x1] becomes [x0 * c - x1 * s, x1 * c + x0 * s] with the pair swapped by a shuffle.");
                    w.Line("ref float q = ref MemoryMarshal.GetReference(query);");
                    w.Line("ref float k = ref MemoryMarshal.GetReference(key);");
                    w.Line("Vector256<int> eachTwice = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);");
                    w.Line("Vector256<int> swapPairs = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);");
                    w.Line("Vector256<float> negateFirst = Vector256.Create(-1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f);");
                    using (w.Block("for (int d = 0; d < HeadDim; d += 8)"))
                    {
                        w.Line("Vector256<float> c = Vector256.Shuffle(Vector128.LoadUnsafe(ref cos[tableRow + (d / 2)]).ToVector256Unsafe(), eachTwice);");
                        w.Line("Vector256<float> s = Vector256.Shuffle(Vector128.LoadUnsafe(ref sin[tableRow + (d / 2)]).ToVector256Unsafe(), eachTwice) * negateFirst;");
                        foreach ((string vector, string width) in new[] { ("q", "DModel"), ("k", "KvDim") })
                        {
                            using (w.Block($"for (int i = d; i < {width}; i += HeadDim)"))
                            {
                                w.Line($"Vector256<float> x = Vector256.LoadUnsafe(ref {vector}, (nuint)i);");
                                w.Line($"Vector256.StoreUnsafe((x * c) + (Vector256.Shuffle(x, swapPairs) * s), ref {vector}, (nuint)i);");
                            }
                        }
                    }

                    w.Line("return;");
                }

                w.Line();
            }

            using (w.Block("for (int i = 0; i < DModel; i += 2)"))
            {
                w.Line("int pair = (i % HeadDim) / 2;");
                w.Line("float c = cos[tableRow + pair];");
                w.Line("float s = sin[tableRow + pair];");
                w.Line("float q0 = query[i];");
                w.Line("float q1 = query[i + 1];");
                w.Line("query[i] = (q0 * c) - (q1 * s);");
                w.Line("query[i + 1] = (q0 * s) + (q1 * c);");
                using (w.Block("if (i < KvDim)"))
                {
                    w.Line("float k0 = key[i];");
                    w.Line("float k1 = key[i + 1];");
                    w.Line("key[i] = (k0 * c) - (k1 * s);");
                    w.Line("key[i + 1] = (k0 * s) + (k1 * c);");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Query, key and value projections of the normalized input in one pass: rows [0, DModel) are the");
        w.Line("/// query, then KvDim rows of key, then KvDim rows of value, written into the value cache at valueOffset.");
        w.Line("/// </summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectQueryKeyValue(LayerWeights layer, float[] input, float[] query, float[] key, float[] values, int valueOffset, int start, int end)"))
        {
            w.Line("ref float x = ref input[0];");
            w.Line("MultiplyRowsDModel(layer.Query, ref x, ref query[0], start, Math.Min(end, DModel));");
            w.Line("MultiplyRowsDModel(layer.Key, ref x, ref key[0], Math.Max(start - DModel, 0), Math.Min(end - DModel, KvDim));");
            w.Line("MultiplyRowsDModel(layer.Value, ref x, ref values[valueOffset], Math.Max(start - DModel - KvDim, 0), Math.Min(end - DModel - KvDim, KvDim));");
        }

        w.Line();
        w.Line("/// <summary>residual[row] += output projection row . attention, for rows [start, end).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectOutputAddResidual(LayerWeights layer, float[] attention, float[] residual, int start, int end)"))
        {
            w.Line("ref float sum = ref residual[0];");
            CpuKernelsEmitter.EmitRowLoop(
                w,
                spec,
                "DModel",
                "attention[0]",
                new[] { ("layer.Output", "dot") },
                new[] { "Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sum, (nuint)row) + dot, ref sum, (nuint)row);" },
                new[] { "Unsafe.Add(ref sum, row) += dot;" });
        }

        w.Line();
        w.Line("/// <summary>SwiGLU, gate and up in one pass: hidden[row] = silu(gate row . x) * (up row . x), for rows [start, end).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectGateUpSwiGlu(LayerWeights layer, float[] input, float[] hidden, int start, int end)"))
        {
            if (spec.Weights != WeightFormat.Q8 && CpuKernelsEmitter.StreamsRows(spec))
            {
                w.Line("// Gate rows, then up rows: each matrix read front to back as one stream.");
                w.Line("MultiplyRowsDModel(layer.Gate, ref input[0], ref hidden[0], start, end);");
                CpuKernelsEmitter.EmitRowLoop(
                    w,
                    spec,
                    "DModel",
                    "input[0]",
                    new[] { ("layer.Up", "u") },
                    new[]
                    {
                        "Vector128<float> g = Vector128.LoadUnsafe(ref hidden[0], (nuint)row);",
                        "Vector128.StoreUnsafe(g * (Vector128<float>.One / (Vector128<float>.One + SimdMath.Exp(-g))) * u, ref hidden[0], (nuint)row);",
                    },
                    new[] { "float g = hidden[row];", "hidden[row] = g * (1.0f / (1.0f + MathF.Exp(-g))) * u;" });
            }
            else
            {
                CpuKernelsEmitter.EmitRowLoop(
                    w,
                    spec,
                    "DModel",
                    "input[0]",
                    new[] { ("layer.Gate", "g"), ("layer.Up", "u") },
                    new[] { "Vector128.StoreUnsafe(g * (Vector128<float>.One / (Vector128<float>.One + SimdMath.Exp(-g))) * u, ref hidden[0], (nuint)row);" },
                    new[] { "hidden[row] = g * (1.0f / (1.0f + MathF.Exp(-g))) * u;" });
            }
        }

        w.Line();
        w.Line("/// <summary>Gate and up products of every token of a prefill chunk for rows [start, end), then SwiGLU on those rows into gate.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectGateUpSwiGluBatch(LayerWeights layer, float[] input, float[] gate, float[] up, int tokens, int start, int end)"))
        {
            w.Line("MultiplyRowsBatchDModel(layer.Gate, ref input[0], ref gate[0], FfnDim, tokens, start, end);");
            w.Line("MultiplyRowsBatchDModel(layer.Up, ref input[0], ref up[0], FfnDim, tokens, start, end);");
            using (w.Block("for (int t = 0; t < tokens; t++)"))
            {
                w.Line("SwiGluInPlace(gate.AsSpan((t * FfnDim) + start, end - start), up.AsSpan((t * FfnDim) + start, end - start));");
            }
        }

        w.Line();
        w.Line("/// <summary>SwiGLU in place: gate[i] = silu(gate[i]) * up[i].</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void SwiGluInPlace(Span<float> gate, ReadOnlySpan<float> up)"))
        {
            w.Line("ref float g = ref MemoryMarshal.GetReference(gate);");
            w.Line("ref float u = ref MemoryMarshal.GetReference(up);");
            w.Line("int i = 0;");
            using (w.Block("if (Vector256.IsHardwareAccelerated)"))
            {
                using (w.Block("for (; i + 8 <= gate.Length; i += 8)"))
                {
                    w.Line("Vector256<float> x = Vector256.LoadUnsafe(ref g, (nuint)i);");
                    w.Line("Vector256.StoreUnsafe(x * (Vector256<float>.One / (Vector256<float>.One + SimdMath.Exp(-x))) * Vector256.LoadUnsafe(ref u, (nuint)i), ref g, (nuint)i);");
                }
            }

            using (w.Block("if (Vector128.IsHardwareAccelerated)"))
            {
                using (w.Block("for (; i + 4 <= gate.Length; i += 4)"))
                {
                    w.Line("Vector128<float> x = Vector128.LoadUnsafe(ref g, (nuint)i);");
                    w.Line("Vector128.StoreUnsafe(x * (Vector128<float>.One / (Vector128<float>.One + SimdMath.Exp(-x))) * Vector128.LoadUnsafe(ref u, (nuint)i), ref g, (nuint)i);");
                }
            }

            using (w.Block("for (; i < gate.Length; i++)"))
            {
                w.Line("float x = Unsafe.Add(ref g, i);");
                w.Line("Unsafe.Add(ref g, i) = x * (1.0f / (1.0f + MathF.Exp(-x))) * Unsafe.Add(ref u, i);");
            }
        }

        w.Line();
        w.Line("/// <summary>residual[row] += down projection row . hidden, for rows [start, end).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectDownAddResidual(LayerWeights layer, float[] hidden, float[] residual, int start, int end)"))
        {
            w.Line("ref float sum = ref residual[0];");
            CpuKernelsEmitter.EmitRowLoop(
                w,
                spec,
                "FfnDim",
                "hidden[0]",
                new[] { ("layer.Down", "dot") },
                new[] { "Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sum, (nuint)row) + dot, ref sum, (nuint)row);" },
                new[] { "Unsafe.Add(ref sum, row) += dot;" });
        }
    }
}
