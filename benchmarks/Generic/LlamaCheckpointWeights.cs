using System;
using Codegen.Formats;

namespace Codegen.Benchmarks.Generic;

/// <summary>One transformer block's weights of a Llama-family model, row-major [out, in].</summary>
internal sealed record LlamaLayerWeights(
    WeightTensor AttentionNorm,
    WeightTensor Query,
    WeightTensor Key,
    WeightTensor Value,
    WeightTensor Output,
    WeightTensor FfnNorm,
    WeightTensor Gate,
    WeightTensor Down,
    WeightTensor Up);

/// <summary>
/// A llama2.c checkpoint read with the sizes its header gives at run time (nothing is declared ahead):
/// dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative: a separate classifier
/// follows), seq_len; then the float32 tensors in llama2.c's order.
/// </summary>
internal sealed class LlamaCheckpointWeights
{
    private LlamaCheckpointWeights(Llama2cHeader header)
    {
        Dim = header.Dim;
        HiddenDim = header.HiddenDim;
        Layers = header.Layers;
        Heads = header.Heads;
        KvHeads = header.KvHeads;
        Vocab = Math.Abs(header.VocabSize);
        Context = header.SeqLen;
    }

    public int Dim { get; }

    public int HiddenDim { get; }

    public int Layers { get; }

    public int Heads { get; }

    public int KvHeads { get; }

    public int Vocab { get; }

    public int Context { get; }

    public int HeadDim => Dim / Heads;

    public int KvDim => KvHeads * HeadDim;

    public WeightTensor TokenEmbedding { get; private set; } = null!;

    public LlamaLayerWeights[] LayerWeights { get; private set; } = [];

    public WeightTensor FinalNorm { get; private set; } = null!;

    /// <summary>The unembedding: the token embedding itself (tied) or the checkpoint's separate classifier.</summary>
    public WeightTensor Unembedding { get; private set; } = null!;

    public static LlamaCheckpointWeights Load(string path)
    {
        using Llama2cCheckpoint checkpoint = Llama2cCheckpoint.Open(path);
        var weights = new LlamaCheckpointWeights(checkpoint.Header);
        weights.CheckSizes(path);
        int dim = weights.Dim, hidden = weights.HiddenDim, kvDim = weights.KvDim, layers = weights.Layers, vocab = weights.Vocab;
        long rotaryTableValues = (long)weights.Context * weights.HeadDim; // llama2.c's stored cos and sin halves: unused
        long classifierValues = checkpoint.Header.SharedClassifier ? 0 : (long)vocab * dim;
        long perLayer = dim + (2L * dim * dim) + (2L * kvDim * dim) + dim + (3L * hidden * dim);
        checkpoint.RequireTensorBytes(((long)vocab * dim) + (layers * perLayer) + dim + rotaryTableValues + classifierValues);

        weights.TokenEmbedding = checkpoint.Read("tokenEmbedding", [vocab, dim]);
        WeightTensor[] attentionNorm = checkpoint.ReadPerLayer("attentionNorm", layers, [dim]);
        WeightTensor[] query = checkpoint.ReadPerLayer("query", layers, [dim, dim]);
        WeightTensor[] key = checkpoint.ReadPerLayer("key", layers, [kvDim, dim]);
        WeightTensor[] value = checkpoint.ReadPerLayer("value", layers, [kvDim, dim]);
        WeightTensor[] output = checkpoint.ReadPerLayer("output", layers, [dim, dim]);
        WeightTensor[] ffnNorm = checkpoint.ReadPerLayer("ffnNorm", layers, [dim]);
        WeightTensor[] gate = checkpoint.ReadPerLayer("gate", layers, [hidden, dim]);
        WeightTensor[] down = checkpoint.ReadPerLayer("down", layers, [dim, hidden]);
        WeightTensor[] up = checkpoint.ReadPerLayer("up", layers, [hidden, dim]);
        weights.FinalNorm = checkpoint.Read("finalNorm", [dim]);
        checkpoint.Skip(rotaryTableValues);
        weights.Unembedding = checkpoint.Header.SharedClassifier ? weights.TokenEmbedding : checkpoint.Read("classifier", [vocab, dim]);

        weights.LayerWeights = new LlamaLayerWeights[layers];
        for (int i = 0; i < layers; i++)
        {
            weights.LayerWeights[i] = new LlamaLayerWeights(attentionNorm[i], query[i], key[i], value[i], output[i], ffnNorm[i], gate[i], down[i], up[i]);
        }

        return weights;
    }

    private void CheckSizes(string path)
    {
        if (Dim <= 0 || HiddenDim <= 0 || Layers <= 0 || Heads <= 0 || KvHeads <= 0 || Vocab <= 0 || Context <= 0)
        {
            throw new ModelLoadException(path, $"header has a size that is not positive: dim {Dim}, hidden_dim {HiddenDim}, n_layers {Layers}, n_heads {Heads}, n_kv_heads {KvHeads}, vocab_size {Vocab}, seq_len {Context}");
        }

        if (Dim % Heads != 0 || HeadDim % 2 != 0 || Heads % KvHeads != 0)
        {
            throw new ModelLoadException(path, $"dim {Dim} must split into {Heads} heads of an even size, and n_heads {Heads} into groups of n_kv_heads {KvHeads}");
        }
    }
}
