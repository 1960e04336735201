using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Codegen.Formats;

namespace Codegen.Benchmarks.Generic;

/// <summary>One GPT-2 block's weights, row-major [out, in] (Conv1D weights transposed at load).</summary>
internal sealed record Gpt2LayerWeights(
    WeightTensor AttentionNorm,
    WeightTensor AttentionNormBias,
    WeightTensor Query,
    WeightTensor QueryBias,
    WeightTensor Key,
    WeightTensor KeyBias,
    WeightTensor Value,
    WeightTensor ValueBias,
    WeightTensor Output,
    WeightTensor OutputBias,
    WeightTensor FfnNorm,
    WeightTensor FfnNormBias,
    WeightTensor Up,
    WeightTensor UpBias,
    WeightTensor Down,
    WeightTensor DownBias);

/// <summary>
/// A Hugging Face GPT-2 folder (config.json and model.safetensors) read with the sizes config.json gives
/// at run time: n_embd, n_head, n_layer, vocab_size, n_positions, n_inner (null: 4 * n_embd),
/// layer_norm_epsilon. Fields the config leaves out take GPT2Config's defaults. The fused c_attn is split
/// into query, key and value; the unembedding is the token embedding (wte).
/// </summary>
internal sealed class Gpt2FolderWeights
{
    private Gpt2FolderWeights(HuggingFaceConfig config)
    {
        Dim = config.NEmbd ?? 768;
        Heads = config.NHead ?? 12;
        Layers = config.NLayer ?? 12;
        Vocab = config.VocabSize ?? 50257;
        Context = config.NPositions ?? 1024;
        InnerDim = config.NInner ?? (4 * Dim);
        NormEpsilon = (float)(config.LayerNormEpsilon ?? 1e-5);
    }

    public int Dim { get; }

    public int Heads { get; }

    public int Layers { get; }

    public int Vocab { get; }

    public int Context { get; }

    /// <summary>The MLP's hidden width.</summary>
    public int InnerDim { get; }

    public float NormEpsilon { get; }

    public int HeadDim => Dim / Heads;

    public WeightTensor TokenEmbedding { get; private set; } = null!;

    public WeightTensor PositionEmbedding { get; private set; } = null!;

    public Gpt2LayerWeights[] LayerWeights { get; private set; } = [];

    public WeightTensor FinalNorm { get; private set; } = null!;

    public WeightTensor FinalNormBias { get; private set; } = null!;

