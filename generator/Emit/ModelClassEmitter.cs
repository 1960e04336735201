using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the model object itself: it holds the immutable weights (and, for Llama, the rotary
/// tables) and creates sessions. One model can serve many sessions on many threads.
/// </summary>
internal static class ModelClassEmitter
{
    /// <summary>
    /// The rotary tables: llama2.c's float arithmetic for a model declared by its sizes (so its tables equal
    /// llama2.c's), Hugging Face's frequencies in double precision for a model from a config, with its scaling.
    /// </summary>
    private static void EmitRotaryTables(IndentedWriter w, ModelSpec spec)
    {
        if (spec.Architecture is null)
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

            return;
        }

        w.Line("// Pair j of every head turns by position * RopeTheta^(-2j / HeadDim). Hugging Face pairs dimension j with");
        w.Line("// j + HeadDim / 2; the loader reorders the query and key rows so that pair j is adjacent, (2j, 2j + 1).");
        using (w.Block("for (int pair = 0; pair < HeadDim / 2; pair++)"))
        {
            w.Line($"double frequency = 1.0 / {Names.Math}.Pow(RopeTheta, (2 * pair) / (double)HeadDim);");
            if (spec.RopeScaling?.Type == RopeScaling.Linear)
            {
                w.Line("// Linear scaling: every frequency divided by the factor.");
                w.Line("frequency /= RopeScalingFactor;");
            }
            else if (spec.RopeScaling?.Type == RopeScaling.Llama3)
            {
                w.Line("// Llama 3 scaling: long wavelengths (low frequencies) are divided by the factor, short ones kept,");
                w.Line("// and those between blended by where the wavelength falls between the two limits.");
                w.Line($"double wavelength = 2 * {Names.Math}.PI / frequency;");
                using (w.Block("if (wavelength > RopeOriginalContext / RopeLowFrequencyFactor)"))
                {
                    w.Line("frequency /= RopeScalingFactor;");
                }

                using (w.Block("else if (wavelength >= RopeOriginalContext / RopeHighFrequencyFactor)"))
                {
                    w.Line("double smooth = ((RopeOriginalContext / wavelength) - RopeLowFrequencyFactor) / (RopeHighFrequencyFactor - RopeLowFrequencyFactor);");
                    w.Line("frequency = ((1 - smooth) * frequency / RopeScalingFactor) + (smooth * frequency);");
                }
            }

            using (w.Block("for (int position = 0; position < Context; position++)"))
            {
                w.Line("double angle = position * frequency;");
                w.Line($"RotaryCos[(position * (HeadDim / 2)) + pair] = (float){Names.Math}.Cos(angle);");
                w.Line($"RotarySin[(position * (HeadDim / 2)) + pair] = (float){Names.Math}.Sin(angle);");
            }
        }
    }

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
                    EmitRotaryTables(w, spec);
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
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Starts a batch session on the CPU: up to <paramref name=\"maxSequences\"/> sequences, each with its own KV cache,");
            w.Line("/// decoded together so each step reads the weights once for all of them. Large products split over the shared pool.");
            w.Line("/// </summary>");
            w.Line($"public CpuBatchSession CreateBatchSession(int maxSequences = 8) => new CpuBatchSession(this, {Names.WorkerPool}.Shared, maxSequences);");
            w.Line();
            w.Line("/// <summary>Starts a batch session of up to <paramref name=\"maxSequences\"/> sequences on the CPU, splitting large products over <paramref name=\"pool\"/>.</summary>");
            w.Line($"public CpuBatchSession CreateBatchSession(int maxSequences, {Names.WorkerPool} pool) => new CpuBatchSession(this, pool ?? throw new {Names.ArgumentNullException}(nameof(pool)), maxSequences);");
        }
    }
}
