using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Codegen.Generator.Model;
using Codegen.Generator.Parsing.Json;
using Microsoft.CodeAnalysis;

namespace Codegen.Generator.Parsing;

/// <summary>A config file the generator cannot turn into a shape: the diagnostic to report and its arguments after the file's path.</summary>
internal sealed class ConfigProblemException : Exception
{
    public ConfigProblemException(DiagnosticDescriptor descriptor, params object[] arguments)
        : base(descriptor.Id)
    {
        Descriptor = descriptor;
        Arguments = arguments;
    }

    public DiagnosticDescriptor Descriptor { get; }

    public object[] Arguments { get; }
}

/// <summary>
/// Reads a Hugging Face <c>config.json</c> into a <see cref="ConfigShape"/>, with the defaults of each
/// architecture's config class in transformers where a field is left out. Every field that would change
/// the model and that the generated code does not implement is refused (CG0022), never ignored.
/// </summary>
internal static class HuggingFaceConfigReader
{
    public const string Llama = "LlamaForCausalLM";
    public const string Mistral = "MistralForCausalLM";
    public const string Qwen2 = "Qwen2ForCausalLM";
    public const string Phi3 = "Phi3ForCausalLM";
    public const string Gpt2 = "GPT2LMHeadModel";

    /// <summary>Each supported architecture and its <c>model_type</c>.</summary>
    private static readonly (string Architecture, string ModelType)[] Supported =
    {
        (Llama, "llama"), (Mistral, "mistral"), (Qwen2, "qwen2"), (Phi3, "phi3"), (Gpt2, "gpt2"),
    };

    /// <summary>The supported architectures as the diagnostics list them.</summary>
    public static string SupportedList => string.Join(", ", Supported.Select(s => $"{s.Architecture} (model_type \"{s.ModelType}\")"));

    /// <exception cref="ConfigProblemException">The file is not a config the generator supports.</exception>
    public static ConfigShape Read(string json)
    {
        JsonNode root;
        try
        {
            root = JsonReader.Parse(json);
        }
        catch (JsonFormatException e)
        {
            throw new ConfigProblemException(DiagnosticDescriptors.ConfigNotJson, e.Message);
        }

        if (root is not JsonObject config)
        {
            throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "the top level", root.Kind, "an object");
        }