    public static Gpt2FolderWeights Load(string folder)
    {
        string configPath = Path.Combine(folder, HuggingFaceConfig.FileName);
        string weightsPath = Path.Combine(folder, "model.safetensors");
        HuggingFaceConfig config = HuggingFaceConfig.Load(configPath);
        string activation = config.ActivationFunction ?? "gelu_new";
        if (!HuggingFaceConfig.Gpt2Activations.Contains(activation) || !config.TieWordEmbeddings)
        {
            throw new ModelLoadException(configPath, $"activation_function '{activation}' and tie_word_embeddings {config.TieWordEmbeddings}: this baseline runs GPT-2's tanh GELU with the unembedding tied to wte");
        }

        var weights = new Gpt2FolderWeights(config);
        weights.CheckSizes(configPath);
        int dim = weights.Dim, inner = weights.InnerDim, vocab = weights.Vocab;

        using SafetensorsFile file = SafetensorsFile.Open(weightsPath);
        // The position table may be longer than n_positions; only its first n_positions rows are used.
        int positionRows = file.TryGetTensor("wpe.weight", out SafetensorsTensorInfo wpe) && wpe.Shape.Length == 2 && wpe.Shape[0] > weights.Context ? wpe.Shape[0] : weights.Context;
        file.Validate(weights.ExpectedTensors(positionRows));

        weights.TokenEmbedding = SafetensorsWeights.Read(file, "wte.weight", "tokenEmbedding", [vocab, dim]);
        weights.PositionEmbedding = SafetensorsWeights.ReadLeadingRows(file, "wpe.weight", "positionEmbedding", positionRows, weights.Context, dim);
        weights.LayerWeights = new Gpt2LayerWeights[weights.Layers];
        for (int i = 0; i < weights.Layers; i++)
        {
            string h = $"h.{i}.";
            string name = $"layers[{i}].";
            // c_attn holds query, key and value side by side: split it, transposed to [out, in].
            WeightTensor[] queryKeyValue = SafetensorsWeights.ReadConv1DSplit(file, h + "attn.c_attn.weight", [name + "query", name + "key", name + "value"], dim, dim);
            WeightTensor[] queryKeyValueBias = SafetensorsWeights.ReadSplit(file, h + "attn.c_attn.bias", [name + "queryBias", name + "keyBias", name + "valueBias"], dim);
            weights.LayerWeights[i] = new Gpt2LayerWeights(
                AttentionNorm: SafetensorsWeights.Read(file, h + "ln_1.weight", name + "attentionNorm", [dim]),
                AttentionNormBias: SafetensorsWeights.Read(file, h + "ln_1.bias", name + "attentionNormBias", [dim]),
                Query: queryKeyValue[0],
                QueryBias: queryKeyValueBias[0],
                Key: queryKeyValue[1],
                KeyBias: queryKeyValueBias[1],
                Value: queryKeyValue[2],
                ValueBias: queryKeyValueBias[2],
                Output: SafetensorsWeights.ReadConv1D(file, h + "attn.c_proj.weight", name + "output", dim, dim),
                OutputBias: SafetensorsWeights.Read(file, h + "attn.c_proj.bias", name + "outputBias", [dim]),
                FfnNorm: SafetensorsWeights.Read(file, h + "ln_2.weight", name + "ffnNorm", [dim]),
                FfnNormBias: SafetensorsWeights.Read(file, h + "ln_2.bias", name + "ffnNormBias", [dim]),
                Up: SafetensorsWeights.ReadConv1D(file, h + "mlp.c_fc.weight", name + "up", dim, inner),
                UpBias: SafetensorsWeights.Read(file, h + "mlp.c_fc.bias", name + "upBias", [inner]),
                Down: SafetensorsWeights.ReadConv1D(file, h + "mlp.c_proj.weight", name + "down", inner, dim),
                DownBias: SafetensorsWeights.Read(file, h + "mlp.c_proj.bias", name + "downBias", [dim]));
        }

        weights.FinalNorm = SafetensorsWeights.Read(file, "ln_f.weight", "finalNorm", [dim]);
        weights.FinalNormBias = SafetensorsWeights.Read(file, "ln_f.bias", "finalNormBias", [dim]);
        return weights;
    }

    private List<ExpectedTensor> ExpectedTensors(int positionRows)
    {
        var expected = new List<ExpectedTensor>
        {
            new("wte.weight", [Vocab, Dim]),
            new("wpe.weight", [positionRows, Dim]),
            new("ln_f.weight", [Dim]),
            new("ln_f.bias", [Dim]),
        };
        for (int i = 0; i < Layers; i++)
        {
            expected.Add(new($"h.{i}.ln_1.weight", [Dim]));
            expected.Add(new($"h.{i}.ln_1.bias", [Dim]));
            expected.Add(new($"h.{i}.attn.c_attn.weight", [Dim, 3 * Dim]));
            expected.Add(new($"h.{i}.attn.c_attn.bias", [3 * Dim]));
            expected.Add(new($"h.{i}.attn.c_proj.weight", [Dim, Dim]));
            expected.Add(new($"h.{i}.attn.c_proj.bias", [Dim]));
            expected.Add(new($"h.{i}.ln_2.weight", [Dim]));
            expected.Add(new($"h.{i}.ln_2.bias", [Dim]));
            expected.Add(new($"h.{i}.mlp.c_fc.weight", [Dim, InnerDim]));
            expected.Add(new($"h.{i}.mlp.c_fc.bias", [InnerDim]));
            expected.Add(new($"h.{i}.mlp.c_proj.weight", [InnerDim, Dim]));
            expected.Add(new($"h.{i}.mlp.c_proj.bias", [Dim]));
        }

        return expected;
    }

    private void CheckSizes(string configPath)
    {
        if (Dim <= 0 || Heads <= 0 || Layers <= 0 || Vocab <= 0 || Context <= 0 || InnerDim <= 0 || Dim % Heads != 0)
        {
            throw new ModelLoadException(configPath, $"sizes do not make a GPT-2: n_embd {Dim}, n_head {Heads}, n_layer {Layers}, vocab_size {Vocab}, n_positions {Context}, n_inner {InnerDim}");
        }
    }
}
