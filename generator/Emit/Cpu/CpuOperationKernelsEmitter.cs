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
        if (plan.Uses(NormKind.RmsNorm))
        {
            EmitRmsNorm(w);
        }

        if (plan.Uses(NormKind.LayerNorm))
        {
            if (plan.Uses(NormKind.RmsNorm))
            {
                w.Line();
            }

            EmitLayerNorm(w);
        }

        if (plan.Has<RotaryOperation>())
        {
            w.Line();
            EmitRotatePositions(w, spec);
        }

        w.Line();
        EmitAddInPlace(w);

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

    private static void Forward(IndentedWriter w, string summary, string signature, string call)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Line(Names.AggressiveInlining);
        w.Line($"internal static {signature} => {call};");
    }

    private static void EmitRmsNorm(IndentedWriter w) => Forward(
        w,
        "RMSNorm: output = weight * input / sqrt(mean(input^2) + NormEpsilon).",
        $"void RmsNorm({Names.Span}<float> output, {Names.ReadOnlySpan}<float> input, {Names.WeightTensor} weight)",
        $"{Names.Norms}.RmsNorm<Shape>(output, input, weight)");

    private static void EmitLayerNorm(IndentedWriter w) => Forward(
        w,
        "LayerNorm: output = (input - mean) / sqrt(variance + NormEpsilon) * weight + bias.",
        $"void LayerNorm({Names.Span}<float> output, {Names.ReadOnlySpan}<float> input, {Names.WeightTensor} weight, {Names.WeightTensor} bias)",
        $"{Names.Norms}.LayerNorm<Shape>(output, input, weight, bias)");

    private static void EmitRotatePositions(IndentedWriter w, ModelSpec spec) => Forward(
        w,
        "Rotary positions: in every head, pair (2j, 2j + 1) of the query and of this position's key turns by position * RopeTheta^(-2j / HeadDim).",
        $"void RotatePositions({Names.Span}<float> query, {Names.Span}<float> key, int position, float[] cos, float[] sin)",
        $"{Names.RotaryPositions}.Rotate<Shape>(query, key, position, cos, sin)");

    private static void EmitAddInPlace(IndentedWriter w) => Forward(
        w,
        "target[i] += source[i] for every i.",
        $"void AddInPlace({Names.Span}<float> target, {Names.ReadOnlySpan}<float> source)",
        $"{Names.Elementwise}.AddInPlace(target, source)");

    private static void EmitSwiGluInPlace(IndentedWriter w) => Forward(
        w,
        "SwiGLU in place: gate[i] = silu(gate[i]) * up[i].",
        $"void SwiGluInPlace({Names.Span}<float> gate, {Names.ReadOnlySpan}<float> up)",
        $"{Names.Elementwise}.SwiGluInPlace(gate, up)");

    private static void EmitGelu(IndentedWriter w, bool biased)
    {
        Forward(w, "GELU, the tanh approximation GPT-2 uses: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).", "float Gelu(float x)", $"{Names.Elementwise}.Gelu(x)");
        w.Line();
        Forward(w, "hidden[i] = GELU(hidden[i] + bias[i]) for a stretch of one token's MLP row.", $"void AddBiasGelu({Names.Span}<float> hidden, {Names.ReadOnlySpan}<float> bias)", $"{Names.Elementwise}.AddBiasGelu(hidden, bias)");
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
