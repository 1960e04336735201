using System;
using Codegen;

namespace Codegen.Tests.Kernels;

/// <summary>
/// One GPT-2 layer's weights as plain float arrays, row-major [out, in], in the order of the generated
/// LayerWeights constructor. Projections as for Llama (<see cref="LlamaLayerData.Projection"/>); biases
/// from N(0, 0.2^2); norm weights near one.
/// </summary>
internal sealed class Gpt2LayerData
{
    public required float[] AttentionNorm { get; init; }

    public required float[] AttentionNormBias { get; init; }

    public required float[] Query { get; init; }

    public required float[] QueryBias { get; init; }

    public required float[] Key { get; init; }

    public required float[] KeyBias { get; init; }

    public required float[] Value { get; init; }

    public required float[] ValueBias { get; init; }

    public required float[] Output { get; init; }

    public required float[] OutputBias { get; init; }

    public required float[] FfnNorm { get; init; }

    public required float[] FfnNormBias { get; init; }

    public required float[] Up { get; init; }

    public required float[] UpBias { get; init; }

    public required float[] Down { get; init; }

    public required float[] DownBias { get; init; }

    public static Gpt2LayerData Random(ShapeDims dims, TestRandom random) => new()
    {
        AttentionNorm = random.NormWeight(dims.DModel),
        AttentionNormBias = random.Normal(dims.DModel, 0.2),
        Query = LlamaLayerData.Projection(random, dims.DModel, dims.DModel),
        QueryBias = random.Normal(dims.DModel, 0.2),
        Key = LlamaLayerData.Projection(random, dims.DModel, dims.DModel),
        KeyBias = random.Normal(dims.DModel, 0.2),
        Value = LlamaLayerData.Projection(random, dims.DModel, dims.DModel),
        ValueBias = random.Normal(dims.DModel, 0.2),
        Output = LlamaLayerData.Projection(random, dims.DModel, dims.DModel),
        OutputBias = random.Normal(dims.DModel, 0.2),
        FfnNorm = random.NormWeight(dims.DModel),
        FfnNormBias = random.Normal(dims.DModel, 0.2),
        Up = LlamaLayerData.Projection(random, dims.FfnDim, dims.DModel),
        UpBias = random.Normal(dims.FfnDim, 0.2),
        Down = LlamaLayerData.Projection(random, dims.DModel, dims.FfnDim),
        DownBias = random.Normal(dims.DModel, 0.2),
    };

    /// <summary>The tensors in the generated LayerWeights constructor's order.</summary>
    public WeightTensor[] Tensors(ShapeDims dims)
    {
        int[] vector = { dims.DModel };
        int[] square = { dims.DModel, dims.DModel };
        return new[]
        {
            new WeightTensor("attentionNorm", vector, AttentionNorm),
            new WeightTensor("attentionNormBias", vector, AttentionNormBias),
            new WeightTensor("query", square, Query),
            new WeightTensor("queryBias", vector, QueryBias),
            new WeightTensor("key", square, Key),
            new WeightTensor("keyBias", vector, KeyBias),
            new WeightTensor("value", square, Value),
            new WeightTensor("valueBias", vector, ValueBias),
            new WeightTensor("output", square, Output),
            new WeightTensor("outputBias", vector, OutputBias),
            new WeightTensor("ffnNorm", vector, FfnNorm),
            new WeightTensor("ffnNormBias", vector, FfnNormBias),
            new WeightTensor("up", new[] { dims.FfnDim, dims.DModel }, Up),
            new WeightTensor("upBias", new[] { dims.FfnDim }, UpBias),
            new WeightTensor("down", new[] { dims.DModel, dims.FfnDim }, Down),
            new WeightTensor("downBias", vector, DownBias),
        };
    }
}

/// <summary>A whole GPT-2 model's weights as plain float arrays; the unembedding is the token embedding.</summary>
internal sealed class Gpt2WeightData
{
    public required ShapeDims Dims { get; init; }

    public required float[] TokenEmbedding { get; init; }

    public required float[] PositionEmbedding { get; init; }

    public required float[] FinalNorm { get; init; }

    public required float[] FinalNormBias { get; init; }

    public required Gpt2LayerData[] Layers { get; init; }

    public static Gpt2WeightData Random(ShapeDims dims, int seed)
    {
        var random = new TestRandom(seed);
        var layers = new Gpt2LayerData[dims.Layers];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = Gpt2LayerData.Random(dims, random);
        }

        return new Gpt2WeightData
        {
            Dims = dims,
            TokenEmbedding = random.Normal(dims.Vocab * dims.DModel, 0.5),
            PositionEmbedding = random.Normal(dims.Context * dims.DModel, 0.3),
            FinalNorm = random.NormWeight(dims.DModel),
            FinalNormBias = random.Normal(dims.DModel, 0.2),
            Layers = layers,
        };
    }

    public WeightTensor TokenEmbeddingTensor => new("tokenEmbedding", new[] { Dims.Vocab, Dims.DModel }, TokenEmbedding);

    public WeightTensor PositionEmbeddingTensor => new("positionEmbedding", new[] { Dims.Context, Dims.DModel }, PositionEmbedding);

    public WeightTensor FinalNormTensor => new("finalNorm", new[] { Dims.DModel }, FinalNorm);

    public WeightTensor FinalNormBiasTensor => new("finalNormBias", new[] { Dims.DModel }, FinalNormBias);
}
