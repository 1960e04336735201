using System;
using System.Diagnostics;
using System.IO;
using Codegen;
using Codegen.Formats;
using Codegen.Generation;
using Codegen.Samples;
using Codegen.Tokenizers;
using Gpt2Sample;

// Runs GPT-2 small (or Hugging Face's tiny-random-gpt2) from a Hugging Face folder holding
// model.safetensors, vocab.json and merges.txt (config.json too, if present, is checked).
const string Usage =
    "usage: dotnet run -c Release --project samples/Gpt2 -- <folder> [--prompt <text>] [--temperature <t>] [--top-k <k>] [--top-p <p>] [--seed <n>] [--max-tokens <n>]\n" +
    "  <folder>  a Hugging Face GPT-2 folder with model.safetensors, vocab.json and merges.txt\n" +
    "            (GPT-2 small, or ../shared/models/gpt2-tiny for the tiny random test model)";

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("error: pass the folder of a Hugging Face GPT-2 model (see README: \"GPT-2 sample\").");
    Console.Error.WriteLine(Usage);
    return args.Length == 0 ? 1 : 0;
}

string folder = args[0];
string prompt = "The meaning of life is";
var options = new GenerationOptions { Temperature = 0.8f, TopK = 40, TopP = 0.95f, MaxNewTokens = 60 };
try
{
    (prompt, options) = GenerationArguments.Parse(args, 1, prompt, options);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

foreach (string file in new[] { "model.safetensors", "vocab.json", "merges.txt" })
{
    if (!File.Exists(Path.Combine(folder, file)))
    {
        Console.Error.WriteLine($"error: {Path.GetFullPath(Path.Combine(folder, file))} not found; pass a Hugging Face GPT-2 folder (see README).");
        return 1;
    }
}

try
{
    HuggingFaceConfig? config = HuggingFaceConfig.TryLoadBeside(Path.Combine(folder, "model.safetensors"));
    bool tiny = config?.NEmbd == Gpt2TinyRandom.DModel;
    IInferenceSession session = tiny
        ? Gpt2TinyRandom.Load(folder).CreateSession()
        : Gpt2Small.Load(folder).CreateSession();
    Gpt2Tokenizer tokenizer = Gpt2Tokenizer.Load(folder);
    Console.Error.WriteLine($"model: {(tiny ? "tiny-random-gpt2" : "GPT-2 small")} from {Path.GetFullPath(folder)}");

    int[] promptTokens = tokenizer.Encode(prompt, addBos: false);
    options = options with
    {
        StopTokens = tokenizer.EosToken >= 0 ? new[] { tokenizer.EosToken } : Array.Empty<int>(),
        MaxNewTokens = Math.Min(options.MaxNewTokens, session.ContextLength - promptTokens.Length),
    };

    Console.Write(prompt);
    var generated = new System.Collections.Generic.List<int>();
    string printed = string.Empty;
    var clock = Stopwatch.StartNew();
    foreach (int token in TextGeneration.Generate(session, promptTokens, options))
    {
        // Byte-level BPE: decode the whole continuation and print what is new, so multi-byte
        // characters split across tokens come out whole.
        generated.Add(token);
        string text = tokenizer.Decode(generated);
        Console.Write(text.Substring(Math.Min(printed.Length, text.Length)));
        printed = text;
    }

    clock.Stop();
    Console.WriteLine();
    Console.Error.WriteLine($"{generated.Count} tokens in {clock.Elapsed.TotalSeconds:F2} s: {generated.Count / clock.Elapsed.TotalSeconds:F1} tokens/s");
    session.Dispose();
    return 0;
}
catch (Exception e) when (e is ModelLoadException or ArgumentException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
