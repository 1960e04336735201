using System;
using System.IO;
using Codegen.Formats.Gguf;
using Codegen.Inspection;
using Codegen.Tokenizers;

namespace Explain;

/// <summary>A loaded model's inspecting session with its tokenizer and a name for the page.</summary>
internal sealed record InspectedModel(string Name, string Shape, int Context, CpuInspectingSessionBase Session, ITokenizer Tokenizer)
{
    /// <summary>
    /// Opens the model at <paramref name="modelPath"/>: a folder holding model.safetensors is a GPT-2 of the gpt2-tiny
    /// shape, a file is a llama2.c checkpoint or a GGUF file of the stories260K shape (each checked against its shape).
    /// </summary>
    /// <exception cref="FileNotFoundException">The model or its tokenizer is not there.</exception>
    public static InspectedModel Open(string modelPath, string? tokenizerPath)
    {
        if (Directory.Exists(modelPath))
        {
            if (!File.Exists(Path.Combine(modelPath, "model.safetensors")))
            {
                throw new FileNotFoundException($"{Path.GetFullPath(modelPath)} holds no model.safetensors.");
            }

            return new InspectedModel(
                $"GPT-2 ({Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelPath)))})",
                $"GPT-2: DModel {Gpt2TinyRandom.DModel}, {Gpt2TinyRandom.Heads} heads, {Gpt2TinyRandom.Layers} layers, vocabulary {Gpt2TinyRandom.Vocab}",
                Gpt2TinyRandom.Context,
                Gpt2TinyRandom.Load(modelPath).CreateInspectingSession(),
                Gpt2Tokenizer.Load(modelPath));
        }

        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"{Path.GetFullPath(modelPath)} not found; pass a model with --model <path>.");
        }

        ITokenizer tokenizer;
        if (tokenizerPath is null && GgufLlamaWeights.IsGguf(modelPath))
        {
            tokenizer = GgufTokenizer.Load(modelPath);
        }
        else
        {
            string path = tokenizerPath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, "tok512.bin");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{Path.GetFullPath(path)} not found; pass the llama2.c tokenizer with --tokenizer <path>.");
            }

            tokenizer = Llama2cTokenizer.Load(path, Stories260K.Vocab);
        }

        return new InspectedModel(
            $"stories260K ({Path.GetFileName(modelPath)})",
            $"Llama: DModel {Stories260K.DModel}, {Stories260K.Heads} heads ({Stories260K.KvHeads} key/value heads), {Stories260K.Layers} layers, vocabulary {Stories260K.Vocab}",
            Stories260K.Context,
            Stories260K.Load(modelPath).CreateInspectingSession(),
            tokenizer);
    }

    /// <summary>A token's text as the page shows it: spaces as ␣, control tokens by name, never empty.</summary>
    public string TokenText(int token)
    {
        if (token == Tokenizer.BosToken)
        {
            return "<bos>";
        }

        if (token == Tokenizer.EosToken)
        {
            return "<eos>";
        }

        string text = Tokenizer.Decode(-1, token).Replace(' ', '␣').Replace("\n", "⏎", StringComparison.Ordinal);
        return text.Length == 0 ? $"#{token}" : text;
    }
}
