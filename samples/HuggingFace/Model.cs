using Codegen;

namespace HuggingFaceSample;

/// <summary>
/// The model of the folder this sample was built for: every size, the family (Llama, Mistral, Qwen2, Phi-3 or
/// GPT-2) and its variants come from that folder's config.json, read by the generator at build time. A model
/// whose context is very long (Llama 3.2: 131072 positions) needs a KV cache to match; write a shorter one here,
/// for example <c>Context = 4096</c>.
/// </summary>
[TransformerModel(Config = "config.json")]
public partial class Model
{
}
