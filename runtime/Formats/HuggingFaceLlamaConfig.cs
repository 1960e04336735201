using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Codegen.Formats;

/// <summary>
/// llama3 rope scaling (<c>rope_scaling</c> of a Hugging Face config), exactly as the file has it.
/// </summary>
/// <param name="RopeType"><c>rope_type</c>, or the older <c>type</c>; null when both are absent.</param>
/// <param name="Factor"><c>factor</c>.</param>
/// <param name="LowFreqFactor"><c>low_freq_factor</c>.</param>
/// <param name="HighFreqFactor"><c>high_freq_factor</c>.</param>
/// <param name="OriginalMaxPositionEmbeddings"><c>original_max_position_embeddings</c>.</param>
public sealed record HuggingFaceRopeScaling(
    string? RopeType, double? Factor, double? LowFreqFactor, double? HighFreqFactor, int? OriginalMaxPositionEmbeddings);

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> of a Llama-family model (<c>LlamaForCausalLM</c>,
/// <c>MistralForCausalLM</c>, <c>Qwen2ForCausalLM</c>, <c>Phi3ForCausalLM</c>), exactly as the file has them: a
/// field the file leaves out (or sets to null) is null here. <see cref="Check"/> applies the family's
/// transformers defaults and compares with a declared <see cref="LlamaFamilyShape"/>.
/// </summary>
public sealed record HuggingFaceLlamaConfig
{
    /// <summary>The families this reads, by <c>model_type</c>.</summary>
    public static IReadOnlyList<string> ModelTypes { get; } = ["llama", "mistral", "qwen2", "phi3"];

    /// <summary>The architectures this reads, in the order of <see cref="ModelTypes"/>.</summary>
    public static IReadOnlyList<string> KnownArchitectures { get; } = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Phi3ForCausalLM"];

    /// <summary>The file the values were read from.</summary>
    public required string ConfigPath { get; init; }

    /// <summary><c>architectures</c>.</summary>
    public IReadOnlyList<string>? Architectures { get; init; }

    /// <summary><c>model_type</c>.</summary>
    public string? ModelType { get; init; }

    /// <summary><c>hidden_size</c>.</summary>
    public int? HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>.</summary>
    public int? IntermediateSize { get; init; }

    /// <summary><c>num_attention_heads</c>.</summary>
    public int? NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>; null (or absent, except for Mistral, whose default is 8) means num_attention_heads.</summary>
    public int? NumKeyValueHeads { get; init; }

    /// <summary>Whether <c>num_key_value_heads</c> is absent from the file (rather than null).</summary>
    public bool NumKeyValueHeadsAbsent { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    public int? NumHiddenLayers { get; init; }

    /// <summary><c>vocab_size</c>.</summary>
    public int? VocabSize { get; init; }

    /// <summary><c>max_position_embeddings</c>.</summary>
    public int? MaxPositionEmbeddings { get; init; }

    /// <summary><c>rms_norm_eps</c>.</summary>
    public double? RmsNormEps { get; init; }

    /// <summary><c>rope_theta</c> (or <c>rope_parameters.rope_theta</c>, as transformers 5 writes it).</summary>
    public double? RopeTheta { get; init; }

    /// <summary><c>tie_word_embeddings</c>.</summary>
    public bool? TieWordEmbeddings { get; init; }

    /// <summary><c>head_dim</c>.</summary>
    public int? HeadDim { get; init; }

    /// <summary><c>attention_bias</c> (Llama: biases on all four attention projections).</summary>
    public bool? AttentionBias { get; init; }

    /// <summary><c>mlp_bias</c> (Llama; not supported when true).</summary>
    public bool? MlpBias { get; init; }

    /// <summary><c>sliding_window</c>.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Whether <c>sliding_window</c> is absent from the file (rather than null): Mistral's default is then 4096.</summary>
    public bool SlidingWindowAbsent { get; init; }

    /// <summary><c>use_sliding_window</c> (Qwen2).</summary>
    public bool? UseSlidingWindow { get; init; }

    /// <summary><c>max_window_layers</c> (Qwen2: layers from this one on use the window).</summary>
    public int? MaxWindowLayers { get; init; }

    /// <summary><c>rope_scaling</c> (or <c>rope_parameters</c>); null when absent or null.</summary>
    public HuggingFaceRopeScaling? RopeScaling { get; init; }

    /// <summary><c>hidden_act</c>.</summary>
    public string? HiddenAct { get; init; }

    /// <summary><c>partial_rotary_factor</c> (only 1, rotating the whole head, is supported).</summary>
    public double? PartialRotaryFactor { get; init; }

    /// <summary>
    /// Loads the <c>config.json</c> of <paramref name="folderOrWeightsPath"/> (inside it when it is a folder,
    /// beside it when it is a file), or returns null when there is none. A config that exists but is malformed
    /// throws <see cref="ModelLoadException"/> naming the field.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="folderOrWeightsPath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="folderOrWeightsPath"/> is empty or blank.</exception>
    public static HuggingFaceLlamaConfig? TryLoad(string folderOrWeightsPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folderOrWeightsPath);
        string folder = Directory.Exists(folderOrWeightsPath)
            ? folderOrWeightsPath
            : Path.GetDirectoryName(Path.GetFullPath(folderOrWeightsPath)) ?? ".";
        string configPath = Path.Combine(folder, HuggingFaceConfig.FileName);
        return HuggingFaceConfig.IsPresent(configPath) ? Load(configPath) : null;
    }

    /// <summary>Loads <paramref name="configPath"/>; throws <see cref="ModelLoadException"/> naming any ill-typed field.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="configPath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="configPath"/> is empty or blank.</exception>
    public static HuggingFaceLlamaConfig Load(string configPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configPath);
        return HuggingFaceConfig.Read(configPath, reader =>
        {
            HuggingFaceConfig.FieldReader? ropeParameters = reader.Object("rope_parameters");
            HuggingFaceConfig.FieldReader? ropeScaling = reader.Object("rope_scaling") ?? ropeParameters;
            HuggingFaceRopeScaling? scaling = null;
            if (ropeScaling is HuggingFaceConfig.FieldReader rope)
            {
                scaling = new HuggingFaceRopeScaling(
                    rope.String("rope_type") ?? rope.String("type"),
                    rope.Double("factor"),
                    rope.Double("low_freq_factor"),
                    rope.Double("high_freq_factor"),
                    rope.Int("original_max_position_embeddings"));
            }

            return new HuggingFaceLlamaConfig
            {
                ConfigPath = configPath,
                Architectures = reader.Strings("architectures"),
                ModelType = reader.String("model_type"),
                HiddenSize = reader.Int("hidden_size"),
                IntermediateSize = reader.Int("intermediate_size"),
                NumAttentionHeads = reader.Int("num_attention_heads"),
                NumKeyValueHeads = reader.Int("num_key_value_heads"),
                NumKeyValueHeadsAbsent = !reader.Has("num_key_value_heads"),
                NumHiddenLayers = reader.Int("num_hidden_layers"),
                VocabSize = reader.Int("vocab_size"),
                MaxPositionEmbeddings = reader.Int("max_position_embeddings"),
                RmsNormEps = reader.Double("rms_norm_eps"),
                RopeTheta = reader.Double("rope_theta") ?? ropeParameters?.Double("rope_theta"),
                TieWordEmbeddings = reader.Bool("tie_word_embeddings"),
                HeadDim = reader.Int("head_dim"),
                AttentionBias = reader.Bool("attention_bias"),
                MlpBias = reader.Bool("mlp_bias"),
                SlidingWindow = reader.Int("sliding_window"),
                SlidingWindowAbsent = !reader.Has("sliding_window"),
                UseSlidingWindow = reader.Bool("use_sliding_window"),
                MaxWindowLayers = reader.Int("max_window_layers"),
                RopeScaling = scaling,
                HiddenAct = reader.String("hidden_act"),
                PartialRotaryFactor = reader.Double("partial_rotary_factor"),
            };
        });
    }

    /// <summary>
    /// What a generated Llama-family loader calls: when a <c>config.json</c> is in the folder
    /// <paramref name="folderOrWeightsPath"/> (or beside the file), checks it against <paramref name="declared"/>
    /// (see <see cref="Check"/>); with no config.json, does nothing.
    /// </summary>
    /// <exception cref="ModelLoadException">The config is malformed or disagrees with the declaration.</exception>
    public static void CheckLlamaFamily(string folderOrWeightsPath, LlamaFamilyShape declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        TryLoad(folderOrWeightsPath)?.Check(declared);
    }

    /// <summary>
    /// Compares the config with <paramref name="declared"/> and throws one <see cref="ModelLoadException"/> listing
    /// every disagreement as "field: the file has X, the model was compiled with Y". Fields the file leaves out
    /// take the transformers defaults of its family (<c>LlamaConfig</c>, <c>MistralConfig</c>, <c>Qwen2Config</c>,
    /// <c>Phi3Config</c>). A longer <c>max_position_embeddings</c> than <see cref="LlamaFamilyShape.Context"/> is
    /// fine; epsilon, theta and the rope scaling factors are compared as float with a relative tolerance of 1e-6;
    /// a sliding window at least as long as the context is the same as none. Biases: Qwen2 has them on query, key
    /// and value and not on the output; Llama's <c>attention_bias</c> puts them on all four; Mistral and Phi-3 have
    /// none. Refused whatever the declaration: <c>mlp_bias</c> true, rope scaling other than llama3, a
    /// <c>partial_rotary_factor</c> other than 1, an activation other than SiLU, and a Qwen2 window on some layers only.
    /// </summary>
    public void Check(LlamaFamilyShape declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var problems = new List<string>();
        string family = Family(problems);
        Defaults defaults = Defaults.Of(family);

        int heads = NumAttentionHeads ?? defaults.Heads;
        CheckInt(problems, family, "hidden_size", HiddenSize, defaults.Hidden, declared.DModel);
        CheckInt(problems, family, "intermediate_size", IntermediateSize, defaults.Intermediate, declared.FfnDim);
        CheckInt(problems, family, "num_hidden_layers", NumHiddenLayers, defaults.Layers, declared.Layers);
        CheckInt(problems, family, "num_attention_heads", NumAttentionHeads, defaults.Heads, declared.Heads);
        int kvDefault = NumKeyValueHeadsAbsent && family == "mistral" ? 8 : heads;
        CheckInt(problems, family, "num_key_value_heads", NumKeyValueHeads, kvDefault, declared.KvHeads,
            NumKeyValueHeadsAbsent && family == "mistral" ? null : "num_attention_heads");
        CheckInt(problems, family, "vocab_size", VocabSize, defaults.Vocab, declared.Vocab);

        int positions = MaxPositionEmbeddings ?? defaults.Positions;
        if (positions < declared.Context)
        {
            problems.Add($"max_position_embeddings: the file has {Describe(MaxPositionEmbeddings, defaults.Positions, family)}, shorter than the context the model was compiled with, {declared.Context}");
        }

        if (declared.Heads > 0 && HeadDim is int headDim && headDim != declared.DModel / declared.Heads)
        {
            problems.Add($"head_dim: the file has {headDim}, the model was compiled with {declared.DModel / declared.Heads} (d_model / heads)");
        }

        CheckFloat(problems, family, "rms_norm_eps", RmsNormEps, defaults.Epsilon, declared.NormEpsilon);
        CheckFloat(problems, family, "rope_theta", RopeTheta, 10000, declared.RopeTheta);

        bool tied = TieWordEmbeddings ?? false;
        if (tied != declared.TiedEmbeddings)
        {
            string value = TieWordEmbeddings is null ? $"false (absent; the {family} default)" : Text(tied);
            problems.Add($"tie_word_embeddings: the file has {value}, the model was compiled with {Text(declared.TiedEmbeddings)}");
        }

        CheckBiases(problems, family, declared);
        if (MlpBias == true)
        {
            problems.Add("mlp_bias: the file has true, which is not supported (the MLP projections have no biases)");
        }

        string activation = HiddenAct ?? "silu";
        if (activation is not ("silu" or "swish"))
        {
            problems.Add($"hidden_act: the file has '{activation}', the model was compiled with 'silu'");
        }

        if (PartialRotaryFactor is double partial && partial != 1)
        {
            problems.Add($"partial_rotary_factor: the file has {Text(partial)}, which is not supported (the whole head is rotated, 1)");
        }

        CheckSlidingWindow(problems, family, declared);
        CheckRopeScaling(problems, declared);

        if (problems.Count > 0)
        {
            string count = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
            throw new ModelLoadException(ConfigPath, $"config does not match the compiled {family} model, {count}: {string.Join("; ", problems)}");
        }
    }

    /// <summary>The family, from model_type or else architectures (llama when both are absent); disagreements listed.</summary>
    private string Family(List<string> problems)
    {
        string expected = $"a Llama-family model ({string.Join(", ", ModelTypes)})";
        string? fromType = null;
        if (ModelType is not null)
        {
            if (ModelTypes.Contains(ModelType))
            {
                fromType = ModelType;
            }
            else
            {
                problems.Add($"model_type: the file has '{ModelType}', the model was compiled as {expected}");
            }
        }

        string? fromArchitecture = null;
        if (Architectures is { Count: > 0 })
        {
            int known = Architectures.Select(a => IndexOf(KnownArchitectures, a)).FirstOrDefault(i => i >= 0, -1);
            if (known < 0)
            {
                problems.Add($"architectures: the file has [{string.Join(", ", Architectures)}], the model was compiled as one of {string.Join(", ", KnownArchitectures)}");
            }
            else
            {
                fromArchitecture = ModelTypes[known];
                if (fromType is not null && fromType != fromArchitecture)
                {
                    problems.Add($"architectures: the file has {KnownArchitectures[known]}, which is not model_type '{fromType}'");
                }
            }
        }

        return fromType ?? fromArchitecture ?? "llama";
    }

    private void CheckBiases(List<string> problems, string family, LlamaFamilyShape declared)
    {
        bool qkv;
        bool output;
        string source;
        switch (family)
        {
            case "qwen2":
                (qkv, output, source) = (true, false, "qwen2 has biases on q/k/v, none on o_proj");
                break;
            case "llama":
                qkv = output = AttentionBias ?? false;
                source = AttentionBias is null ? "attention_bias absent, llama default false" : $"attention_bias {Text(qkv)}: biases on all of q/k/v/o_proj";
                break;
            default:
                (qkv, output, source) = (false, false, $"{family} has no attention biases");
                break;
        }

        if (qkv != declared.AttentionBias)
        {
            problems.Add($"attention bias (q/k/v): the file has {Text(qkv)} ({source}), the model was compiled with {Text(declared.AttentionBias)}");
        }

        if (output != declared.OutputBias)
        {
            problems.Add($"output bias (o_proj): the file has {Text(output)} ({source}), the model was compiled with {Text(declared.OutputBias)}");
        }
    }

    private void CheckSlidingWindow(List<string> problems, string family, LlamaFamilyShape declared)
    {
        int window;
        string source;
        switch (family)
        {
            case "mistral":
                window = SlidingWindowAbsent ? 4096 : SlidingWindow ?? 0;
                source = SlidingWindowAbsent ? "4096 (absent; the mistral default)" : SlidingWindow?.ToString(CultureInfo.InvariantCulture) ?? "null (none)";
                break;
            case "phi3":
                window = SlidingWindow ?? 0;
                source = SlidingWindow?.ToString(CultureInfo.InvariantCulture) ?? "none";
                break;
            case "qwen2":
                if (UseSlidingWindow != true)
                {
                    (window, source) = (0, "none (use_sliding_window is not true)");
                    break;
                }

                window = SlidingWindowAbsent ? 4096 : SlidingWindow ?? 0;
                int layers = NumHiddenLayers ?? Defaults.Of(family).Layers;
                int fromLayer = MaxWindowLayers ?? 28;
                if (window > 0 && fromLayer >= layers)
                {
                    (window, source) = (0, $"none (max_window_layers {fromLayer} is not below num_hidden_layers {layers})");
                    break;
                }

                if (window > 0 && fromLayer > 0)
                {
                    problems.Add($"use_sliding_window: the file has a window on layers {fromLayer} to {layers - 1} only (max_window_layers {fromLayer}), which is not supported");
                    return;
                }

                source = window.ToString(CultureInfo.InvariantCulture);
                break;
            default:
                (window, source) = (0, "none (llama has no sliding window)");
                break;
        }

        // A window at least as long as the context never hides a position.
        int fileWindow = window >= declared.Context ? 0 : window;
        int declaredWindow = declared.SlidingWindow >= declared.Context ? 0 : declared.SlidingWindow;
        if (fileWindow != declaredWindow)
        {
            string compiled = declared.SlidingWindow == 0 ? "0 (none)" : declared.SlidingWindow.ToString(CultureInfo.InvariantCulture);
            problems.Add($"sliding_window: the file has {source}, the model was compiled with {compiled} (context {declared.Context})");
        }
    }

    private void CheckRopeScaling(List<string> problems, LlamaFamilyShape declared)
    {
        string? type = RopeScaling?.RopeType;
        string? compiled = declared.ScalingType;
        if (RopeScaling is null || type is null or "default")
        {
            if (compiled is not null)
            {
                problems.Add($"rope_scaling: the file has none, the model was compiled with {compiled} scaling (factor {Text(declared.Factor)})");
            }

            return;
        }

        if (type is not ("llama3" or "linear"))
        {
            problems.Add($"rope_scaling: the file has rope_type '{type}', which is not supported (only llama3 or linear, or none)");
            return;
        }

        if (compiled != type)
        {
            problems.Add($"rope_scaling: the file has {type} scaling, the model was compiled with {compiled ?? "none"}");
            return;
        }

        CheckScalingFloat(problems, "factor", RopeScaling.Factor, declared.Factor);
        if (type == "linear")
        {
            return;
        }

        CheckScalingFloat(problems, "low_freq_factor", RopeScaling.LowFreqFactor, declared.LowFreqFactor);
        CheckScalingFloat(problems, "high_freq_factor", RopeScaling.HighFreqFactor, declared.HighFreqFactor);
        if (RopeScaling.OriginalMaxPositionEmbeddings is not int original)
        {
            problems.Add("rope_scaling.original_max_position_embeddings: the file has none, which llama3 scaling needs");
        }
        else if (original != declared.OriginalContext)
        {
            problems.Add($"rope_scaling.original_max_position_embeddings: the file has {original}, the model was compiled with {declared.OriginalContext}");
        }
    }

    private static void CheckScalingFloat(List<string> problems, string field, double? actual, float expected)
    {
        if (actual is not double value)
        {
            problems.Add($"rope_scaling.{field}: the file has none, which llama3 scaling needs");
        }
        else if (!CloseAsFloat(value, expected))
        {
            problems.Add($"rope_scaling.{field}: the file has {Text(value)}, the model was compiled with {Text(expected)}");
        }
    }

    private static void CheckInt(List<string> problems, string family, string field, int? actual, int defaultValue, int expected, string? defaultSource = null)
    {
        if ((actual ?? defaultValue) != expected)
        {
            string value = actual?.ToString(CultureInfo.InvariantCulture)
                ?? (defaultSource is null ? $"{defaultValue} (absent; the {family} default)" : $"{defaultValue} (absent or null, so {defaultSource})");
            problems.Add($"{field}: the file has {value}, the model was compiled with {expected}");
        }
    }

    private static void CheckFloat(List<string> problems, string family, string field, double? actual, double defaultValue, float expected)
    {
        if (!CloseAsFloat(actual ?? defaultValue, expected))
        {
            string value = actual is double a ? Text(a) : $"{Text(defaultValue)} (absent; the {family} default)";
            problems.Add($"{field}: the file has {value}, the model was compiled with {Text(expected)}");
        }
    }

    /// <summary>Whether <paramref name="actual"/>, rounded to float, is within a relative 1e-6 of <paramref name="expected"/>.</summary>
    private static bool CloseAsFloat(double actual, float expected)
    {
        float value = (float)actual;
        return Math.Abs(value - expected) <= 1e-6f * Math.Max(Math.Abs(value), Math.Abs(expected));
    }

    private static string Describe(int? actual, int defaultValue, string family) =>
        actual?.ToString(CultureInfo.InvariantCulture) ?? $"{defaultValue} (absent; the {family} default)";

    private static string Text(bool value) => value ? "true" : "false";

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The transformers defaults of a family's config class, for fields a file leaves out.</summary>
    private sealed record Defaults(int Vocab, int Hidden, int Intermediate, int Layers, int Heads, int Positions, double Epsilon)
    {
        public static Defaults Of(string family) => family switch
        {
            "mistral" => new(32000, 4096, 14336, 32, 32, 4096 * 32, 1e-6),
            "qwen2" => new(151936, 4096, 22016, 32, 32, 32768, 1e-6),
            "phi3" => new(32064, 3072, 8192, 32, 32, 4096, 1e-5),
            _ => new(32000, 4096, 11008, 32, 32, 2048, 1e-6),
        };
    }
}
