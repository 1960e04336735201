using System.Linq;
using Codegen;
using Codegen.Tests.Kernels;

namespace Codegen.Tests.Inspection;

// Inspectable test models on shapes no other test uses: grouped key/value heads, head sizes that leave tails after
// whole vectors, several layers (so the logit lens has something to show before the last one).

/// <summary>Llama: HeadDim 14, two query heads per key/value head, FfnDim 67, three layers.</summary>
[TransformerModel(DModel = 56, Heads = 4, KvHeads = 2, FfnDim = 67, Vocab = 41, Context = 21, Layers = 3, Inspectable = true)]
internal partial class LlamaInspectableModel
{
}

/// <summary>GPT-2: HeadDim 7 (odd), FfnDim 33, two layers.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 21, Heads = 3, FfnDim = 33, Vocab = 29, Context = 18, Layers = 2, Inspectable = true)]
internal partial class Gpt2InspectableModel
{
}

/// <summary>The inspectable models' sizes and builders over plain weight data.</summary>
internal static class InspectableModels
{
    public static readonly ShapeDims LlamaDims = new(DModel: 56, Heads: 4, KvHeads: 2, FfnDim: 67, Vocab: 41, Context: 21, Layers: 3, NormEpsilon: 1e-5, RopeTheta: 10000);

    public static readonly ShapeDims Gpt2Dims = new(DModel: 21, Heads: 3, KvHeads: 3, FfnDim: 33, Vocab: 29, Context: 18, Layers: 2, NormEpsilon: 1e-5, RopeTheta: 0);

    public static LlamaInspectableModel Llama(LlamaWeightData weights) => LlamaInspectableModel.FromWeights(new LlamaInspectableModel.ModelWeights(
        weights.TokenEmbeddingTensor,
        weights.FinalNormTensor,
        weights.Layers.Select(layer =>
        {
            WeightTensor[] t = layer.Tensors(LlamaDims);
            return new LlamaInspectableModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
        }).ToArray()));

    public static Gpt2InspectableModel Gpt2(Gpt2WeightData weights) => Gpt2InspectableModel.FromWeights(new Gpt2InspectableModel.ModelWeights(
        weights.TokenEmbeddingTensor,
        weights.PositionEmbeddingTensor,
        weights.FinalNormTensor,
        weights.FinalNormBiasTensor,
        weights.Layers.Select(layer =>
        {
            WeightTensor[] t = layer.Tensors(Gpt2Dims);
            return new Gpt2InspectableModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15]);
        }).ToArray()));
}
