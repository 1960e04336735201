using System;
using System.Collections.Generic;
using System.IO;

namespace Explain;

/// <summary>The sample's command line.</summary>
internal sealed record ExplainOptions
{
    public const string Usage =
        "usage: dotnet run --project samples/Explain -- [options]\n" +
        "  --prompt <text>       the text to look inside the model with (default \"Once upon a time\")\n" +
        "  --model <path>        a llama2.c checkpoint or GGUF file of the stories260K shape, or a GPT-2 folder of the\n" +
        "                        gpt2-tiny shape (model.safetensors, vocab.json, merges.txt)\n" +
        "                        (default ../shared/models/stories260K/stories260K.bin)\n" +
        "  --tokenizer <path>    llama2.c tokenizer for a llama2.c checkpoint (default tok512.bin beside the model)\n" +
        "  --neighbours <text>   a word whose nearest tokens in the embedding space to show (repeat for several;\n" +
        "                        default: the prompt's tokens)\n" +
        "  --output <path>       the HTML page to write (default explain.html)";

    public string Prompt { get; init; } = "Once upon a time";

    public string ModelPath { get; init; } = Path.Combine("..", "shared", "models", "stories260K", "stories260K.bin");

    public string? TokenizerPath { get; init; }

    public IReadOnlyList<string> Neighbours { get; init; } = Array.Empty<string>();

    public string OutputPath { get; init; } = "explain.html";

    public bool ShowHelp { get; init; }

    /// <exception cref="ArgumentException">An unknown option, or one without its value.</exception>
    public static ExplainOptions Parse(string[] args)
    {
        var options = new ExplainOptions();
        var neighbours = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h")
            {
                return options with { ShowHelp = true };
            }

            string value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i - 1] switch
            {
                "--prompt" => options with { Prompt = value },
                "--model" => options with { ModelPath = value },
                "--tokenizer" => options with { TokenizerPath = value },
                "--output" => options with { OutputPath = value },
                "--neighbours" => Add(neighbours, value, options),
                _ => throw new ArgumentException($"unknown option {args[i - 1]}."),
            };
        }

        return options with { Neighbours = neighbours };
    }

    private static ExplainOptions Add(List<string> list, string value, ExplainOptions options)
    {
        list.Add(value);
        return options;
    }
}
