using System;
using System.Globalization;
using System.IO;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Onnx;

/// <summary>
/// <c>--check-onnx-huggingface</c>: the ONNX peer against the generated code (float32) on the seeded random weights of
/// the huggingface suites (SmolLM2-135M's and Qwen2.5-0.5B's shapes), as <see cref="OnnxCheckCommand"/> does on the
/// real test models: greedy decoding, a prefill, decode steps after it and a second prefill chunk.
/// </summary>
internal static class OnnxHuggingFaceCheckCommand
{
    public const string Option = "--check-onnx-huggingface";

    /// <summary>Returns the process exit code: 0 when both shapes agree.</summary>
    public static int Run()
    {
        try
        {
            Check(HuggingFaceShape.SmolLM2, folder => SmolLM2.Load(folder).CreateSession(), SmolLM2.Context);
            Check(HuggingFaceShape.Qwen25, folder => Qwen25.Load(folder).CreateSession(), Qwen25.Context);
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or ModelLoadException
                                      or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            Console.Error.WriteLine($"ONNX check failed: {e.Message}");
            return 1;
        }
    }

    private static void Check(HuggingFaceShape shape, Func<string, IInferenceSession> openGenerated, int context)
    {
        string folder = RandomWeights.HuggingFaceFolder(shape);
        using var onnx = OnnxDecoderSession.ForHuggingFace(shape, folder, context);
        using var generated = openGenerated(folder);
        double difference = OnnxParityCheck.Run(onnx, generated);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{shape.Name}: onnx vs generated, {OnnxParityCheck.DecodeSteps} greedy decode steps; {OnnxParityCheck.PromptTokens}-token prefill + {OnnxParityCheck.StepsAfterPrompt} steps + {OnnxParityCheck.SecondChunkTokens}-token prefill: max |logit difference| / max |logit| = {difference:G3} (tolerance {OnnxParityCheck.Tolerance}); greedy ids agree"));
    }
}
