namespace Codegen.Generator.Model;

/// <summary>
/// How a Hugging Face config stretches the rotary frequencies for contexts longer than the model was trained
/// on (<c>rope_scaling</c>): "linear" divides every frequency by <paramref name="Factor"/>; "llama3"
/// (Llama 3.1 and later) divides only the low frequencies, leaves the high ones and blends in between.
/// </summary>
/// <param name="Type">"linear" or "llama3".</param>
/// <param name="Factor"><c>factor</c>.</param>
/// <param name="LowFrequencyFactor"><c>low_freq_factor</c> (llama3 only; 0 otherwise).</param>
/// <param name="HighFrequencyFactor"><c>high_freq_factor</c> (llama3 only; 0 otherwise).</param>
/// <param name="OriginalContext"><c>original_max_position_embeddings</c> (llama3 only; 0 otherwise).</param>
internal sealed record RopeScaling(string Type, double Factor, double LowFrequencyFactor, double HighFrequencyFactor, int OriginalContext)
{
    public const string Linear = "linear";

    public const string Llama3 = "llama3";
}

/// <summary>
/// What a Hugging Face <c>config.json</c> says about a model, in the attribute's terms, plus the variants
/// only a config can declare. Plain values, so it can travel through the cached pipeline.
/// </summary>
/// <param name="Architecture">The config's architecture, for example <c>Qwen2ForCausalLM</c>.</param>
/// <param name="Family">The family it belongs to.</param>
/// <param name="QueryKeyValueBias">Biases on the query, key and value projections (Qwen2; Llama's <c>attention_bias</c>).</param>
/// <param name="OutputBias">A bias on the attention output projection (Llama's <c>attention_bias</c>).</param>
/// <param name="SlidingWindow">Positions a query sees, itself included (<c>sliding_window</c>); 0 for none.</param>
/// <param name="RopeScaling">The rotary scaling, or null.</param>
internal sealed record ConfigShape(
    string Architecture,
    ModelFamily Family,
    int DModel,
    int Heads,
    int KvHeads,
    int Layers,
    int Vocab,
    int Context,
    int FfnDim,
    double NormEpsilon,
    double RopeTheta,
    bool TiedEmbeddings,
    bool QueryKeyValueBias,
    bool OutputBias,
    int SlidingWindow,
    RopeScaling? RopeScaling);
