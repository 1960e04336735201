using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the model object itself: it holds the immutable weights (and, for Llama, the rotary
/// tables) and creates sessions. One model can serve many sessions on many threads.
/// </summary>
internal static class ModelClassEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        bool rotary = spec.Family == Family.Llama;
        using (w.Block($"partial class {spec.ClassName}"))
        {
            if (rotary)
            {
                w.Line("/// <summary>Rotary position table: cos of position * frequency, [Context, HeadDim / 2].</summary>");
                w.Line("internal readonly float[] RotaryCos = new float[Context * (HeadDim / 2)];");
                w.Line();
                w.Line("/// <summary>Rotary position table: sin of position * frequency, [Context, HeadDim / 2].</summary>");
                w.Line("internal readonly float[] RotarySin = new float[Context * (HeadDim / 2)];");
                w.Line();
            }

            using (w.Block($"private {spec.ClassName}(ModelWeights weights)"))
            {
                w.Line($"Weights = weights ?? throw new {Names.ArgumentNullException}(nameof(weights));");
                if (rotary)
                {
                    w.Line("// Pair j of every head turns by position * RopeTheta^(-2j / HeadDim), as llama2.c computes it.");
                    using (w.Block("for (int position = 0; position < Context; position++)"))
                    {
                        using (w.Block("for (int pair = 0; pair < HeadDim / 2; pair++)"))
                        {
                            w.Line($"float frequency = 1.0f / {Names.MathF}.Pow(RopeTheta, (2 * pair) / (float)HeadDim);");
                            w.Line("float angle = position * frequency;");
                            w.Line($"RotaryCos[(position * (HeadDim / 2)) + pair] = {Names.MathF}.Cos(angle);");
                            w.Line($"RotarySin[(position * (HeadDim / 2)) + pair] = {Names.MathF}.Sin(angle);");
                        }
                    }
                }
            }

            w.Line();
            w.Line("/// <summary>The model's weights, immutable and shared by every session.</summary>");
            w.Line("public ModelWeights Weights { get; }");
            w.Line();
            w.Line("/// <summary>Makes a model from weights that were loaded or made elsewhere (their shapes were checked when they were wrapped).</summary>");
            w.Line($"public static {spec.ClassName} FromWeights(ModelWeights weights) => new {spec.ClassName}(weights);");
            w.Line();
            w.Line("/// <summary>Starts a session (its own KV cache) on the CPU, splitting large products over the shared worker pool.</summary>");
            w.Line($"public CpuSession CreateSession() => new CpuSession(this, {Names.WorkerPool}.Shared);");
            w.Line();
            w.Line("/// <summary>Starts a session (its own KV cache) on the CPU, splitting large products over <paramref name=\"pool\"/>.</summary>");
            w.Line($"public CpuSession CreateSession({Names.WorkerPool} pool) => new CpuSession(this, pool ?? throw new {Names.ArgumentNullException}(nameof(pool)));");
        }
    }
}
