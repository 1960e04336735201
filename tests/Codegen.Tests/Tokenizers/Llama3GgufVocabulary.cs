using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Codegen.Formats.Gguf;
using Codegen.Tests.Formats.Gguf;
using Codegen.Tokenizers;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// A GGUF file holding Llama 3.2's vocabulary as llama.cpp's converter lays it out, written from the
/// shared <c>tokenizers/llama3.2</c> files (encoder.json, vocab.bpe) into a temporary file once per run.
/// </summary>
internal static class Llama3GgufVocabulary
{
    /// <summary>The control tokens after the 128,000 byte-level tokens, at their Llama 3.1/3.2 ids (128000 to 128009).</summary>
    public static readonly string[] ControlTokens =
    {
        "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
        "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
        "<|eom_id|>", "<|eot_id|>",
    };

    private static readonly Lazy<string> FilePath = new(Write);

    /// <summary>The file's path.</summary>
    public static string Path => FilePath.Value;

    /// <summary>A builder with every <c>tokenizer.ggml.*</c> key of the Llama 3 file, for tests to change one.</summary>
    public static GgufBuilder Builder(string pre = "llama-bpe")
    {
        string folder = TestModels.Path("tokenizers", "llama3.2");
        (string[] byteLevel, _) = Gpt2VocabularyFiles.ReadVocabulary(System.IO.Path.Combine(folder, "encoder.json"));
        string[] merges = File.ReadAllLines(System.IO.Path.Combine(folder, "vocab.bpe"))
            .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
            .ToArray();
        string[] tokens = byteLevel.Concat(ControlTokens).ToArray();
        int[] types = tokens.Select((_, id) => id < byteLevel.Length ? (int)GgufTokenType.Normal : (int)GgufTokenType.Control).ToArray();
        return new GgufBuilder()
            .AddString("general.architecture", "llama")
            .AddString("tokenizer.ggml.model", "gpt2")
            .AddString("tokenizer.ggml.pre", pre)
            .AddStringArray("tokenizer.ggml.tokens", tokens)
            .AddInt32Array("tokenizer.ggml.token_type", types)
            .AddStringArray("tokenizer.ggml.merges", merges)
            .AddUInt32("tokenizer.ggml.bos_token_id", 128000)
            .AddUInt32("tokenizer.ggml.eos_token_id", 128001)
            .AddUInt32("tokenizer.ggml.eot_token_id", 128009)
            .AddUInt32("tokenizer.ggml.eom_token_id", 128008)
            .AddBool("tokenizer.ggml.add_bos_token", true);
    }

    private static string Write()
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"codegen-llama3-vocab-{Environment.ProcessId}.gguf");
        File.WriteAllBytes(path, Builder().Build());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    }
}
