using Codegen.Generator.Model;
using Codegen.Generator.Plan;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the CPU kernels of the plan's operations other than projections and attention: the norm it
/// uses, rotary positions when it has them, and the activations its MLP epilogues need.
/// </summary>
internal static class CpuOperationKernelsEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        if (plan.NormKind == NormKind.RmsNorm)
        {
            EmitRmsNorm(w);
        }
        else
        {
            EmitLayerNorm(w);
        }

        if (plan.Has<RotaryOperation>())
        {
            w.Line();
            EmitRotatePositions(w, spec);
        }

        bool swiGlu = false, gelu = false, geluBiased = true, storeBias = false;
        foreach (ProjectionOperation projection in plan.Projections)
        {
            swiGlu |= projection.Epilogue == Epilogue.SwiGlu;
            gelu |= projection.Epilogue == Epilogue.Gelu;
            geluBiased &= projection.Epilogue != Epilogue.Gelu || projection.Biased;
            storeBias |= projection.Epilogue == Epilogue.Store && projection.Biased;
        }

        if (swiGlu)
        {
            w.Line();
            EmitSwiGluInPlace(w);
        }

        if (gelu)
        {
            w.Line();
            EmitGelu(w, geluBiased);
        }

        if (storeBias)
        {
            w.Line();
            EmitAddBias(w);
        }
    }

    private static void EmitRmsNorm(IndentedWriter w)
    {
        w.Line("/// <summary>RMSNorm: output = weight * input / sqrt(mean(input^2) + NormEpsilon).</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void RmsNorm({Names.Span}<float> output, {Names.ReadOnlySpan}<float> input, {Names.WeightTensor} weight)"))
        {
            w.Line($"ref float x = ref {Names.MemoryMarshal}.GetReference(input);");
            w.Line("ref float scaleWeights = ref weight.Data;");
            w.Line($"ref float o = ref {Names.MemoryMarshal}.GetReference(output);");
            w.Line("float meanSquare = DotDModel(ref x, ref x) / DModel;");
            w.Line($"float inverseRms = 1.0f / {Names.MathF}.Sqrt(meanSquare + NormEpsilon);");
            using (w.Block("for (int i = 0; i < DModel; i++)"))
            {
                w.Line($"{Names.Unsafe}.Add(ref o, i) = {Names.Unsafe}.Add(ref scaleWeights, i) * (inverseRms * {Names.Unsafe}.Add(ref x, i));");
            }
        }
    }

    private static void EmitLayerNorm(IndentedWriter w)
    {
        w.Line("/// <summary>LayerNorm: output = (input - mean) / sqrt(variance + NormEpsilon) * weight + bias.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void LayerNorm({Names.Span}<float> output, {Names.ReadOnlySpan}<float> input, {Names.WeightTensor} weight, {Names.WeightTensor} bias)"))
        {
            w.Line($"{Names.ReadOnlySpan}<float> scale = weight.Values;");
            w.Line($"{Names.ReadOnlySpan}<float> shift = bias.Values;");
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

            w.Line($"float inverseDeviation = 1.0f / {Names.MathF}.Sqrt((squares / DModel) + NormEpsilon);");
            using (w.Block("for (int i = 0; i < DModel; i++)"))
            {
                w.Line("output[i] = ((input[i] - mean) * inverseDeviation * scale[i]) + shift[i];");
            }
        }
    }

    private static void EmitRotatePositions(IndentedWriter w, ModelSpec spec)
    {
        w.Line("/// <summary>");
        w.Line("/// Rotary positions: in every head, pair (2j, 2j + 1) of the query and of this position's key turns by");
        w.Line("/// position * RopeTheta^(-2j / HeadDim).");
        w.Line("/// </summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void RotatePositions({Names.Span}<float> query, {Names.Span}<float> key, int position, float[] cos, float[] sin)"))
        {
            w.Line("int tableRow = position * (HeadDim / 2);");
            if (spec.HeadDim % 8 == 0)
            {
                using (w.Block($"if ({Names.Vector256}.IsHardwareAccelerated && query.Length >= DModel && key.Length >= KvDim)"))
                {
                    w.Line("// Four pairs a vector: each pair's cosine and sine repeated for both of its values, the sine negated for");
                    w.Line("// the first, so [x0, x1] becomes [x0 * c - x1 * s, x1 * c + x0 * s] with the pair swapped by a shuffle.");
                    w.Line($"ref float q = ref {Names.MemoryMarshal}.GetReference(query);");
                    w.Line($"ref float k = ref {Names.MemoryMarshal}.GetReference(key);");
                    w.Line($"{Names.Vector256}<int> eachTwice = {Names.Vector256}.Create(0, 0, 1, 1, 2, 2, 3, 3);");
                    w.Line($"{Names.Vector256}<int> swapPairs = {Names.Vector256}.Create(1, 0, 3, 2, 5, 4, 7, 6);");
                    w.Line($"{Names.Vector256}<float> negateFirst = {Names.Vector256}.Create(-1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f);");
                    using (w.Block("for (int d = 0; d < HeadDim; d += 8)"))
                    {
                        w.Line($"{Names.Vector256}<float> c = {Names.Vector256}.Shuffle({Names.Vector128}.ToVector256Unsafe({Names.Vector128}.LoadUnsafe(ref cos[tableRow + (d / 2)])), eachTwice);");
                        w.Line($"{Names.Vector256}<float> s = {Names.Vector256}.Shuffle({Names.Vector128}.ToVector256Unsafe({Names.Vector128}.LoadUnsafe(ref sin[tableRow + (d / 2)])), eachTwice) * negateFirst;");
                        foreach ((string vector, string width) in new[] { ("q", "DModel"), ("k", "KvDim") })
                        {
                            using (w.Block($"for (int i = d; i < {width}; i += HeadDim)"))
                            {
                                w.Line($"{Names.Vector256}<float> x = {Names.Vector256}.LoadUnsafe(ref {vector}, (nuint)i);");
                                w.Line($"{Names.Vector256}.StoreUnsafe((x * c) + ({Names.Vector256}.Shuffle(x, swapPairs) * s), ref {vector}, (nuint)i);");
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
    }

    private static void EmitSwiGluInPlace(IndentedWriter w)
    {
        w.Line("/// <summary>SwiGLU in place: gate[i] = silu(gate[i]) * up[i].</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void SwiGluInPlace({Names.Span}<float> gate, {Names.ReadOnlySpan}<float> up)"))
        {
            w.Line($"ref float g = ref {Names.MemoryMarshal}.GetReference(gate);");
            w.Line($"ref float u = ref {Names.MemoryMarshal}.GetReference(up);");
            w.Line("int i = 0;");
            using (w.Block($"if ({Names.Vector256}.IsHardwareAccelerated)"))
            {
                using (w.Block("for (; i + 8 <= gate.Length; i += 8)"))
                {
                    w.Line($"{Names.Vector256}<float> x = {Names.Vector256}.LoadUnsafe(ref g, (nuint)i);");
                    w.Line($"{Names.Vector256}.StoreUnsafe(x * ({Names.Vector256}<float>.One / ({Names.Vector256}<float>.One + {Names.SimdMath}.Exp(-x))) * {Names.Vector256}.LoadUnsafe(ref u, (nuint)i), ref g, (nuint)i);");
                }
            }

            using (w.Block($"if ({Names.Vector128}.IsHardwareAccelerated)"))
            {
                using (w.Block("for (; i + 4 <= gate.Length; i += 4)"))
                {
                    w.Line($"{Names.Vector128}<float> x = {Names.Vector128}.LoadUnsafe(ref g, (nuint)i);");
                    w.Line($"{Names.Vector128}.StoreUnsafe(x * ({Names.Vector128}<float>.One / ({Names.Vector128}<float>.One + {Names.SimdMath}.Exp(-x))) * {Names.Vector128}.LoadUnsafe(ref u, (nuint)i), ref g, (nuint)i);");
                }
            }

            using (w.Block("for (; i < gate.Length; i++)"))
            {
                w.Line($"float x = {Names.Unsafe}.Add(ref g, i);");
                w.Line($"{Names.Unsafe}.Add(ref g, i) = x * (1.0f / (1.0f + {Names.MathF}.Exp(-x))) * {Names.Unsafe}.Add(ref u, i);");
            }
        }
    }

    private static void EmitGelu(IndentedWriter w, bool biased)
    {
        w.Line("/// <summary>GELU, the tanh approximation GPT-2 uses: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveInlining)]");
        using (w.Block("internal static float Gelu(float x)"))
        {
            w.Line("const float SqrtTwoOverPi = 0.7978845608028654f;");
            w.Line($"return 0.5f * x * (1.0f + {Names.MathF}.Tanh(SqrtTwoOverPi * (x + (0.044715f * x * x * x))));");
        }

        w.Line();
        w.Line("/// <summary>hidden[i] = GELU(hidden[i] + bias[i]) for a stretch of one token's MLP row, eight at a time.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void AddBiasGelu({Names.Span}<float> hidden, {Names.ReadOnlySpan}<float> bias)"))
        {
            w.Line($"ref float h = ref {Names.MemoryMarshal}.GetReference(hidden);");
            w.Line($"ref float b = ref {Names.MemoryMarshal}.GetReference(bias);");
            w.Line("int i = 0;");
            using (w.Block($"if ({Names.Vector256}.IsHardwareAccelerated)"))
            {
                using (w.Block("for (; i + 8 <= hidden.Length; i += 8)"))
                {
                    w.Line($"{Names.Vector256}.StoreUnsafe({Names.SimdMath}.Gelu({Names.Vector256}.LoadUnsafe(ref h, (nuint)i) + {Names.Vector256}.LoadUnsafe(ref b, (nuint)i)), ref h, (nuint)i);");
                }
            }

            using (w.Block("for (; i < hidden.Length; i++)"))
            {
                w.Line($"{Names.Unsafe}.Add(ref h, i) = Gelu({Names.Unsafe}.Add(ref h, i) + {Names.Unsafe}.Add(ref b, i));");
            }
        }

        if (biased)
        {
            return;
        }

        w.Line();
        w.Line("/// <summary>hidden[i] = GELU(hidden[i]) for a stretch of one token's MLP row.</summary>");
        using (w.Block($"internal static void GeluInPlace({Names.Span}<float> hidden)"))
        {
            using (w.Block("for (int i = 0; i < hidden.Length; i++)"))
            {
                w.Line("hidden[i] = Gelu(hidden[i]);");
            }
        }
    }

    private static void EmitAddBias(IndentedWriter w)
    {
        w.Line("/// <summary>target[i] += bias[i] for i in [start, end).</summary>");
        using (w.Block($"private static void AddBias({Names.Span}<float> target, {Names.ReadOnlySpan}<float> bias, int start, int end)"))
        {
            using (w.Block("for (int i = start; i < end; i++)"))
            {
                w.Line("target[i] += bias[i];");
            }
        }
    }
}
