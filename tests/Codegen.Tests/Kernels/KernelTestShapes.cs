using System;
using Codegen;

namespace Codegen.Tests.Kernels;

// Test-only shapes for the kernel and forward-pass tests. The sizes are deliberately not powers of
// two: every length leaves a tail after whole Vector256 and Vector128 blocks, and head sizes are odd
// or not multiples of the vector widths, so the tail code of every generated kernel runs.

/// <summary>
/// Llama, tiny and ragged: HeadDim 12 (one Vector256 plus a Vector128), three query heads on one
/// key/value head, FfnDim 91 (11 vectors of eight and a tail of three), two layers.
/// </summary>
[TransformerModel(DModel = 36, Heads = 3, KvHeads = 1, FfnDim = 91, Vocab = 37, Context = 19, Layers = 2)]
internal partial class LlamaRaggedModel
{
}

/// <summary>Llama with HeadDim 10 (not a multiple of four), two query heads per key/value head, FfnDim 257.</summary>
[TransformerModel(DModel = 100, Heads = 10, KvHeads = 5, FfnDim = 257, Vocab = 131, Context = 23, Layers = 1)]
internal partial class LlamaHeadDim10Model
{
}

/// <summary>
/// Llama large enough that the session splits its products over the worker pool (each has at least
/// 65536 multiply-adds) and, from position 65536 / (2 * 264) = 124 on, its attention heads too. Its
/// float32 matrices (10 MB, mostly the 7001-row unembedding) pass the generator's cache limit, so its
/// Vector256 products stream rows one after another with a prefetch.
/// </summary>
[TransformerModel(DModel = 264, Heads = 6, KvHeads = 3, FfnDim = 700, Vocab = 7001, Context = 300, Layers = 1)]
internal partial class LlamaPooledModel
{
}

/// <summary>
/// Llama with a separate unembedding matrix (TiedEmbeddings = false), a non-default RopeTheta and HeadDim 24
/// (three whole Vector256 a head, so rotary positions take their vector path over several vectors per head).
/// </summary>
[TransformerModel(DModel = 48, Heads = 2, KvHeads = 2, FfnDim = 45, Vocab = 29, Context = 17, Layers = 2, TiedEmbeddings = false, RopeTheta = 500.0)]
internal partial class LlamaUntiedModel
{
}

/// <summary>
/// Llama narrower than one Vector256: DModel 12, HeadDim 6, FfnDim 7, so the 256-bit paths of the dot
/// products and of attention's weighted sum have no whole vector and everything runs in tails.
/// </summary>
[TransformerModel(DModel = 12, Heads = 2, KvHeads = 1, FfnDim = 7, Vocab = 11, Context = 9, Layers = 1)]
internal partial class LlamaNarrowModel
{
}

/// <summary>GPT-2, ragged: HeadDim 12, FfnDim 150, two layers, learned positions over a context of 48.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 60, Heads = 5, FfnDim = 150, Vocab = 113, Context = 48, Layers = 2)]
internal partial class Gpt2RaggedModel
{
}

/// <summary>GPT-2 with an odd head size (HeadDim 5: no rotary pairs to keep it even) and FfnDim 22.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 15, Heads = 3, FfnDim = 22, Vocab = 17, Context = 20, Layers = 1)]
internal partial class Gpt2OddHeadModel
{
}

/// <summary>
/// Heads of 136 values: more than sixteen Vector256 (or thirty-two Vector128) of them, so the runtime's attention
/// sums a head's values in more than one pass, plus a leftover of eight values per head.
/// </summary>
[TransformerModel(DModel = 272, Heads = 2, KvHeads = 1, FfnDim = 300, Vocab = 50, Context = 40, Layers = 1)]
internal partial class LlamaWideHeadModel
{
}

/// <summary>The declared sizes of the test models, written out again for the float64 references.</summary>
internal static class TestShapes
{
    public static ShapeDims Of(string model) => model switch
    {
        nameof(LlamaRaggedModel) => new(DModel: 36, Heads: 3, KvHeads: 1, FfnDim: 91, Vocab: 37, Context: 19, Layers: 2, NormEpsilon: 1e-5, RopeTheta: 10000),
        nameof(LlamaHeadDim10Model) => new(DModel: 100, Heads: 10, KvHeads: 5, FfnDim: 257, Vocab: 131, Context: 23, Layers: 1, NormEpsilon: 1e-5, RopeTheta: 10000),
        nameof(LlamaPooledModel) => new(DModel: 264, Heads: 6, KvHeads: 3, FfnDim: 700, Vocab: 7001, Context: 300, Layers: 1, NormEpsilon: 1e-5, RopeTheta: 10000),
        nameof(LlamaNarrowModel) => new(DModel: 12, Heads: 2, KvHeads: 1, FfnDim: 7, Vocab: 11, Context: 9, Layers: 1, NormEpsilon: 1e-5, RopeTheta: 10000),
        nameof(LlamaUntiedModel) => new(DModel: 48, Heads: 2, KvHeads: 2, FfnDim: 45, Vocab: 29, Context: 17, Layers: 2, NormEpsilon: 1e-5, RopeTheta: 500),
        nameof(LlamaWideHeadModel) => new(DModel: 272, Heads: 2, KvHeads: 1, FfnDim: 300, Vocab: 50, Context: 40, Layers: 1, NormEpsilon: 1e-5, RopeTheta: 10000),
        nameof(Gpt2RaggedModel) => new(DModel: 60, Heads: 5, KvHeads: 5, FfnDim: 150, Vocab: 113, Context: 48, Layers: 2, NormEpsilon: 1e-5, RopeTheta: 0),
        nameof(Gpt2OddHeadModel) => new(DModel: 15, Heads: 3, KvHeads: 3, FfnDim: 22, Vocab: 17, Context: 20, Layers: 1, NormEpsilon: 1e-5, RopeTheta: 0),
        _ => throw new ArgumentException($"No test model named {model}.", nameof(model)),
    };
}
