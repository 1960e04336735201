using System;
using Codegen;

namespace Codegen.Tests.Kernels;

/// <summary>
/// One Llama layer's weights as plain float arrays, row-major [out, in], in the order of the generated
/// LayerWeights constructor. Projections are drawn from N(0, (1.5 / sqrt(fan-in))^2), about 0.1 to 0.4
/// for the test shapes, so each projection's outputs are of order one and attention is neither uniform nor one-hot.
/// </summary>
internal sealed class LlamaLayerData
{
    public required float[] AttentionNorm { get; init; }

    public required float[] Query { get; init; }

    public required float[] Key { get; init; }

    public required float[] Value { get; init; }

    public required float[] Output { get; init; }

    public required float[] FfnNorm { get; init; }

    public required float[] Gate { get; init; }

    public required float[] Up { get; init; }

    public required float[] Down { get; init; }

    public static LlamaLayerData Random(ShapeDims dims, TestRandom random) => new()
    {
        AttentionNorm = random.NormWeight(dims.DModel),
        Query = Projection(random, dims.DModel, dims.DModel),
        Key = Projection(random, dims.KvDim, dims.DModel),
        Value = Projection(random, dims.KvDim, dims.DModel),
        Output = Projection(random, dims.DModel, dims.DModel),
        FfnNorm = random.NormWeight(dims.DModel),
        Gate = Projection(random, dims.FfnDim, dims.DModel),
        Up = Projection(random, dims.FfnDim, dims.DModel),
        Down = Projection(random, dims.DModel, dims.FfnDim),
    };

    public static float[] Projection(TestRandom random, int rows, int columns) => random.Normal(rows * columns, 1.5 / Math.Sqrt(columns));

    /// <summary>The tensors in the generated LayerWeights constructor's order.</summary>
    public WeightTensor[] Tensors(ShapeDims dims) => new[]
    {
        new WeightTensor("attentionNorm", new[] { dims.DModel }, AttentionNorm),
        new WeightTensor("query", new[] { dims.DModel, dims.DModel }, Query),
        new WeightTensor("key", new[] { dims.KvDim, dims.DModel }, Key),
        new WeightTensor("value", new[] { dims.KvDim, dims.DModel }, Value),
        new WeightTensor("output", new[] { dims.DModel, dims.DModel }, Output),
        new WeightTensor("ffnNorm", new[] { dims.DModel }, FfnNorm),
        new WeightTensor("gate", new[] { dims.FfnDim, dims.DModel }, Gate),
        new WeightTensor("up", new[] { dims.FfnDim, dims.DModel }, Up),
        new WeightTensor("down", new[] { dims.DModel, dims.FfnDim }, Down),
    };
}

/// <summary>A whole Llama model's weights as plain float arrays; <see cref="Unembedding"/> is null when tied.</summary>
internal sealed class LlamaWeightData
{
    public required ShapeDims Dims { get; init; }

    public required float[] TokenEmbedding { get; init; }

    public required float[] FinalNorm { get; init; }

    public required LlamaLayerData[] Layers { get; init; }

    public float[]? Unembedding { get; init; }

    /// <summary>The matrix the logits come from: the separate unembedding, or the token embedding when tied.</summary>
    public float[] Classifier => Unembedding ?? TokenEmbedding;

    public static LlamaWeightData Random(ShapeDims dims, bool tied, int seed)
    {
        var random = new TestRandom(seed);
        var layers = new LlamaLayerData[dims.Layers];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = LlamaLayerData.Random(dims, random);
        }

        return new LlamaWeightData
        {
            Dims = dims,
            TokenEmbedding = random.Normal(dims.Vocab * dims.DModel, 0.5),
            FinalNorm = random.NormWeight(dims.DModel),
            Layers = layers,
            Unembedding = tied ? null : random.Normal(dims.Vocab * dims.DModel, 0.5),
        };
    }

    public WeightTensor TokenEmbeddingTensor => new("tokenEmbedding", new[] { Dims.Vocab, Dims.DModel }, TokenEmbedding);

    public WeightTensor FinalNormTensor => new("finalNorm", new[] { Dims.DModel }, FinalNorm);

    public WeightTensor UnembeddingTensor => new("unembedding", new[] { Dims.Vocab, Dims.DModel }, Unembedding ?? throw new InvalidOperationException("The embeddings are tied."));
}
