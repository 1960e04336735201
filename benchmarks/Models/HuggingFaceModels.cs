using Codegen;

namespace Codegen.Benchmarks.Models;

// The Hugging Face shapes the benchmarks run, read by the generator at build time from the config.json files
// under Models/HuggingFace (AdditionalFiles of this project), with a KV cache of 1024 positions. The weights are
// seeded random Hugging Face folders (RandomWeights.HuggingFaceFolder), F32 on disk; the BF16 and Q8 declarations
// convert them at load.

/// <summary>SmolLM2-135M's shape (LlamaForCausalLM: 576 wide, 30 layers, 9 heads over 3 key/value heads, tied), float32 weights.</summary>
[TransformerModel(Config = "Models/HuggingFace/smollm2-135m/config.json", Context = 1024)]
public partial class SmolLM2
{
}

/// <summary>SmolLM2-135M's shape with bf16 projection matrices.</summary>
[TransformerModel(Config = "Models/HuggingFace/smollm2-135m/config.json", Context = 1024, Weights = WeightFormat.BF16)]
public partial class SmolLM2Bf16
{
}

/// <summary>SmolLM2-135M's shape with 8-bit (per-block scaled) projection matrices.</summary>
[TransformerModel(Config = "Models/HuggingFace/smollm2-135m/config.json", Context = 1024, Weights = WeightFormat.Q8)]
public partial class SmolLM2Q8
{
}

/// <summary>Qwen2.5-0.5B's shape (Qwen2ForCausalLM: 896 wide, 24 layers, 14 heads over 2 key/value heads, q/k/v biases, tied), float32 weights.</summary>
[TransformerModel(Config = "Models/HuggingFace/qwen2.5-0.5b/config.json", Context = 1024)]
public partial class Qwen25
{
}

/// <summary>Qwen2.5-0.5B's shape with bf16 projection matrices.</summary>
[TransformerModel(Config = "Models/HuggingFace/qwen2.5-0.5b/config.json", Context = 1024, Weights = WeightFormat.BF16)]
public partial class Qwen25Bf16
{
}

/// <summary>Qwen2.5-0.5B's shape with 8-bit (per-block scaled) projection matrices.</summary>
[TransformerModel(Config = "Models/HuggingFace/qwen2.5-0.5b/config.json", Context = 1024, Weights = WeightFormat.Q8)]
public partial class Qwen25Q8
{
}
