using Codegen;

namespace Explain;

/// <summary>The stories260K model (a 260K-parameter Llama trained on TinyStories), with its inspecting session.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, Inspectable = true)]
public partial class Stories260K
{
}

/// <summary>Hugging Face's tiny random GPT-2 (../shared/models/gpt2-tiny), with its inspecting session: random weights, so its pictures are noise.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512, Inspectable = true)]
public partial class Gpt2TinyRandom
{
}
