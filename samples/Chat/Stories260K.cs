using Codegen;

namespace ChatSample;

/// <summary>The stories260K model: a 260K-parameter Llama trained on TinyStories (a story model, not a chat model).</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
public partial class Stories260K
{
}
