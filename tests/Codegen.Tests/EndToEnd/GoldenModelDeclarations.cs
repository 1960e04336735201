using Codegen;

namespace Codegen.Tests.EndToEnd;

/// <summary>Hugging Face tiny-random-gpt2 (shared/models/gpt2-tiny).</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512)]
internal partial class Gpt2Tiny
{
}

/// <summary>A random GPT-2 of odd sizes (tests/golden/gpt2_odd_shape.py): 5 heads of 12, FfnDim not 4 DModel.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 60, Heads = 5, Layers = 2, Vocab = 113, Context = 48, FfnDim = 150, Inspectable = true)]
internal partial class Gpt2Odd
{
}

/// <summary>The odd GPT-2 with a shorter context than its 48 stored positions.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 60, Heads = 5, Layers = 2, Vocab = 113, Context = 20, FfnDim = 150)]
internal partial class Gpt2OddShortContext
{
}

/// <summary>A random Llama with grouped-query heads and sizes that are not powers of two (tests/golden/llama_odd_shape.py).</summary>
[TransformerModel(DModel = 48, Heads = 6, KvHeads = 2, Layers = 2, FfnDim = 100, Vocab = 97, Context = 40, Inspectable = true)]
internal partial class LlamaOddGqa
{
}

/// <summary>A random Llama with a separate classifier (negative vocab_size in its header).</summary>
[TransformerModel(DModel = 36, Heads = 3, KvHeads = 3, Layers = 3, FfnDim = 92, Vocab = 75, Context = 24, TiedEmbeddings = false)]
internal partial class LlamaOddSeparate
{
}
