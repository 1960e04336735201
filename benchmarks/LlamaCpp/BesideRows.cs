using System;
using System.IO;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>How we run one GGUF file: the declaration that loads it and the bytes it stores per matrix value.</summary>
/// <param name="Declaration">The generated model's class name, as the table shows it.</param>
/// <param name="Open">Loads the GGUF file into that declaration and opens a session.</param>
/// <param name="BytesPerMatrixValue">Bytes of one layer projection value as the declaration stores it (Q8: 34 bytes a block of 32; Q4: 20).</param>
/// <param name="BytesPerClassifierValue">Bytes of one classifier value (a Q4 declaration keeps its classifier in 8 bits).</param>
internal sealed record OurModel(string Declaration, Func<string, IInferenceSession> Open, double BytesPerMatrixValue, double BytesPerClassifierValue);

/// <summary>One row pair of the table: llama.cpp on a GGUF file of a shape and type, and ours on the same file when we have a declaration for that type.</summary>
internal sealed record BesideRow(LlamaShape Shape, string GgufType, OurModel? Ours)
{
    /// <summary>The GGUF file tools/llamacpp-bench/prepare-models.sh writes for this row.</summary>
    public string File(string folder) => Path.Combine(folder, FileName(Shape, GgufType));

    public static string FileName(LlamaShape shape, string ggufType) => $"{shape.Name}-seed{RandomWeights.Seed}-{ggufType}.gguf";
}

/// <summary>
/// The rows run side by side with llama-bench, in this order. A row with no <see cref="OurModel"/> would be
/// llama.cpp's alone.
/// </summary>
internal static class BesideRows
{
    private const double F32Bytes = 4;
    private const double Q8Bytes = 34.0 / 32;
    private const double Q4Bytes = 20.0 / 32;

    public static readonly BesideRow[] All =
    [
        new(LlamaShape.Stories15M, "F32", new(nameof(Stories15M), path => Stories15M.Load(path).CreateSession(), F32Bytes, F32Bytes)),
        new(LlamaShape.Stories15M, "Q8_0", new(nameof(Stories15MQ8), path => Stories15MQ8.Load(path).CreateSession(), Q8Bytes, Q8Bytes)),
        new(LlamaShape.Stories15M, "Q4_0", new(nameof(Stories15MQ4), path => Stories15MQ4.Load(path).CreateSession(), Q4Bytes, Q8Bytes)),
        new(LlamaShape.Stories15M, "Q4_K_M", new(nameof(Stories15MQ4), path => Stories15MQ4.Load(path).CreateSession(), Q4Bytes, Q8Bytes)),
        new(LlamaShape.Stories110M, "F32", new(nameof(Stories110M), path => Stories110M.Load(path).CreateSession(), F32Bytes, F32Bytes)),
        new(LlamaShape.Stories110M, "Q8_0", new(nameof(Stories110MQ8), path => Stories110MQ8.Load(path).CreateSession(), Q8Bytes, Q8Bytes)),
        new(LlamaShape.Stories110M, "Q4_0", new(nameof(Stories110MQ4), path => Stories110MQ4.Load(path).CreateSession(), Q4Bytes, Q8Bytes)),
        new(LlamaShape.Stories110M, "Q4_K_M", new(nameof(Stories110MQ4), path => Stories110MQ4.Load(path).CreateSession(), Q4Bytes, Q8Bytes)),
    ];
}
