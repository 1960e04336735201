using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>Writes the model's sizes as named constants: the one place every other file takes them from.</summary>
internal static class ShapeEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        string family = spec.Family == Family.Gpt2
            ? "GPT-2 family: LayerNorm, GELU MLP, learned position embeddings, biases."
            : "Llama family: RMSNorm, SwiGLU MLP, rotary positions, grouped key/value heads" + LlamaVariant(spec) + ".";
        if (spec.Architecture is not null)
        {
            family = $"From a Hugging Face config ({spec.Architecture}). {family}";
        }

        w.Line("/// <summary>");
        w.Line($"/// {spec.ClassName}: a decoder-only transformer of {spec.Layers} layers, {spec.DModel} wide, {spec.Heads} heads.");
        w.Line($"/// {family}");
        w.Line("/// </summary>");
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>The architecture family this code was generated for.</summary>");
            w.Line($"public const {Names.ModelFamily} Family = {Names.ModelFamily}.{spec.Family};");
            w.Line();
            Constant(w, "DModel", spec.DModel, "Width of the residual stream: every token is a vector of this many values.");
            Constant(w, "Heads", spec.Heads, "Number of query heads.");
            Constant(w, "KvHeads", spec.KvHeads, "Number of key/value heads.");
            Constant(w, "HeadDim", spec.HeadDim, "Size of one head: DModel / Heads.");
            Constant(w, "KvDim", spec.KvDim, "Width of the keys (and values) of one position: KvHeads * HeadDim.");
            Constant(w, "QueriesPerKvHead", spec.QueriesPerKvHead, "Query heads that share one key/value head: Heads / KvHeads.");
            Constant(w, "FfnDim", spec.FfnDim, "Hidden size of the MLP.");
            Constant(w, "Layers", spec.Layers, "Number of transformer layers.");
            Constant(w, "Vocab", spec.Vocab, "Vocabulary size: one logit per token.");
            Constant(w, "Context", spec.Context, "Longest sequence the KV cache holds (prompt plus generated tokens).");
            if (spec.SlidingWindow > 0)
            {
                Constant(w, "SlidingWindow", spec.SlidingWindow, "Positions a query attends to, itself included: the sliding window (the causal mask also hides positions older than this).");
            }

            w.Line("/// <summary>Epsilon added to the variance (or mean square) in every norm.</summary>");
            w.Line($"public const float NormEpsilon = {Literals.Float(spec.NormEpsilon)};");
            w.Line();
            if (spec.Family == Family.Llama)
            {
                w.Line("/// <summary>Base of the rotary position frequencies.</summary>");
                w.Line($"public const float RopeTheta = {Literals.Float(spec.RopeTheta)};");
                w.Line();
                if (spec.RopeScaling is { } scaling)
                {
                    EmitRopeScaling(w, scaling);
                }
            }

            w.Line("/// <summary>Whether the unembedding reuses the token embedding matrix.</summary>");
            w.Line($"public const bool TiedEmbeddings = {Literals.Bool(spec.TiedEmbeddings)};");
            w.Line();
            EmitShapeType(w, spec);
        }
    }

    /// <summary>
    /// The sizes as a type, for the runtime's CPU kernels: a generic kernel instantiated with a struct is
    /// compiled for that struct alone, so every size below is a constant in its code.
    /// </summary>
    private static void EmitShapeType(IndentedWriter w, ModelSpec spec)
    {
        string model = spec.ClassName;
        w.Line("/// <summary>");
        w.Line("/// These sizes as a type, for the runtime's CPU kernels (<c>Kernel&lt;Shape&gt;</c>): the JIT compiles a generic");
        w.Line("/// method once for each struct it is given, with every size below a constant, as if written out for this model.");
        w.Line("/// </summary>");
        w.Line(Names.GeneratedCodeAttribute);
        using (w.Block($"internal readonly struct Shape : {Names.IModelShape}"))
        {
            foreach (string size in new[] { "DModel", "Heads", "KvHeads", "HeadDim", "KvDim", "QueriesPerKvHead", "FfnDim", "Vocab", "Context" })
            {
                w.Line($"public static int {size} => {model}.{size};");
            }

            w.Line($"public static int AttentionWindow => {model}.{(spec.SlidingWindow > 0 ? "SlidingWindow" : "Context")};");
            w.Line("public static int CachePositions => CpuKernels.CachePositions;");
            w.Line($"public static float NormEpsilon => {model}.NormEpsilon;");
            w.Line("// Products read rows one after another with a prefetch when the matrices outgrow the caches.");
            w.Line($"public static bool StreamRows => {Literals.Bool(CpuKernelsEmitter.StreamsRows(spec))};");
        }
    }

    /// <summary>The variants a Llama-family config adds, as the summary names them.</summary>
    private static string LlamaVariant(ModelSpec spec)
    {
        var parts = new System.Collections.Generic.List<string>();
        if (spec.QueryKeyValueBias)
        {
            parts.Add(spec.OutputBias ? "biases on the query, key, value and output projections" : "biases on the query, key and value projections");
        }

        if (spec.SlidingWindow > 0)
        {
            parts.Add("a sliding attention window");
        }

        if (spec.RopeScaling is not null)
        {
            parts.Add($"\"{spec.RopeScaling.Type}\" rotary scaling");
        }

        return parts.Count == 0 ? string.Empty : "; " + string.Join(", ", parts);
    }

    private static void EmitRopeScaling(IndentedWriter w, RopeScaling scaling)
    {
        w.Line("/// <summary>Rotary scaling (rope_scaling.factor): low frequencies are divided by this to stretch the context.</summary>");
        w.Line($"public const double RopeScalingFactor = {Literals.Double(scaling.Factor)};");
        w.Line();
        if (scaling.Type == RopeScaling.Llama3)
        {
            w.Line("/// <summary>Llama 3 rotary scaling: wavelengths above RopeOriginalContext / this are divided by RopeScalingFactor (low_freq_factor).</summary>");
            w.Line($"public const double RopeLowFrequencyFactor = {Literals.Double(scaling.LowFrequencyFactor)};");
            w.Line();
            w.Line("/// <summary>Llama 3 rotary scaling: wavelengths below RopeOriginalContext / this are kept (high_freq_factor); those between are blended.</summary>");
            w.Line($"public const double RopeHighFrequencyFactor = {Literals.Double(scaling.HighFrequencyFactor)};");
            w.Line();
            Constant(w, "RopeOriginalContext", scaling.OriginalContext, "Llama 3 rotary scaling: the context the model was first trained on (original_max_position_embeddings).");
        }
    }

    private static void Constant(IndentedWriter w, string name, int value, string summary)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Line($"public const int {name} = {value};");
        w.Line();
    }
}
