using Codegen;

namespace Codegen.SideBySide;

// The benchmarks' shapes (benchmarks/Models), declared again here so that this harness compiles
// against any tree's generator. Only the public attribute is used: TransformerModel with its shape
// properties, WeightFormat and ModelFamily. Each class gets the generated static Load(path) and
// CreateSession(); the harness then speaks to the session through IInferenceSession only.

[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
public partial class Stories260K { }

[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, Weights = WeightFormat.BF16)]
public partial class Stories260KBf16 { }

[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, Weights = WeightFormat.Q8)]
public partial class Stories260KQ8 { }

[TransformerModel(DModel = 288, Heads = 6, Layers = 6, FfnDim = 768, Vocab = 32000, Context = 256)]
public partial class Stories15M { }

[TransformerModel(DModel = 288, Heads = 6, Layers = 6, FfnDim = 768, Vocab = 32000, Context = 256, Weights = WeightFormat.BF16)]
public partial class Stories15MBf16 { }

[TransformerModel(DModel = 288, Heads = 6, Layers = 6, FfnDim = 768, Vocab = 32000, Context = 256, Weights = WeightFormat.Q8)]
public partial class Stories15MQ8 { }

[TransformerModel(DModel = 768, Heads = 12, Layers = 12, FfnDim = 2048, Vocab = 32000, Context = 1024)]
public partial class Stories110M { }

[TransformerModel(DModel = 768, Heads = 12, Layers = 12, FfnDim = 2048, Vocab = 32000, Context = 1024, Weights = WeightFormat.BF16)]
public partial class Stories110MBf16 { }

[TransformerModel(DModel = 768, Heads = 12, Layers = 12, FfnDim = 2048, Vocab = 32000, Context = 1024, Weights = WeightFormat.Q8)]
public partial class Stories110MQ8 { }

[TransformerModel(Family = ModelFamily.Gpt2, DModel = 768, Heads = 12, Layers = 12, Vocab = 50257, Context = 1024)]
public partial class Gpt2Small { }
