using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Codegen.Formats;

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> that describe a GPT-2 shape, exactly as the
/// file has them: a field the file leaves out (or sets to null) is null here. Other fields (such
/// as the unused BERT-style <c>intermediate_size</c> some GPT-2 configs carry) are ignored.
/// </summary>
/// <param name="ConfigPath">The file the values were read from.</param>
/// <param name="ModelType"><c>model_type</c>.</param>
/// <param name="NEmbd"><c>n_embd</c>: the model width.</param>
/// <param name="NHead"><c>n_head</c>: attention heads.</param>
/// <param name="NLayer"><c>n_layer</c>: transformer blocks.</param>
/// <param name="NPositions"><c>n_positions</c>, or <c>n_ctx</c> when that is absent: the longest context.</param>
/// <param name="VocabSize"><c>vocab_size</c>.</param>
/// <param name="NInner"><c>n_inner</c>: the MLP width; null means 4 * n_embd.</param>
/// <param name="LayerNormEpsilon"><c>layer_norm_epsilon</c>.</param>
/// <param name="ActivationFunction"><c>activation_function</c>.</param>
/// <param name="TieWordEmbeddings"><c>tie_word_embeddings</c>; true when absent.</param>
public sealed record HuggingFaceConfig(
    string ConfigPath,
    string? ModelType,
    int? NEmbd,
    int? NHead,
    int? NLayer,
    int? NPositions,
    int? VocabSize,
    int? NInner,
    double? LayerNormEpsilon,
    string? ActivationFunction,
    bool TieWordEmbeddings)
{
    /// <summary>The file name looked for beside a weights file.</summary>
    public const string FileName = "config.json";

    /// <summary>
    /// Whether the file leaves <c>tie_word_embeddings</c> out (or sets it to null), so that
    /// <see cref="TieWordEmbeddings"/> is transformers' default, true.
    /// </summary>
    public bool TieWordEmbeddingsAbsent { get; init; }

    /// <summary>Activation names accepted as GPT-2's GELU.</summary>
    public static IReadOnlyList<string> Gpt2Activations => Activations;

    private static readonly string[] Activations = ["gelu_new", "gelu_pytorch_tanh", "gelu"];

    private const long MaxFileLength = 16 * 1024 * 1024;

    /// <summary>
    /// Loads <c>config.json</c> from the directory of <paramref name="weightsPath"/>, or returns
    /// null when there is none. A config that exists but is malformed throws <see cref="ModelLoadException"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="weightsPath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="weightsPath"/> is empty or blank.</exception>
    public static HuggingFaceConfig? TryLoadBeside(string weightsPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsPath);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(weightsPath));
        string configPath = Path.Combine(directory ?? ".", FileName);
        return IsPresent(configPath) ? Load(configPath) : null;
    }

    /// <summary>
    /// Whether anything is named <paramref name="configPath"/>: anything named config.json (a directory, a FIFO,
    /// a dangling link) is loaded, and refused there by name.
    /// </summary>
    internal static bool IsPresent(string configPath) =>
        File.Exists(configPath) || Directory.Exists(configPath) || new FileInfo(configPath).LinkTarget is not null;

    /// <summary>
    /// The Llama-family check a generated loader calls (Llama, Mistral, Qwen2, Phi-3): when a <c>config.json</c> is in
    /// the folder <paramref name="folderOrWeightsPath"/> (or beside the file), checks it against <paramref name="declared"/>;
    /// with none, does nothing. See <see cref="HuggingFaceLlamaConfig.Check"/>.
    /// </summary>
    /// <exception cref="ModelLoadException">The config is malformed or disagrees with the declaration.</exception>
    public static void CheckLlamaFamily(string folderOrWeightsPath, LlamaFamilyShape declared) =>
        HuggingFaceLlamaConfig.CheckLlamaFamily(folderOrWeightsPath, declared);

    /// <summary>Loads <paramref name="configPath"/>; throws <see cref="ModelLoadException"/> naming any ill-typed field.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="configPath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="configPath"/> is empty or blank.</exception>
    public static HuggingFaceConfig Load(string configPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configPath);
        return Read(configPath, reader =>
        {
            bool? tieWordEmbeddings = reader.Bool("tie_word_embeddings");
            return new HuggingFaceConfig(
                configPath,
                reader.String("model_type"),
                reader.Int("n_embd"),
                reader.Int("n_head"),
                reader.Int("n_layer"),
                reader.Int("n_positions") ?? reader.Int("n_ctx"),
                reader.Int("vocab_size"),
                reader.Int("n_inner"),
                reader.Double("layer_norm_epsilon"),
                reader.String("activation_function"),
                tieWordEmbeddings ?? true)
            {
                TieWordEmbeddingsAbsent = tieWordEmbeddings is null,
            };
        });
    }

    /// <summary>
    /// Reads <paramref name="configPath"/> (at most 16 MiB), parses it, checks that its strings are text and that
    /// it is a JSON object, and hands its fields to <paramref name="read"/> while the document is open.
    /// </summary>
    internal static T Read<T>(string configPath, Func<FieldReader, T> read)
    {
        using JsonDocument document = JsonFile.ParseObject(configPath, "config", MaxFileLength);
        {
            JsonElement root = document.RootElement;
            return read(new FieldReader(configPath, root));
        }
    }

    /// <summary>
    /// Checks the config against a declared GPT-2 shape and throws one <see cref="ModelLoadException"/>
    /// listing every disagreement, each naming the field with the config's and the declared value.
    /// Fields the config leaves out take the Hugging Face <c>GPT2Config</c> defaults (as
    /// <c>transformers</c> would). <c>n_positions</c> may exceed <paramref name="context"/>; the
    /// epsilon is compared with a relative tolerance of 1e-6; the activation must be one of
    /// <see cref="Gpt2Activations"/>; <c>tie_word_embeddings</c> must say what <paramref name="tiedEmbeddings"/>
    /// declares (with a separate classifier in the file, transformers would still use the token embedding
    /// when the config ties them, so either disagreement is refused).
    /// </summary>
    public void CheckGpt2(int dModel, int heads, int layers, int vocab, int context, int ffnDim, double normEpsilon, bool tiedEmbeddings)
    {
        var problems = new List<string>();
        if (ModelType is not null && ModelType != "gpt2")
        {
            problems.Add($"model_type is '{ModelType}', expected 'gpt2'");
        }

        CheckEqual(problems, "n_embd", NEmbd, 768, dModel);
        CheckEqual(problems, "n_head", NHead, 12, heads);
        CheckEqual(problems, "n_layer", NLayer, 12, layers);
        CheckEqual(problems, "vocab_size", VocabSize, 50257, vocab);

        int positions = NPositions ?? 1024;
        if (positions < context)
        {
            problems.Add($"n_positions is {Describe(NPositions, 1024)}, smaller than the declared context {context}");
        }

        if (NInner is int inner)
        {
            if (inner != ffnDim)
            {
                problems.Add($"n_inner is {inner}, expected {ffnDim}");
            }
        }
        else
        {
            long implied = 4L * (NEmbd ?? 768);
            if (implied != ffnDim)
            {
                problems.Add($"n_inner is null, so the MLP width is 4 * n_embd = {implied}, expected {ffnDim}");
            }
        }

        double epsilon = LayerNormEpsilon ?? 1e-5;
        if (Math.Abs(epsilon - normEpsilon) > 1e-6 * Math.Max(Math.Abs(epsilon), Math.Abs(normEpsilon)))
        {
            problems.Add($"layer_norm_epsilon is {Describe(LayerNormEpsilon, 1e-5)}, expected {normEpsilon:R}");
        }

        string activation = ActivationFunction ?? "gelu_new";
        if (Array.IndexOf(Activations, activation) < 0)
        {
            problems.Add($"activation_function is '{activation}', expected one of {string.Join(", ", Activations)}");
        }

        if (TieWordEmbeddings != tiedEmbeddings)
        {
            string value = TieWordEmbeddingsAbsent ? "true (absent, so transformers' default)" : (TieWordEmbeddings ? "true" : "false");
            problems.Add($"tie_word_embeddings is {value}, but the model declares TiedEmbeddings = {(tiedEmbeddings ? "true" : "false")}");
        }

        if (problems.Count > 0)
        {
            string count = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
            throw new ModelLoadException(ConfigPath, $"config does not match the declared GPT-2 shape, {count}: {string.Join("; ", problems)}");
        }
    }

    private static void CheckEqual(List<string> problems, string field, int? actual, int defaultValue, int expected)
    {
        if ((actual ?? defaultValue) != expected)
        {
            problems.Add($"{field} is {Describe(actual, defaultValue)}, expected {expected}");
        }
    }

    private static string Describe(int? actual, int defaultValue) =>
        actual?.ToString() ?? $"absent (GPT-2 default {defaultValue})";

    private static string Describe(double? actual, double defaultValue) =>
        actual?.ToString("R") ?? $"absent (GPT-2 default {defaultValue:R})";

    /// <summary>
    /// Reads optional, type-checked fields; null and absent both read as null. <paramref name="prefix"/> is put
    /// before field names in messages (such as <c>rope_scaling.</c> for a nested object).
    /// </summary>
    internal readonly struct FieldReader(string path, JsonElement root, string prefix = "")
    {
        /// <summary>Whether the object has <paramref name="field"/> at all, even as null.</summary>
        public bool Has(string field) => root.TryGetProperty(field, out _);

        /// <summary>A nested object's fields, or null when the field is absent or null.</summary>
        public FieldReader? Object(string field) =>
            Get(field, JsonValueKind.Object, "an object") is JsonElement value ? new FieldReader(path, value, prefix + field + ".") : null;

        /// <summary>An array of strings, or null when the field is absent or null.</summary>
        public string[]? Strings(string field)
        {
            if (Get(field, JsonValueKind.Array, "an array of strings") is not JsonElement value)
            {
                return null;
            }

            var strings = new List<string>();
            foreach (JsonElement item in value.EnumerateArray())
            {
                strings.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Invalid(field, "an array of strings", value));
            }

            return strings.ToArray();
        }

        public string? String(string field) =>
            Get(field, JsonValueKind.String, "a string") is JsonElement value ? value.GetString() : null;

        public bool? Bool(string field)
        {
            if (!root.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Invalid(field, "true or false", value),
            };
        }

        public int? Int(string field)
        {
            if (Get(field, JsonValueKind.Number, "an integer") is not JsonElement value)
            {
                return null;
            }

            return value.TryGetInt32(out int result) ? result : throw Invalid(field, "an integer", value);
        }

        public double? Double(string field)
        {
            if (Get(field, JsonValueKind.Number, "a number") is not JsonElement value)
            {
                return null;
            }

            return value.TryGetDouble(out double result) && double.IsFinite(result)
                ? result
                : throw Invalid(field, "a finite number", value);
        }

        private JsonElement? Get(string field, JsonValueKind kind, string expected)
        {
            if (!root.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == kind ? value : throw Invalid(field, expected, value);
        }

        private ModelLoadException Invalid(string field, string expected, JsonElement value) =>
            new(path, $"field '{prefix}{field}' must be {expected}, found {value.GetRawText()}");
    }
}
