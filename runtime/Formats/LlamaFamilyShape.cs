namespace Codegen.Formats;

/// <summary>
/// The shape a Llama-family model (Llama, Mistral, Qwen2, Phi-3) was compiled with, for
/// <see cref="HuggingFaceLlamaConfig.CheckLlamaFamily"/> to compare with a Hugging Face <c>config.json</c>.
/// </summary>
/// <param name="DModel">Model width (<c>hidden_size</c>).</param>
/// <param name="FfnDim">MLP width (<c>intermediate_size</c>).</param>
/// <param name="Layers">Transformer blocks (<c>num_hidden_layers</c>).</param>
/// <param name="Heads">Query heads (<c>num_attention_heads</c>); the head width is DModel / Heads.</param>
/// <param name="KvHeads">Key and value heads (<c>num_key_value_heads</c>).</param>
/// <param name="Vocab">Vocabulary size (<c>vocab_size</c>).</param>
/// <param name="Context">Longest context; <c>max_position_embeddings</c> may be longer, not shorter.</param>
/// <param name="NormEpsilon">RMSNorm epsilon (<c>rms_norm_eps</c>).</param>
/// <param name="RopeTheta">Rotary base (<c>rope_theta</c>).</param>
/// <param name="TiedEmbeddings">Whether the classifier is the token embedding (<c>tie_word_embeddings</c>).</param>
/// <param name="AttentionBias">Whether the query, key and value projections have biases.</param>
/// <param name="OutputBias">Whether the attention output projection has a bias.</param>
/// <param name="SlidingWindow">Attention window in tokens (the config's <c>sliding_window</c>); 0 for none.</param>
/// <param name="Factor">llama3 rope scaling <c>factor</c>; 0 when the model has no rope scaling.</param>
/// <param name="LowFreqFactor">llama3 rope scaling <c>low_freq_factor</c>; 0 when none.</param>
/// <param name="HighFreqFactor">llama3 rope scaling <c>high_freq_factor</c>; 0 when none.</param>
/// <param name="OriginalContext">llama3 rope scaling <c>original_max_position_embeddings</c>; 0 when none.</param>
/// <param name="RopeScalingType">The rope scaling's type, "llama3" or "linear" (linear uses <paramref name="Factor"/> only); null means llama3 when <paramref name="Factor"/> is set.</param>
public sealed record LlamaFamilyShape(
    int DModel,
    int FfnDim,
    int Layers,
    int Heads,
    int KvHeads,
    int Vocab,
    int Context,
    float NormEpsilon,
    float RopeTheta,
    bool TiedEmbeddings,
    bool AttentionBias,
    bool OutputBias,
    int SlidingWindow = 0,
    float Factor = 0,
    float LowFreqFactor = 0,
    float HighFreqFactor = 0,
    int OriginalContext = 0,
    string? RopeScalingType = null)
{
    /// <summary>The rope scaling's type as compiled: "llama3", "linear", or null for none.</summary>
    public string? ScalingType => RopeScalingType ?? (HasRopeScaling ? "llama3" : null);

    /// <summary>Whether the model was compiled with llama3 rope scaling (<see cref="Factor"/> is not 0).</summary>
    public bool HasRopeScaling => Factor != 0 || LowFreqFactor != 0 || HighFreqFactor != 0 || OriginalContext != 0;
}
