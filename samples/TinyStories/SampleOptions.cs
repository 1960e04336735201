using System;
using System.Globalization;
using System.IO;

namespace TinyStories;

/// <summary>The sample's command line, with llama2.c's defaults.</summary>
internal sealed record SampleOptions
{
    public const string Usage =
        "usage: dotnet run -c Release --project samples/TinyStories -- [options]\n" +
        "  --model <path>        llama2.c checkpoint or GGUF file (default ../shared/models/stories260K/stories260K.bin)\n" +
        "  --tokenizer <path>    llama2.c tokenizer (default ../shared/models/stories260K/tok512.bin;\n" +
        "                        with a GGUF model and no --tokenizer, the GGUF file's own tokenizer)\n" +
        "  --prompt <text>       text the story starts with (default: none)\n" +
        "  --temperature <t>     0 is greedy (default 0)\n" +
        "  --top-p <p>           nucleus sampling, in (0, 1] (default 0.9; used when temperature > 0)\n" +
        "  --min-p <p>           keep tokens of at least p times the top probability, in [0, 1] (default 0, off)\n" +
        "  --repetition-penalty <r>  penalty for tokens of the last 64, as Hugging Face's (default 1, off; 1.1 to 1.3 is usual)\n" +
        "  --stop <text>         end the story where the generated text reaches <text> (repeat for several; \\n is a newline)\n" +
        "  --seed <n>            seed for sampling (default: random)\n" +
        "  --steps <n>           positions to run, prompt included, at most the context 512 (default 256)\n" +
        "  --backend <b>         cpu (the generated SIMD kernels) or gpu (the generated ILGPU kernels) (default cpu)\n" +
        "  --device <d>          with --backend gpu: auto (CUDA, else OpenCL, else the ILGPU CPU accelerator), cuda, opencl or cpu (default auto)";

    private static readonly string ModelsFolder = Path.Combine("..", "shared", "models", "stories260K");

    public string ModelPath { get; init; } = Path.Combine(ModelsFolder, "stories260K.bin");

    public string TokenizerPath { get; init; } = Path.Combine(ModelsFolder, "tok512.bin");

    /// <summary>Whether --tokenizer was given (a GGUF model without it uses the tokenizer in its own metadata).</summary>
    public bool TokenizerGiven { get; init; }

    public string Prompt { get; init; } = string.Empty;

    public float Temperature { get; init; }

    public float TopP { get; init; } = 0.9f;

    public float MinP { get; init; }

    public float RepetitionPenalty { get; init; } = 1.0f;

    /// <summary>The --stop texts, in order.</summary>
    public System.Collections.Immutable.ImmutableArray<string> StopStrings { get; init; } = System.Collections.Immutable.ImmutableArray<string>.Empty;

    public ulong? Seed { get; init; }

    public int Steps { get; init; } = 256;

    public Codegen.Backend Backend { get; init; } = Codegen.Backend.Cpu;

    /// <summary>The GPU device to ask for: auto, cuda, opencl or cpu (the ILGPU CPU accelerator).</summary>
    public string Device { get; init; } = "auto";

    public bool ShowHelp { get; init; }

    public static SampleOptions Parse(string[] args)
    {
        var options = new SampleOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                return options with { ShowHelp = true };
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            string value = args[++i];
            options = name switch
            {
                "--model" => options with { ModelPath = value },
                "--tokenizer" => options with { TokenizerPath = value, TokenizerGiven = true },
                "--prompt" => options with { Prompt = value },
                "--temperature" => options with { Temperature = ParseFloat(name, value) },
                "--top-p" => options with { TopP = ParseFloat(name, value) },
                "--min-p" => options with { MinP = ParseFloat(name, value) },
                "--repetition-penalty" => options with { RepetitionPenalty = ParseFloat(name, value) },
                "--stop" => options with { StopStrings = options.StopStrings.Add(value.Replace("\\n", "\n")) },
                "--seed" => options with { Seed = ulong.TryParse(value, out ulong seed) ? seed : throw new ArgumentException($"--seed takes a non-negative integer, not '{value}'.") },
                "--steps" => options with { Steps = int.TryParse(value, out int steps) && steps > 0 ? steps : throw new ArgumentException($"--steps takes a positive integer, not '{value}'.") },
                "--backend" => options with { Backend = Codegen.BackendNames.Parse(value) },
                "--device" => options with { Device = value is "auto" or "cuda" or "opencl" or "cpu" ? value : throw new ArgumentException($"--device takes auto, cuda, opencl or cpu, not '{value}'.") },
                _ => throw new ArgumentException($"unknown option {name}."),
            };
        }

        return options;
    }

    private static float ParseFloat(string name, string value) =>
        float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float result)
            ? result
            : throw new ArgumentException($"{name} takes a number, not '{value}'.");
}
