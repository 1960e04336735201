using System;
using System.Diagnostics;
using System.Globalization;
using Codegen.Benchmarks.Onnx;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// <c>--prepare-huggingface</c>: writes the seeded random Hugging Face folders of the huggingface suites and exports
/// their ONNX graphs (each checked against hf_common.py's float64 forward), so that the benchmark run itself
/// does not spend its first minutes there. The suites do the same on first use.
/// </summary>
internal static class HuggingFacePreparation
{
    public const string Option = "--prepare-huggingface";

    public static void Run()
    {
        foreach (HuggingFaceShape shape in new[] { HuggingFaceShape.SmolLM2, HuggingFaceShape.Qwen25 })
        {
            long start = Stopwatch.GetTimestamp();
            string folder = RandomWeights.HuggingFaceFolder(shape);
            Report(shape, $"weights {folder}", start);
            start = Stopwatch.GetTimestamp();
            using (OnnxDecoderSession.ForHuggingFace(shape, folder, context: 1))
            {
                Report(shape, "ONNX graph exported (or up to date) and opened", start);
            }
        }
    }

    private static void Report(HuggingFaceShape shape, string what, long start) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{shape.Name}: {what} in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s"));
}
