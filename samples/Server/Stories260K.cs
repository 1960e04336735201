using Codegen;

namespace Codegen.Server;

/// <summary>The stories260K model the server answers with by default: a 260K-parameter Llama trained on TinyStories.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
public partial class Stories260K
{
}
