using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Codegen.Benchmarks.Weights;

namespace Codegen.SideBySide;

/// <summary>One model shape in one weight format: where its weights are and how a session of it opens.</summary>
internal sealed record Case(string ShapeKey, string Shape, string Format, int Vocab, Func<string, string> Weights, Func<string, IInferenceSession> Open)
{
    public string Name => $"{Shape} {Format}";

    /// <summary>The id the run command takes: shape key and format, as "110m-bf16".</summary>
    public string Id => $"{ShapeKey}-{Format}";

    /// <summary>Shape keys in the order a round runs them.</summary>
    public static readonly string[] ShapeKeys = ["260k", "15m", "110m", "gpt2"];

    /// <summary>Every case, in the order a round runs them (the same order in both builds).</summary>
    public static readonly IReadOnlyList<Case> All =
    [
        new("260k", "stories260K", "f32", 512, Stories260KWeights, p => Stories260K.Load(p).CreateSession()),
        new("260k", "stories260K", "bf16", 512, Stories260KWeights, p => Stories260KBf16.Load(p).CreateSession()),
        new("260k", "stories260K", "q8", 512, Stories260KWeights, p => Stories260KQ8.Load(p).CreateSession()),
        new("15m", "15M", "f32", 32000, _ => RandomWeights.Llama2cCheckpoint(LlamaShape.Stories15M), p => Stories15M.Load(p).CreateSession()),
        new("15m", "15M", "bf16", 32000, _ => RandomWeights.Llama2cCheckpoint(LlamaShape.Stories15M), p => Stories15MBf16.Load(p).CreateSession()),
        new("15m", "15M", "q8", 32000, _ => RandomWeights.Llama2cCheckpoint(LlamaShape.Stories15M), p => Stories15MQ8.Load(p).CreateSession()),
        new("110m", "110M", "f32", 32000, _ => RandomWeights.Llama2cCheckpoint(LlamaShape.Stories110M), p => Stories110M.Load(p).CreateSession()),
        new("110m", "110M", "bf16", 32000, _ => RandomWeights.Llama2cCheckpoint(LlamaShape.Stories110M), p => Stories110MBf16.Load(p).CreateSession()),
        new("110m", "110M", "q8", 32000, _ => RandomWeights.Llama2cCheckpoint(LlamaShape.Stories110M), p => Stories110MQ8.Load(p).CreateSession()),
        new("gpt2", "GPT-2 small", "f32", 50257, _ => Path.Combine(RandomWeights.Gpt2Folder(Gpt2Shape.Gpt2Small), "model.safetensors"), p => Gpt2Small.Load(p).CreateSession()),
    ];

    /// <summary>The cases of the comma-separated shape keys (all when empty).</summary>
    public static IReadOnlyList<Case> Select(string? shapes)
    {
        if (string.IsNullOrWhiteSpace(shapes))
        {
            return All;
        }

        string[] keys = shapes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => k.ToLowerInvariant()).ToArray();
        foreach (string key in keys)
        {
            if (!ShapeKeys.Contains(key))
            {
                throw new ArgumentException($"Unknown shape '{key}'; the shapes are {string.Join(", ", ShapeKeys)}.");
            }
        }

        return All.Where(c => keys.Contains(c.ShapeKey)).ToList();
    }

    private static string Stories260KWeights(string modelsFolder)
    {
        string path = Path.Combine(modelsFolder, "stories260K", "stories260K.bin");
        return File.Exists(path) ? path : throw new FileNotFoundException($"stories260K is not at {path} (give --models).", path);
    }
}
