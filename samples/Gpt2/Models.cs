using Codegen;

namespace Gpt2Sample;

/// <summary>GPT-2 small: 124M parameters, the shape of Hugging Face's "gpt2".</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 768, Heads = 12, Layers = 12, Vocab = 50257, Context = 1024)]
public partial class Gpt2Small
{
}

/// <summary>Hugging Face's tiny-random-gpt2 test model (random weights: its text is noise).</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512)]
public partial class Gpt2TinyRandom
{
}
