using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Codegen;
using Codegen.Generation;
using Codegen.Tokenizers;
using TinyStories;

// Tells a story with the stories260K model, whose code the Codegen generator wrote at build time
// from the [TransformerModel] attribute in Stories260K.cs. With no arguments: the reference story
// at temperature 0, then the decode speed.
SampleOptions options;
try
{
    options = SampleOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(SampleOptions.Usage);
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(SampleOptions.Usage);
    return 0;
}

// A GGUF file carries its tokenizer; a llama2.c checkpoint needs the tokenizer file beside it.
bool tokenizerInModel = !options.TokenizerGiven && File.Exists(options.ModelPath) && Codegen.Formats.Gguf.GgufLlamaWeights.IsGguf(options.ModelPath);
var requiredFiles = new List<(string Path, string Option)> { (options.ModelPath, "--model") };
if (!tokenizerInModel)
{
    requiredFiles.Add((options.TokenizerPath, "--tokenizer"));
}

foreach ((string path, string option) in requiredFiles)
{
    if (!File.Exists(path))
    {
        Console.Error.WriteLine($"error: {Path.GetFullPath(path)} not found; pass its path with {option} <path>.");
        return 1;
    }
}

try
{
    Stories260K model = Stories260K.Load(options.ModelPath);
    ITokenizer tokenizer = tokenizerInModel
        ? GgufTokenizer.Load(options.ModelPath)
        : Llama2cTokenizer.Load(options.TokenizerPath, Stories260K.Vocab);
#if CODEGEN_GPU
    using Codegen.Gpu.GpuDevice? device = options.Backend == Backend.Gpu ? Codegen.Gpu.GpuDevice.Open(DevicePreference(options.Device)) : null;
    if (device is not null)
    {
        Console.Error.WriteLine($"backend: gpu on {device}");
    }

    using IInferenceSession session = device is null ? model.CreateSession() : model.CreateGpuSession(device);
#else
    if (options.Backend == Backend.Gpu)
    {
        throw new ArgumentException("this build has no GPU backend (a NativeAOT build is CPU-only); use --backend cpu.");
    }

    using IInferenceSession session = model.CreateSession();
#endif

    int[] prompt = tokenizer.Encode(options.Prompt, addBos: true);
    var generation = new GenerationOptions
    {
        // As llama2.c: positions 0 to steps - 1 are fed, so steps - prompt + 1 tokens come out.
        MaxNewTokens = Math.Max(0, Math.Min(options.Steps, Stories260K.Context) - prompt.Length + 1),
        Temperature = options.Temperature,
        TopP = options.TopP,
        MinP = options.MinP,
        RepetitionPenalty = options.RepetitionPenalty,
        Seed = options.Seed,
        StopTokens = new[] { tokenizer.BosToken, tokenizer.EosToken },
        StopStrings = options.StopStrings,
    };

    // The prompt is printed as it is; the story follows piece by piece as it is generated (text that may be the
    // start of a --stop string waits until it is known not to be).
    Console.Write(tokenizer.Decode(prompt));
    var clock = Stopwatch.StartNew();
    TextGenerationStream story = TextGeneration.GenerateText(session, tokenizer, prompt, generation);
    foreach (string piece in story)
    {
        Console.Write(piece);
    }

    clock.Stop();
    Console.WriteLine();
    int generated = story.GeneratedTokenCount;
    Console.Error.WriteLine($"{generated} tokens in {clock.Elapsed.TotalSeconds:F3} s: {generated / clock.Elapsed.TotalSeconds:F0} tokens/s (the {prompt.Length}-token prompt included); finished: {story.FinishReason}{(story.StopString is null ? "" : $" \"{story.StopString.Replace("\n", "\\n")}\"")}");
    return 0;
}
catch (Exception e) when (e is ModelLoadException or ArgumentException || IsDeviceUnavailable(e))
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

#if CODEGEN_GPU
static Codegen.Gpu.GpuDevicePreference DevicePreference(string device) => device switch
{
    "cuda" => Codegen.Gpu.GpuDevicePreference.Cuda,
    "opencl" => Codegen.Gpu.GpuDevicePreference.OpenCL,
    "cpu" => Codegen.Gpu.GpuDevicePreference.CpuAccelerator,
    _ => Codegen.Gpu.GpuDevicePreference.Auto,
};

static bool IsDeviceUnavailable(Exception e) => e is Codegen.Gpu.GpuDeviceUnavailableException;
#else
static bool IsDeviceUnavailable(Exception e) => false;
#endif
