using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Codegen.Tokenizers;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// The golden files of tests/Codegen.Tests/Golden/tokenizers, written by
/// tools/hf-tokenizer-reference/make-goldens.mjs from Hugging Face's JavaScript tokenizers: for each
/// corpus string, the ids without and with special tokens and the reference's decoding of the former.
/// </summary>
internal static class HuggingFaceGoldens
{
    public sealed record Case(string Text, int[] Ids, int[] WithSpecial, string Decoded);

    /// <summary>The golden names, each with the folder its tokenizer is loaded from.</summary>
    public static readonly string[] Names = { "llama2", "llama2-metaspace", "phi-3-mini", "gpt2-tiny", "llama3-style", "qwen2-style" };

    private static readonly Dictionary<string, Lazy<ITokenizer>> Tokenizers = Names.ToDictionary(
        name => name, name => new Lazy<ITokenizer>(() => HuggingFaceTokenizer.Load(Folder(name))));

    /// <summary>The folder of the tokenizer a golden was written for.</summary>
    public static string Folder(string name) => name switch
    {
        "llama2" => TestModels.Path("tokenizers", "llama2"),
        "llama2-metaspace" => MetaspaceTokenizerJson.Llama2,
        "phi-3-mini" => TestModels.Path("tokenizers", "phi-3-mini"),
        "gpt2-tiny" => TestModels.Path("gpt2-tiny"),
        "llama3-style" => ByteLevelTokenizerJson.Llama3,
        "qwen2-style" => ByteLevelTokenizerJson.Qwen2,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such golden"),
    };

    /// <summary>The tokenizer of a golden, loaded once per run.</summary>
    public static ITokenizer Tokenizer(string name) => Tokenizers[name].Value;

    /// <summary>The cases of a golden file.</summary>
    public static IReadOnlyList<Case> Read(string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", "tokenizers", name + ".json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("text").GetString()!,
            c.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray(),
            c.GetProperty("withSpecial").EnumerateArray().Select(id => id.GetInt32()).ToArray(),
            c.GetProperty("decoded").GetString()!)).ToList();
    }
}
