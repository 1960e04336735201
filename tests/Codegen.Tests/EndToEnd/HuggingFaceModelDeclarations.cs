using Codegen;

namespace Codegen.Tests.EndToEnd;

// Models declared from Hugging Face config.json files (tests/golden/hf_families.py wrote the configs, the seeded
// random weights and the float64 reference logits). Each config is an AdditionalFiles item of this project.

/// <summary>LlamaForCausalLM: grouped-query heads of 8, untied embeddings, float32 weights.</summary>
[TransformerModel(Config = "Golden/hf/llama-hf/config.json")]
internal partial class HfLlama
{
}

/// <summary>LlamaForCausalLM with attention_bias (query, key, value and output biases), llama3 rotary scaling, BF16 weights in two shards.</summary>
[TransformerModel(Config = "Golden/hf/llama-hf-bias-bf16-sharded/config.json")]
internal partial class HfLlamaBiasScaled
{
}

/// <summary>LlamaForCausalLM with linear rotary scaling (factor 4), tied embeddings, heads of 8.</summary>
[TransformerModel(Config = "Golden/hf/llama-linear/config.json")]
internal partial class HfLlamaLinear
{
}

/// <summary>MistralForCausalLM with a sliding window of 5 positions, F16 weights.</summary>
[TransformerModel(Config = "Golden/hf/mistral-window/config.json", Inspectable = true)]
internal partial class HfMistralWindow
{
}

/// <summary>Qwen2ForCausalLM: biases on the query, key and value projections, tied embeddings, heads of 14.</summary>
[TransformerModel(Config = "Golden/hf/qwen2/config.json")]
internal partial class HfQwen2
{
}

/// <summary>The Qwen2 model with Q8 projection matrices.</summary>
[TransformerModel(Config = "Golden/hf/qwen2/config.json", Weights = WeightFormat.Q8)]
internal partial class HfQwen2Q8
{
}

/// <summary>Phi3ForCausalLM: fused qkv_proj and gate_up_proj in the file, a sliding window of context - 1.</summary>
[TransformerModel(Config = "Golden/hf/phi3/config.json")]
internal partial class HfPhi3
{
}

/// <summary>The odd GPT-2 (tests/golden/gpt2_odd_shape.py) declared from its config.json alone.</summary>
[TransformerModel(Config = "Golden/gpt2-odd/config.json")]
internal partial class HfGpt2Odd
{
}


/// <summary>
/// stories260K's shape as a Hugging Face config (tests/Codegen.Tests/Golden/hf/stories260k/config.json, written from
/// the shared README's description); its weights are converted to a Hugging Face folder at test time.
/// </summary>
[TransformerModel(Config = "Golden/hf/stories260k/config.json")]
internal partial class HfStories260K
{
}
