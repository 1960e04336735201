using System;
using System.Linq;
using Codegen;

namespace Codegen.Tests.Kernels;

/// <summary>
/// Wraps plain weight data in each test model's generated LayerWeights and ModelWeights (the public
/// constructors, which check every shape) and makes the model with FromWeights.
/// </summary>
internal static class ModelBuilders
{
    public static LlamaRaggedModel.LayerWeights LlamaRaggedLayer(LlamaLayerData layer)
    {
        WeightTensor[] t = layer.Tensors(TestShapes.Of(nameof(LlamaRaggedModel)));
        return new LlamaRaggedModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
    }

    public static LlamaRaggedModel LlamaRagged(LlamaWeightData weights) => LlamaRaggedModel.FromWeights(new LlamaRaggedModel.ModelWeights(
        weights.TokenEmbeddingTensor, weights.FinalNormTensor, weights.Layers.Select(LlamaRaggedLayer).ToArray()));

    public static LlamaWideHeadModel.LayerWeights LlamaWideHeadLayer(LlamaLayerData layer)
    {
        WeightTensor[] t = layer.Tensors(TestShapes.Of(nameof(LlamaWideHeadModel)));
        return new LlamaWideHeadModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
    }

    public static LlamaWideHeadModel LlamaWideHead(LlamaWeightData weights) => LlamaWideHeadModel.FromWeights(new LlamaWideHeadModel.ModelWeights(
        weights.TokenEmbeddingTensor, weights.FinalNormTensor, weights.Layers.Select(LlamaWideHeadLayer).ToArray()));

    public static LlamaHeadDim10Model.LayerWeights LlamaHeadDim10Layer(LlamaLayerData layer)
    {
        WeightTensor[] t = layer.Tensors(TestShapes.Of(nameof(LlamaHeadDim10Model)));
        return new LlamaHeadDim10Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
    }

    public static LlamaHeadDim10Model LlamaHeadDim10(LlamaWeightData weights) => LlamaHeadDim10Model.FromWeights(new LlamaHeadDim10Model.ModelWeights(
        weights.TokenEmbeddingTensor, weights.FinalNormTensor, weights.Layers.Select(LlamaHeadDim10Layer).ToArray()));

    public static LlamaPooledModel.LayerWeights LlamaPooledLayer(LlamaLayerData layer)
    {
        WeightTensor[] t = layer.Tensors(TestShapes.Of(nameof(LlamaPooledModel)));
        return new LlamaPooledModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
    }

    public static LlamaPooledModel LlamaPooled(LlamaWeightData weights) => LlamaPooledModel.FromWeights(new LlamaPooledModel.ModelWeights(
        weights.TokenEmbeddingTensor, weights.FinalNormTensor, weights.Layers.Select(LlamaPooledLayer).ToArray()));

    public static LlamaNarrowModel.LayerWeights LlamaNarrowLayer(LlamaLayerData layer)
    {
        WeightTensor[] t = layer.Tensors(TestShapes.Of(nameof(LlamaNarrowModel)));
        return new LlamaNarrowModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
    }

    public static LlamaNarrowModel LlamaNarrow(LlamaWeightData weights) => LlamaNarrowModel.FromWeights(new LlamaNarrowModel.ModelWeights(
        weights.TokenEmbeddingTensor, weights.FinalNormTensor, weights.Layers.Select(LlamaNarrowLayer).ToArray()));

    public static LlamaUntiedModel.LayerWeights LlamaUntiedLayer(LlamaLayerData layer)
    {
        WeightTensor[] t = layer.Tensors(TestShapes.Of(nameof(LlamaUntiedModel)));
        return new LlamaUntiedModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
    }

    public static LlamaUntiedModel LlamaUntied(LlamaWeightData weights) => LlamaUntiedModel.FromWeights(new LlamaUntiedModel.ModelWeights(
        weights.TokenEmbeddingTensor, weights.FinalNormTensor, weights.Layers.Select(LlamaUntiedLayer).ToArray(), weights.UnembeddingTensor));

    public static Gpt2RaggedModel.LayerWeights Gpt2RaggedLayer(Gpt2LayerData layer)
    {
        WeightTensor[] t = layer.Tensors(TestShapes.Of(nameof(Gpt2RaggedModel)));
        return new Gpt2RaggedModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15]);
    }

    public static Gpt2RaggedModel Gpt2Ragged(Gpt2WeightData weights) => Gpt2RaggedModel.FromWeights(new Gpt2RaggedModel.ModelWeights(
        weights.TokenEmbeddingTensor, weights.PositionEmbeddingTensor, weights.FinalNormTensor, weights.FinalNormBiasTensor, weights.Layers.Select(Gpt2RaggedLayer).ToArray()));

    public static Gpt2OddHeadModel.LayerWeights Gpt2OddHeadLayer(Gpt2LayerData layer)
    {
        WeightTensor[] t = layer.Tensors(TestShapes.Of(nameof(Gpt2OddHeadModel)));
        return new Gpt2OddHeadModel.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15]);
    }

    public static Gpt2OddHeadModel Gpt2OddHead(Gpt2WeightData weights) => Gpt2OddHeadModel.FromWeights(new Gpt2OddHeadModel.ModelWeights(
        weights.TokenEmbeddingTensor, weights.PositionEmbeddingTensor, weights.FinalNormTensor, weights.FinalNormBiasTensor, weights.Layers.Select(Gpt2OddHeadLayer).ToArray()));
}
