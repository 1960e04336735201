using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using Codegen;
using Codegen.Generation;
using Codegen.Samples;
using Codegen.Tokenizers;
using HuggingFaceSample;

// Runs the Hugging Face model this sample was built for (see HuggingFace.csproj and README: "Hugging Face models"):
// its config.json gave the shape at build time; its model.safetensors (or shards) and tokenizer.json are read here.
string builtFor = typeof(Model).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
    .Single(attribute => attribute.Key == "ModelFolder").Value ?? ".";
string usage =
    "usage: dotnet run -c Release --project samples/HuggingFace [-p:ModelFolder=<folder>] -- [<folder>] [--prompt <text>] [--temperature <t>] [--top-k <k>] [--top-p <p>] [--seed <n>] [--max-tokens <n>]\n" +
    "  <folder>  a Hugging Face model folder of the shape this build was made for (default: the ModelFolder it was built with,\n" +
    $"            {builtFor})";

string folder = builtFor;
string prompt = "Once upon a time";
var options = new GenerationOptions { Temperature = 0, MaxNewTokens = 64 };
try
{
    int first = 0;
    if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
    {
        folder = args[0];
        first = 1;
    }

    if (Array.Exists(args, argument => argument is "-h" or "--help"))
    {
        Console.WriteLine(usage);
        return 0;
    }

    (prompt, options) = GenerationArguments.Parse(args, first, prompt, options);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(usage);
    return 2;
}

if (!Directory.Exists(folder))
{
    Console.Error.WriteLine($"error: {Path.GetFullPath(folder)} is not a folder; pass a Hugging Face model folder (see README: \"Hugging Face models\").");
    return 1;
}

try
{
    var clock = Stopwatch.StartNew();
    Model model = Model.Load(folder);
    ITokenizer tokenizer = HuggingFaceTokenizer.Load(folder);
    using IInferenceSession session = model.CreateSession();
    Console.Error.WriteLine($"model: {Model.Family}, {Model.Layers} layers of {Model.DModel}, {Model.Heads} heads ({Model.KvHeads} key/value), vocabulary {Model.Vocab}, context {Model.Context}; loaded from {Path.GetFullPath(folder)} in {clock.Elapsed.TotalSeconds:F2} s");

    int[] promptTokens = tokenizer.Encode(prompt, addBos: true);
    options = options with
    {
        StopTokens = tokenizer.StopTokens.ToArray(),
        MaxNewTokens = Math.Max(0, Math.Min(options.MaxNewTokens, Model.Context - promptTokens.Length)),
    };

    Console.Write(prompt);
    var decoder = new StreamingDecoder(tokenizer, promptTokens.Length > 0 ? promptTokens[^1] : -1);
    int generated = 0;
    TimeSpan firstToken = TimeSpan.Zero;
    clock.Restart();
    foreach (int token in TextGeneration.Generate(session, promptTokens, options))
    {
        if (generated++ == 0)
        {
            // The prompt's prefill and the first sampled token.
            firstToken = clock.Elapsed;
        }

        Console.Write(decoder.Append(token));
    }

    Console.WriteLine(decoder.Flush());
    clock.Stop();
    double decodeSeconds = (clock.Elapsed - firstToken).TotalSeconds;
    Console.Error.WriteLine(
        $"prompt of {promptTokens.Length} tokens; first token after {firstToken.TotalMilliseconds:F1} ms; " +
        $"{generated} tokens, {(generated > 1 ? (generated - 1) / decodeSeconds : 0):F1} tokens/s after the first");
    return 0;
}
catch (Exception e) when (e is ModelLoadException or ArgumentException or NonFiniteLogitsException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
