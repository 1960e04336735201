using Codegen;

namespace Codegen.Benchmarks.Models;

// The shapes the benchmarks run, each compiled by the generator into its own specialized code.
// Only stories260K has real weights (../shared/models); the others get seeded random weights
// written at set-up (see RandomWeights).

/// <summary>The trained 260K-parameter TinyStories model (llama2.c's stories260K).</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
public partial class Stories260K
{
}

/// <summary>The TinyStories 15M shape (llama2.c's stories15M), float32 weights.</summary>
[TransformerModel(DModel = 288, Heads = 6, Layers = 6, FfnDim = 768, Vocab = 32000, Context = 256)]
public partial class Stories15M
{
}

/// <summary>The 15M shape with bf16 projection matrices.</summary>
[TransformerModel(DModel = 288, Heads = 6, Layers = 6, FfnDim = 768, Vocab = 32000, Context = 256, Weights = WeightFormat.BF16)]
public partial class Stories15MBf16
{
}

/// <summary>The 15M shape with 8-bit (per-block scaled) projection matrices.</summary>
[TransformerModel(DModel = 288, Heads = 6, Layers = 6, FfnDim = 768, Vocab = 32000, Context = 256, Weights = WeightFormat.Q8)]
public partial class Stories15MQ8
{
}

/// <summary>The 15M shape with 4-bit projection matrices (the classifier in 8 bits).</summary>
[TransformerModel(DModel = 288, Heads = 6, Layers = 6, FfnDim = 768, Vocab = 32000, Context = 256, Weights = WeightFormat.Q4)]
public partial class Stories15MQ4
{
}

/// <summary>The TinyStories 110M shape (llama2.c's stories110M), float32 weights.</summary>
[TransformerModel(DModel = 768, Heads = 12, Layers = 12, FfnDim = 2048, Vocab = 32000, Context = 1024)]
public partial class Stories110M
{
}

/// <summary>The 110M shape with bf16 projection matrices.</summary>
[TransformerModel(DModel = 768, Heads = 12, Layers = 12, FfnDim = 2048, Vocab = 32000, Context = 1024, Weights = WeightFormat.BF16)]
public partial class Stories110MBf16
{
}

/// <summary>The 110M shape with 8-bit (per-block scaled) projection matrices.</summary>
[TransformerModel(DModel = 768, Heads = 12, Layers = 12, FfnDim = 2048, Vocab = 32000, Context = 1024, Weights = WeightFormat.Q8)]
public partial class Stories110MQ8
{
}

/// <summary>The 110M shape with 4-bit projection matrices (the classifier in 8 bits).</summary>
[TransformerModel(DModel = 768, Heads = 12, Layers = 12, FfnDim = 2048, Vocab = 32000, Context = 1024, Weights = WeightFormat.Q4)]
public partial class Stories110MQ4
{
}

/// <summary>GPT-2 small (124M parameters), float32 weights.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 768, Heads = 12, Layers = 12, Vocab = 50257, Context = 1024)]
public partial class Gpt2Small
{
}

/// <summary>The Hugging Face tiny-random-gpt2 from ../shared/models/gpt2-tiny (random weights), for parity checks.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512)]
public partial class Gpt2Tiny
{
}
