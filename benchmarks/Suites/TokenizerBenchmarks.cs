using System;
using System.IO;
using System.Text;
using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Tokenizers;
using Codegen.Tokenizers;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// Encoding 1 MB of text with each tokenizer: TinyStories prose (stories260K's reference story,
/// repeated), and one letter repeated (a single pre-token of a million letters for GPT-2). The
/// goal is under a second each (issue: tokenizer hardening).
/// </summary>
[BenchmarkCategory("tokenizers")]
[Config(typeof(TokenizerBenchmarkConfig))]
public class TokenizerBenchmarks
{
    /// <summary>Characters encoded per invocation.</summary>
    public const int TextLength = 1_000_000;

    private ITokenizer? tokenizer;
    private string text = "";

    /// <summary>
    /// "llama2c-tok512" (stories260K), "llama2c-llama2" (Llama 2's 32000 tokens, exported from its tokenizer.model),
    /// "gpt2", or "hf-llama2" (Llama 2's tokenizer.json through HuggingFaceTokenizer).
    /// </summary>
    [Params("llama2c-tok512", "llama2c-llama2", "gpt2", "hf-llama2")]
    public string Tokenizer { get; set; } = "";

    /// <summary>"prose" or "one-letter".</summary>
    [Params("prose", "one-letter")]
    public string Text { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        tokenizer = Tokenizer switch
        {
            "llama2c-tok512" => Llama2cTokenizer.Load(RepositoryPaths.SharedModel("stories260K", "tok512.bin"), 512),
            "llama2c-llama2" => Llama2cTokenizer.Load(Llama2TokenizerBin(), 32000),
            "gpt2" => Gpt2Tokenizer.Load(RepositoryPaths.SharedModel("gpt2-tokenizer")),
            "hf-llama2" => HuggingFaceTokenizer.Load(RepositoryPaths.SharedModel("tokenizers", "llama2")),
            _ => throw new ArgumentException($"Unknown tokenizer {Tokenizer}."),
        };
        text = Text switch
        {
            "prose" => Prose(),
            "one-letter" => new string('a', TextLength),
            _ => throw new ArgumentException($"Unknown text {Text}."),
        };
    }

    /// <summary>Encodes the megabyte; returns the number of tokens.</summary>
    [Benchmark]
    public int Encode() => tokenizer!.Encode(text, addBos: true).Length;

    private static string Prose()
    {
        string story = File.ReadAllText(RepositoryPaths.SharedModel("stories260K", "expected-greedy-200.txt")) + "\n";
        var prose = new StringBuilder(TextLength + story.Length);
        while (prose.Length < TextLength)
        {
            prose.Append(story);
        }

        return prose.ToString(0, TextLength);
    }

    /// <summary>Llama 2's tokenizer.model exported to llama2.c's format once, into the benchmark data folder.</summary>
    private static string Llama2TokenizerBin()
    {
        string path = Path.Combine(RepositoryPaths.DataFolder, "llama2-tokenizer.bin");
        if (!File.Exists(path))
        {
            SentencePieceToLlama2c.Convert(RepositoryPaths.SharedModel("tokenizers", "llama2", "tokenizer.model"), path + ".tmp");
            File.Move(path + ".tmp", path, overwrite: true);
        }

        return path;
    }
}
