using System;
using System.IO;
using System.Text.Json.Nodes;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// Llama 2's tokenizer.json in the older Metaspace form, built as
/// tools/hf-tokenizer-reference/build-byte-level.mjs's <c>buildMetaspaceStyle</c> builds it for the
/// goldens: no normalizer, a Metaspace pre-tokenizer and decoder (prepend_scheme "first", split false),
/// written once per run with Llama 2's tokenizer_config.json beside it.
/// </summary>
internal static class MetaspaceTokenizerJson
{
    private static readonly Lazy<string> Llama2Folder = new(Write);

    /// <summary>The folder holding the file.</summary>
    public static string Llama2 => Llama2Folder.Value;

    private static string Write()
    {
        string source = TestModels.Path("tokenizers", "llama2");
        JsonObject json = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "tokenizer.json")))!.AsObject();
        json["normalizer"] = null;
        json["pre_tokenizer"] = Metaspace();
        json["decoder"] = Metaspace();
        string folder = Path.Combine(Path.GetTempPath(), $"codegen-hftok-llama2-metaspace-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), json.ToJsonString());
        File.Copy(Path.Combine(source, "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"), overwrite: true);
        return folder;
    }

    private static JsonObject Metaspace() => new()
    {
        ["type"] = "Metaspace",
        ["replacement"] = "\u2581",
        ["prepend_scheme"] = "first",
        ["split"] = false,
    };
}
