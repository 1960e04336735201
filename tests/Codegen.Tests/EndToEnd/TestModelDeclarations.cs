using Codegen;

namespace Codegen.Tests.EndToEnd;

/// <summary>The stories260K shape, as the llama2.c checkpoint in shared/models declares it.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
internal partial class Stories260KModel
{
}

/// <summary>stories260K with a shorter context: a smaller KV cache over the same weights.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 300)]
internal partial class Stories260KShortContext
{
}

/// <summary>stories260K with the 128-position context that the quantized GGUF files list (llama.context_length 128).</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 128)]
internal partial class Stories260KContext128
{
}

/// <summary>stories260K with 128 positions and Q8 projection and unembedding matrices (a GGUF file's Q8_0 blocks are copied as they are; other tensors are quantized from float32).</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 128, Weights = WeightFormat.Q8)]
internal partial class Stories260KContext128Q8
{
}

/// <summary>stories260K with 128 positions, 4-bit layer matrices and a separate 8-bit classifier (output.weight, as llama.cpp classifies with): a GGUF file's Q4_0/Q4_1/Q4_K and Q8_0 blocks are converted block for block, other tensors quantized from float32.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 128, TiedEmbeddings = false, Weights = WeightFormat.Q4)]
internal partial class Stories260KContext128Q4Untied
{
}

/// <summary>The shape of shared/models/gguf-tiny-random/llama-2-tiny-random.gguf: one layer, hidden size 8, the Llama 2 vocabulary, a separate classifier.</summary>
[TransformerModel(DModel = 8, Heads = 2, KvHeads = 2, Layers = 1, FfnDim = 32, Vocab = 32000, Context = 4096, TiedEmbeddings = false)]
internal partial class LlamaTinyRandomGguf
{
}

/// <summary>Disagrees with the stories260K header on the number of layers.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 4, FfnDim = 172, Vocab = 512, Context = 512)]
internal partial class Stories260KWrongLayers
{
}

/// <summary>Disagrees with the stories260K header on the number of key/value heads.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 8, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
internal partial class Stories260KWrongKvHeads
{
}

/// <summary>Declares a separate classifier, which the stories260K file does not have.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, TiedEmbeddings = false)]
internal partial class Stories260KUntied
{
}

/// <summary>Asks for a longer context than the checkpoint was made for.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 1024)]
internal partial class Stories260KLongContext
{
}

/// <summary>stories260K with bf16 projection and unembedding matrices.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, Weights = WeightFormat.BF16)]
internal partial class Stories260KBf16
{
}

/// <summary>The tiny-random-gpt2 shape with a separate classifier (lm_head.weight), which the real file does not have.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512, TiedEmbeddings = false)]
internal partial class Gpt2TinyUntied
{
}

/// <summary>stories260K with 128 positions and a separate classifier: reads output.weight, as llama.cpp does when a file has one (the quantized files do).</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 128, TiedEmbeddings = false)]
internal partial class Stories260KContext128Untied
{
}

/// <summary>
/// The shape of the random-dim256 files of Golden/llamacpp/ (tools/llamacpp-reference/make-kquant-goldens.sh):
/// rows 256 and 768 wide, so that llama-quantize stores k-quant blocks; 64-wide heads, two query heads a
/// key/value head, and the separate classifier (output.weight) that llama.cpp reads.
/// </summary>
[TransformerModel(DModel = 256, Heads = 4, KvHeads = 2, Layers = 2, FfnDim = 768, Vocab = 512, Context = 128, TiedEmbeddings = false)]
internal partial class RandomDim256
{
}

/// <summary><see cref="RandomDim256"/> with Q8 projection and unembedding matrices (quantized from the dequantized float32).</summary>
[TransformerModel(DModel = 256, Heads = 4, KvHeads = 2, Layers = 2, FfnDim = 768, Vocab = 512, Context = 128, TiedEmbeddings = false, Weights = WeightFormat.Q8)]
internal partial class RandomDim256Q8
{
}
