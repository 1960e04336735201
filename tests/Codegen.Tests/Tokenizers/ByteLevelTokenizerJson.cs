using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// Llama 3 and Qwen2 style tokenizer.json files over the Llama 3.2 vocabulary in GPT-2 layout
/// (<c>tokenizers/llama3.2/encoder.json</c> + <c>vocab.bpe</c>), built exactly as
/// tools/hf-tokenizer-reference/build-byte-level.mjs builds them for the goldens (keep the two in step),
/// each written once per run into its own temporary folder.
/// </summary>
internal static class ByteLevelTokenizerJson
{
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Lazy<string> Llama3Folder = new(() => Write("llama3-style", Llama3Style));
    private static readonly Lazy<string> Qwen2Folder = new(() => Write("qwen2-style", Qwen2Style));

    /// <summary>The folder holding the Llama 3 style tokenizer.json.</summary>
    public static string Llama3 => Llama3Folder.Value;

    /// <summary>The folder holding the Qwen2 style tokenizer.json.</summary>
    public static string Qwen2 => Qwen2Folder.Value;

    private static string Write(string name, Action<Utf8JsonWriter, string, string[]> build)
    {
        string source = TestModels.Path("tokenizers", "llama3.2");
        string vocabulary = File.ReadAllText(Path.Combine(source, "encoder.json"));
        string[] merges = File.ReadAllText(Path.Combine(source, "vocab.bpe")).Split('\n')
            .Where((line, i) => line.Length > 0 && !(i == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            .ToArray();
        string folder = Path.Combine(Path.GetTempPath(), $"codegen-hftok-{name}-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        using (var stream = File.Create(Path.Combine(folder, "tokenizer.json")))
        using (var writer = new Utf8JsonWriter(stream))
        {
            // encoder.json is the vocab object as it is.
            build(writer, vocabulary, merges);
        }

        return folder;
    }

    private static void Llama3Style(Utf8JsonWriter json, string vocabulary, string[] merges)
    {
        const string bos = "<|begin_of_text|>";
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteStartArray("added_tokens");
        AddedToken(json, 128000, bos);
        AddedToken(json, 128001, "<|end_of_text|>");
        json.WriteEndArray();
        json.WriteNull("normalizer");
        PreTokenizer(json, Llama3Pattern);
        json.WriteStartObject("post_processor");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("processors");
        ByteLevel(json, addPrefixSpace: true, trimOffsets: false, useRegex: true);
        json.WriteStartObject();
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        json.WriteRawValue("{\"SpecialToken\": {\"id\": \"" + bos + "\", \"type_id\": 0}}");
        json.WriteRawValue("""{"Sequence": {"id": "A", "type_id": 0}}""");
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject(bos);
        json.WriteString("id", bos);
        json.WriteStartArray("ids");
        json.WriteNumberValue(128000);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue(bos);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WritePropertyName("decoder");
        ByteLevel(json, addPrefixSpace: true, trimOffsets: true, useRegex: true);
        Model(json, vocabulary, merges, ignoreMerges: true, mergesAsPairs: true);
        json.WriteEndObject();
    }

    private static void Qwen2Style(Utf8JsonWriter json, string vocabulary, string[] merges)
    {
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteStartArray("added_tokens");
        AddedToken(json, 128000, "<|endoftext|>");
        AddedToken(json, 128001, "<|im_start|>");
        AddedToken(json, 128002, "<|im_end|>");
        json.WriteEndArray();
        json.WriteStartObject("normalizer");
        json.WriteString("type", "NFC");
        json.WriteEndObject();
        PreTokenizer(json, Qwen2Pattern);
        json.WritePropertyName("post_processor");
        ByteLevel(json, addPrefixSpace: false, trimOffsets: false, useRegex: false);
        json.WritePropertyName("decoder");
        ByteLevel(json, addPrefixSpace: false, trimOffsets: false, useRegex: false);
        Model(json, vocabulary, merges, ignoreMerges: false, mergesAsPairs: false);
        json.WriteEndObject();
    }

    private static void AddedToken(Utf8JsonWriter json, int id, string content)
    {
        json.WriteStartObject();
        json.WriteNumber("id", id);
        json.WriteString("content", content);
        json.WriteBoolean("single_word", false);
        json.WriteBoolean("lstrip", false);
        json.WriteBoolean("rstrip", false);
        json.WriteBoolean("normalized", false);
        json.WriteBoolean("special", true);
        json.WriteEndObject();
    }

    private static void PreTokenizer(Utf8JsonWriter json, string pattern)
    {
        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");
        json.WriteStartObject();
        json.WriteString("type", "Split");
        json.WriteStartObject("pattern");
        json.WriteString("Regex", pattern);
        json.WriteEndObject();
        json.WriteString("behavior", "Isolated");
        json.WriteBoolean("invert", false);
        json.WriteEndObject();
        ByteLevel(json, addPrefixSpace: false, trimOffsets: true, useRegex: false);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void ByteLevel(Utf8JsonWriter json, bool addPrefixSpace, bool trimOffsets, bool useRegex)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", addPrefixSpace);
        json.WriteBoolean("trim_offsets", trimOffsets);
        json.WriteBoolean("use_regex", useRegex);
        json.WriteEndObject();
    }

    private static void Model(Utf8JsonWriter json, string vocabulary, string[] merges, bool ignoreMerges, bool mergesAsPairs)
    {
        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        if (ignoreMerges)
        {
            json.WriteBoolean("ignore_merges", true);
        }

        json.WritePropertyName("vocab");
        json.WriteRawValue(vocabulary, skipInputValidation: true);
        json.WriteStartArray("merges");
        foreach (string merge in merges)
        {
            if (mergesAsPairs)
            {
                json.WriteStartArray();
                foreach (string side in merge.Split(' '))
                {
                    json.WriteStringValue(side);
                }

                json.WriteEndArray();
            }
            else
            {
                json.WriteStringValue(merge);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
