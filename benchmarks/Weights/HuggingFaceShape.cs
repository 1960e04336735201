using System;
using System.IO;
using System.Text.Json;
using Codegen.Benchmarks.Harness;

namespace Codegen.Benchmarks.Weights;

/// <summary>
/// A Hugging Face Llama-family shape (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM), read from a
/// config.json in the repository, the file the benchmark models are declared with.
/// </summary>
/// <param name="Name">A readable name for files, e.g. "smollm2-135m".</param>
/// <param name="ConfigPath">The config.json the shape was read from.</param>
public sealed record HuggingFaceShape(
    string Name,
    string ConfigPath,
    string ModelType,
    int Hidden,
    int Intermediate,
    int Layers,
    int Heads,
    int KvHeads,
    int Vocab,
    int MaxPositions,
    bool Tied,
    bool QkvBias,
    bool OutputBias)
{
    /// <summary>SmolLM2-135M: LlamaForCausalLM, 576 wide, 30 layers, 9 heads over 3 key/value heads, tied.</summary>
    public static HuggingFaceShape SmolLM2 => FromRepository("smollm2-135m");

    /// <summary>Qwen2.5-0.5B: Qwen2ForCausalLM, 896 wide, 24 layers, 14 heads over 2 key/value heads, q/k/v biases, tied.</summary>
    public static HuggingFaceShape Qwen25 => FromRepository("qwen2.5-0.5b");

    public int HeadDim => Hidden / Heads;

    public int KvDim => KvHeads * HeadDim;

    /// <summary>The shape of benchmarks/Models/HuggingFace/<paramref name="name"/>/config.json.</summary>
    public static HuggingFaceShape FromRepository(string name) =>
        Load(name, Path.Combine(RepositoryPaths.Root, "benchmarks", "Models", "HuggingFace", name, "config.json"));

    /// <summary>Reads the fields of <paramref name="configPath"/> that the random weights need.</summary>
    public static HuggingFaceShape Load(string name, string configPath)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(configPath));
        JsonElement root = document.RootElement;
        string modelType = root.GetProperty("model_type").GetString() ?? "";
        if (modelType is not ("llama" or "mistral" or "qwen2"))
        {
            throw new NotSupportedException($"{configPath}: model_type '{modelType}'; random weights are written for llama, mistral and qwen2.");
        }

        int heads = Int(root, "num_attention_heads");
        bool attentionBias = modelType == "llama" && Bool(root, "attention_bias");
        if (Bool(root, "mlp_bias"))
        {
            throw new NotSupportedException($"{configPath}: mlp_bias is true; random weights are written without MLP biases.");
        }

        return new HuggingFaceShape(
            name,
            configPath,
            modelType,
            Int(root, "hidden_size"),
            Int(root, "intermediate_size"),
            Int(root, "num_hidden_layers"),
            heads,
            root.TryGetProperty("num_key_value_heads", out JsonElement kv) ? kv.GetInt32() : heads,
            Int(root, "vocab_size"),
            Int(root, "max_position_embeddings"),
            Bool(root, "tie_word_embeddings"),
            QkvBias: modelType == "qwen2" || attentionBias,
            OutputBias: attentionBias);
    }

    private static int Int(JsonElement root, string field) => root.GetProperty(field).GetInt32();

    private static bool Bool(JsonElement root, string field) =>
        root.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.True;
}