        string architecture = Architecture(config);
        return architecture == Gpt2 ? ReadGpt2(config) : ReadLlamaFamily(config, architecture);
    }

    /// <summary>The architecture from <c>architectures</c> (its only entry), else from <c>model_type</c>; both must be supported and agree.</summary>
    private static string Architecture(JsonObject config)
    {
        string? modelType = config["model_type"] is JsonString written ? written.Value : null;
        string? named = null;
        if (config["architectures"] is JsonArray architectures && architectures.Items.Count > 0)
        {
            if (architectures.Items.Count > 1 || architectures.Items[0] is not JsonString first)
            {
                throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "architectures", architectures.Display, "a list of one architecture name");
            }

            named = first.Value;
        }

        if (named is null && modelType is null)
        {
            throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "architectures and model_type", "missing", $"one of {SupportedList}");
        }

        foreach ((string architecture, string type) in Supported)
        {
            if (named == architecture || (named is null && modelType == type))
            {
                if (modelType is not null && modelType != type)
                {
                    throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "model_type", $"\"{modelType}\"", $"\"{type}\" for {architecture}");
                }

                return architecture;
            }
        }

        string declared = named is not null ? $"architecture {named}" : $"model_type \"{modelType}\"";
        throw new ConfigProblemException(DiagnosticDescriptors.ConfigArchitectureNotSupported, declared, SupportedList);
    }

    private static ConfigShape ReadLlamaFamily(JsonObject config, string architecture)
    {
        int dModel = RequiredInt(config, "hidden_size");
        int heads = RequiredInt(config, "num_attention_heads");
        // MistralConfig's default is 8 key/value heads; the others default to no grouping.
        int kvHeads = OptionalInt(config, "num_key_value_heads") ?? (architecture == Mistral ? 8 : heads);
        int layers = RequiredInt(config, "num_hidden_layers");
        int vocab = RequiredInt(config, "vocab_size");
        int context = RequiredInt(config, "max_position_embeddings");
        int ffnDim = RequiredInt(config, "intermediate_size");
        double epsilon = OptionalDouble(config, "rms_norm_eps") ?? (architecture == Phi3 ? 1e-5 : 1e-6);
        // transformers 5 writes rope_parameters (rope_theta and the scaling in one object) instead.
        JsonObject? ropeParameters = config["rope_parameters"] as JsonObject;
        double ropeTheta = OptionalDouble(config, "rope_theta")
            ?? (ropeParameters is null ? null : OptionalDouble(ropeParameters, "rope_theta", "rope_parameters."))
            ?? 10000.0;
        bool tied = OptionalBool(config, "tie_word_embeddings") ?? false;

        string activation = OptionalString(config, "hidden_act") ?? "silu";
        if (activation is not ("silu" or "swish"))
        {
            throw Unsupported("hidden_act", $"\"{activation}\"", "the MLP is SwiGLU, silu(gate) * up");
        }

        if (OptionalInt(config, "head_dim") is int headDim && heads > 0 && headDim * heads != dModel)
        {
            throw Unsupported("head_dim", headDim, $"heads must split hidden_size evenly (hidden_size / num_attention_heads = {(double)dModel / heads})");
        }

        if (OptionalDouble(config, "partial_rotary_factor") is double partial && partial != 1.0)
        {
            throw Unsupported("partial_rotary_factor", partial, "rotary positions turn every dimension of a head");
        }

        bool attentionBias = architecture == Llama && (OptionalBool(config, "attention_bias") ?? false);
        if (OptionalBool(config, "mlp_bias") == true)
        {
            throw Unsupported("mlp_bias", "true", "the SwiGLU MLP has no biases");
        }

        return new ConfigShape(
            architecture,
            ModelFamily.Llama,
            dModel,
            heads,
            kvHeads,
            layers,
            vocab,
            context,
            ffnDim,
            epsilon,
            ropeTheta,
            tied,
            QueryKeyValueBias: architecture == Qwen2 || attentionBias,
            OutputBias: attentionBias,
            SlidingWindow: SlidingWindow(config, architecture),
            RopeScaling: ReadRopeScaling(config));
    }

    /// <summary>The sliding window: Mistral's <c>sliding_window</c> (transformers' default 4096), Phi-3's (default none); Qwen2's, on some layers only, is refused.</summary>
    private static int SlidingWindow(JsonObject config, string architecture)
    {
        if (architecture == Qwen2)
        {
            // Qwen2 windows layers max_window_layers (transformers' default 28) and later, and only under use_sliding_window.
            if (OptionalBool(config, "use_sliding_window") == true
                && (OptionalInt(config, "max_window_layers") ?? 28) < RequiredInt(config, "num_hidden_layers"))
            {
                throw Unsupported("use_sliding_window", "true", "Qwen2's sliding window covers only the layers from max_window_layers on, and every layer here has the same attention");
            }

            return 0;
        }

        if (architecture == Llama)
        {
            return 0;
        }

        int? fallback = architecture == Mistral ? 4096 : null;
        int? window = config["sliding_window"] is null ? fallback : OptionalInt(config, "sliding_window");
        if (window is <= 0)
        {
            throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "sliding_window", window.Value, "a positive number of positions, or null for none");
        }

        return window ?? 0;
    }

    private static RopeScaling? ReadRopeScaling(JsonObject config)
    {
        JsonNode? node = config["rope_scaling"] ?? config["rope_parameters"];
        if (node is null or JsonNull)
        {
            return null;
        }

        if (node is not JsonObject scaling)
        {
            throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "rope_scaling", node.Display, "an object or null");
        }

        // rope_parameters (transformers 5) may leave the type out for no scaling; rope_scaling must name it.
        bool parameters = config["rope_scaling"] is null;
        string type = OptionalString(scaling, "rope_type", "rope_scaling.") ?? OptionalString(scaling, "type", "rope_scaling.") ?? (parameters ? "default" : "missing");
        switch (type)
        {
            case "default":
                return null;
            case RopeScaling.Linear:
                return new RopeScaling(RopeScaling.Linear, PositiveDouble(scaling, "factor"), 0, 0, 0);
            case RopeScaling.Llama3:
                double low = PositiveDouble(scaling, "low_freq_factor");
                double high = PositiveDouble(scaling, "high_freq_factor");
                if (!(high > low))
                {
                    throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "rope_scaling.high_freq_factor", high, $"greater than low_freq_factor ({low})");
                }

                int original = RequiredInt(scaling, "original_max_position_embeddings", "rope_scaling.");
                if (original <= 0)
                {
                    throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "rope_scaling.original_max_position_embeddings", original, "a positive number of positions");
                }

                return new RopeScaling(RopeScaling.Llama3, PositiveDouble(scaling, "factor"), low, high, original);
            default:
                throw Unsupported("rope_scaling.rope_type", $"\"{type}\"", "supported rotary scalings are \"default\", \"linear\" and \"llama3\"");
        }
    }

    private static ConfigShape ReadGpt2(JsonObject config)
    {
        int dModel = RequiredInt(config, "n_embd");
        int context = OptionalInt(config, "n_positions") ?? RequiredInt(config, "n_ctx");
        string activation = OptionalString(config, "activation_function") ?? "gelu_new";
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh" or "gelu"))
        {
            throw Unsupported("activation_function", $"\"{activation}\"", "GPT-2's MLP uses GELU (gelu_new, gelu_pytorch_tanh or gelu)");
        }

        foreach (string field in new[] { "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "add_cross_attention" })
        {
            if (OptionalBool(config, field) == true)
            {
                throw Unsupported(field, "true", "GPT-2's attention is implemented as GPT2LMHeadModel computes it by default");
            }
        }

        int heads = RequiredInt(config, "n_head");
        return new ConfigShape(
            Gpt2,
            ModelFamily.Gpt2,
            dModel,
            heads,
            heads,
            RequiredInt(config, "n_layer"),
            RequiredInt(config, "vocab_size"),
            context,
            OptionalInt(config, "n_inner") ?? 4 * dModel,
            OptionalDouble(config, "layer_norm_epsilon") ?? 1e-5,
            RopeTheta: TransformerModelDefaults.RopeTheta,
            TiedEmbeddings: OptionalBool(config, "tie_word_embeddings") ?? true,
            QueryKeyValueBias: true,
            OutputBias: true,
            SlidingWindow: 0,
            RopeScaling: null);
    }

    private static ConfigProblemException Unsupported(string field, object value, string reason) =>
        new(DiagnosticDescriptors.ConfigFeatureNotSupported, field, Format(value), reason);

    private static int RequiredInt(JsonObject config, string field, string prefix = "") =>
        OptionalInt(config, field, prefix)
        ?? throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, prefix + field, "missing", "a whole number (of at most 2,147,483,647)");

    private static int? OptionalInt(JsonObject config, string field, string prefix = "") => config[field] switch
    {
        null or JsonNull => null,
        JsonNumber number when number.IsInt32 => int.Parse(number.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        JsonNode other => throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, prefix + field, other.Display, "a whole number (of at most 2,147,483,647)"),
    };

    private static double? OptionalDouble(JsonObject config, string field, string prefix = "") => config[field] switch
    {
        null or JsonNull => null,
        JsonNumber number => number.Value,
        JsonNode other => throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, prefix + field, other.Display, "a number"),
    };

    private static double PositiveDouble(JsonObject config, string field) =>
        OptionalDouble(config, field, "rope_scaling.") is double value && value > 0 && !double.IsInfinity(value)
            ? value
            : throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, "rope_scaling." + field, config[field]?.Display ?? "missing", "a positive number");

    private static bool? OptionalBool(JsonObject config, string field) => config[field] switch
    {
        null or JsonNull => null,
        JsonBool flag => flag.Value,
        JsonNode other => throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, field, other.Display, "true or false"),
    };

    private static string? OptionalString(JsonObject config, string field, string prefix = "") => config[field] switch
    {
        null or JsonNull => null,
        JsonString text => text.Value,
        JsonNode other => throw new ConfigProblemException(DiagnosticDescriptors.ConfigFieldInvalid, prefix + field, other.Display, "a string"),
    };

    private static string Format(object value) => value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? string.Empty;
}
