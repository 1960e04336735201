using Codegen;

namespace Codegen.Benchmarks.Models;

/// <summary>stories260K with bf16 projection matrices (for the speed and the accuracy report).</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, Weights = WeightFormat.BF16)]
public partial class Stories260KBf16
{
}

/// <summary>stories260K with 8-bit (per-block scaled) projection matrices.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, Weights = WeightFormat.Q8)]
public partial class Stories260KQ8
{
}
