using Codegen.Generator.Model;
using Codegen.Generator.Plan;

namespace Codegen.Generator.Emit.Gpu;

/// <summary>
/// Writes the ILGPU device functions and kernels of the plan's operations other than projections and
/// attention: the embedding, the norm it uses (computed by every group into shared memory), rotary
/// positions when it has them, and the activations of its MLP.
/// </summary>
internal static class GpuOperationKernelsEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        if (plan.LearnedPositions)
        {
            EmitEmbedWithPositions(w);
        }
        else
        {
            EmitEmbed(w);
        }

        w.Line();
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
            EmitRotary(w);
            if (spec.DModel % 4 != 0 || spec.KvDim % 4 != 0)
            {
                w.Line();
                EmitWarpDotPair(w);
            }
        }

        foreach (ProjectionOperation projection in plan.Projections)
        {
            if (projection.Epilogue == Epilogue.SwiGlu)
            {
                w.Line();
                EmitSwiGlu(w);
            }
            else if (projection.Epilogue == Epilogue.Gelu)
            {
                w.Line();
                EmitGelu(w);
            }
        }
    }

    private static void EmitEmbed(IndentedWriter w)
    {
        w.Line("/// <summary>Token embedding: residual = row <paramref name=\"token\"/> of the embedding matrix.</summary>");
        using (w.Block($"internal static void Embed({Names.ArrayView}<float> tokenEmbedding, {Names.ArrayView}<float> residual, int token)"))
        {
            using (w.Block($"for (int i = {Names.Grid}.GlobalIndex.X; i < DModel; i += {Names.Grid}.DimX * {Names.Group}.DimX)"))
            {
                w.Line("residual[i] = tokenEmbedding[((long)token * DModel) + i];");
            }
        }
    }

    private static void EmitEmbedWithPositions(IndentedWriter w)
    {
        w.Line("/// <summary>Token and position embeddings: residual = token row + position row.</summary>");
        using (w.Block($"internal static void Embed({Names.ArrayView}<float> tokenEmbedding, {Names.ArrayView}<float> positionEmbedding, {Names.ArrayView}<float> residual, int token, int position)"))
        {
            using (w.Block($"for (int i = {Names.Grid}.GlobalIndex.X; i < DModel; i += {Names.Grid}.DimX * {Names.Group}.DimX)"))
            {
                w.Line("residual[i] = tokenEmbedding[((long)token * DModel) + i] + positionEmbedding[((long)position * DModel) + i];");
            }
        }
    }

    private static void EmitRmsNorm(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// RMSNorm of the residual stream into shared memory, by the whole group: normalized = weight * x /");
        w.Line("/// sqrt(mean(x^2) + NormEpsilon). Every group computes it for itself, so the projection that follows");
        w.Line("/// needs no launch of its own. Ends with a barrier: the whole vector is ready.");
        w.Line("/// </summary>");
        using (w.Block($"private static void RmsNorm({Names.ArrayView}<float> residual, {Names.ArrayView}<float> weight, {Names.ArrayView}<float> normalized, {Names.ArrayView}<float> warpSums)"))
        {
            w.Line("float squares = 0;");
            using (w.Block($"for (int i = {Names.Group}.IdxX; i < DModel; i += {Names.Group}.DimX)"))
            {
                w.Line("float x = residual[i];");
                w.Line("normalized[i] = x;");
                w.Line("squares += x * x;");
            }

            w.Line($"float inverseRms = 1.0f / {Names.MathF}.Sqrt(({Names.GpuReductions}.GroupSum(squares, warpSums) / DModel) + NormEpsilon);");
            using (w.Block($"for (int i = {Names.Group}.IdxX; i < DModel; i += {Names.Group}.DimX)"))
            {
                w.Line("normalized[i] = weight[i] * (inverseRms * normalized[i]);");
            }

            w.Line($"{Names.Group}.Barrier();");
        }
    }

    private static void EmitLayerNorm(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// LayerNorm of the residual stream into shared memory, by the whole group: normalized = (x - mean) /");
        w.Line("/// sqrt(variance + NormEpsilon) * weight + bias. Every group computes it for itself, so the projection");
        w.Line("/// that follows needs no launch of its own. Ends with a barrier: the whole vector is ready.");
        w.Line("/// </summary>");
        using (w.Block($"private static void LayerNorm({Names.ArrayView}<float> residual, {Names.ArrayView}<float> weight, {Names.ArrayView}<float> bias, {Names.ArrayView}<float> normalized, {Names.ArrayView}<float> warpSums)"))
        {
            w.Line("float sum = 0;");
            using (w.Block($"for (int i = {Names.Group}.IdxX; i < DModel; i += {Names.Group}.DimX)"))
            {
                w.Line("float x = residual[i];");
                w.Line("normalized[i] = x;");
                w.Line("sum += x;");
            }

            w.Line($"float mean = {Names.GpuReductions}.GroupSum(sum, warpSums) / DModel;");
            w.Line("float squares = 0;");
            using (w.Block($"for (int i = {Names.Group}.IdxX; i < DModel; i += {Names.Group}.DimX)"))
            {
                w.Line("float centered = normalized[i] - mean;");
                w.Line("squares += centered * centered;");
            }

            w.Line($"float inverseDeviation = 1.0f / {Names.MathF}.Sqrt(({Names.GpuReductions}.GroupSum(squares, warpSums) / DModel) + NormEpsilon);");
            using (w.Block($"for (int i = {Names.Group}.IdxX; i < DModel; i += {Names.Group}.DimX)"))
            {
                w.Line("normalized[i] = ((normalized[i] - mean) * inverseDeviation * weight[i]) + bias[i];");
            }

            w.Line($"{Names.Group}.Barrier();");
        }
    }

    private static void EmitRotary(IndentedWriter w)
    {
        w.Line("/// <summary>Entries of each rotary table row: one angle per pair of a head.</summary>");
        w.Line("private const int RotaryPairs = HeadDim / 2;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Rotary positions: stores the pair (first, second) of rows <paramref name=\"row\"/>, row + 1 of a query or key,");
        w.Line("/// turned by position * RopeTheta^(-2j / HeadDim) for its pair j of the head (the model's rotary tables).");
        w.Line("/// </summary>");
        using (w.Block($"private static void StoreRotated({Names.ArrayView}<float> target, int offset, int row, float first, float second, int position, {Names.ArrayView}<float> rotaryCos, {Names.ArrayView}<float> rotarySin)"))
        {
            w.Line("int angle = (position * RotaryPairs) + ((row % HeadDim) / 2);");
            w.Line("float c = rotaryCos[angle];");
            w.Line("float s = rotarySin[angle];");
            w.Line("target[offset + row] = (first * c) - (second * s);");
            w.Line("target[offset + row + 1] = (first * s) + (second * c);");
        }
    }

    private static void EmitSwiGlu(IndentedWriter w)
    {
        w.Line("/// <summary>SwiGLU of one hidden unit: silu(gate) * up.</summary>");
        using (w.Block("private static float SwiGlu(float gate, float up)"))
        {
            w.Line($"return gate * (1.0f / (1.0f + {Names.MathF}.Exp(-gate))) * up;");
        }
    }

    private static void EmitGelu(IndentedWriter w)
    {
        w.Line("/// <summary>GELU, the tanh approximation GPT-2 uses: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), with tanh(u) = 1 - 2 / (exp(2u) + 1).</summary>");
        using (w.Block("private static float Gelu(float x)"))
        {
            w.Line("const float SqrtTwoOverPi = 0.7978845608028654f;");
            w.Line("float u = SqrtTwoOverPi * (x + (0.044715f * x * x * x));");
            w.Line($"float tanh = 1.0f - (2.0f / ({Names.MathF}.Exp(2.0f * u) + 1.0f));");
            w.Line("return 0.5f * x * (1.0f + tanh);");
        }
    }

    private static void EmitWarpDotPair(IndentedWriter w)
    {
        w.Line("/// <summary>Dot products of rows <paramref name=\"row\"/> and row + 1 of a matrix with DModel columns and <paramref name=\"vector\"/>, by one warp in one pass over the vector; lane 0 gets them.</summary>");
        using (w.Block($"private static GpuDotPair WarpDotPairDModel({Names.ArrayView}<float> matrix, int row, {Names.ArrayView}<float> vector)"))
        {
            w.Line("long first = (long)row * DModel;");
            w.Line("long second = first + DModel;");
            w.Line("float sumFirst = 0;");
            w.Line("float sumSecond = 0;");
            using (w.Block($"for (int column = {Names.Warp}.LaneIdx; column < DModel; column += {Names.Warp}.WarpSize)"))
            {
                w.Line("float x = vector[column];");
                w.Line("sumFirst += matrix[first + column] * x;");
                w.Line("sumSecond += matrix[second + column] * x;");
            }

            w.Line("GpuDotPair result;");
            w.Line($"result.First = {Names.GpuReductions}.WarpSum(sumFirst);");
            w.Line($"result.Second = {Names.GpuReductions}.WarpSum(sumSecond);");
            w.Line("return result;");
        }

        w.Line();
        w.Line("/// <summary>Two dot products computed together by one warp: the two rows of a rotary pair.</summary>");
        w.Line(Names.GeneratedCodeAttribute);
        using (w.Block("internal struct GpuDotPair"))
        {
            w.Line("public float First;");
            w.Line("public float Second;");
        }
    }
}
