using System;
using System.Globalization;
using System.IO;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;

namespace Codegen.Benchmarks.Onnx;

/// <summary>
/// <c>--check-onnx</c>: the ONNX peer against the generated code on the two real test models
/// (stories260K and gpt2-tiny), then a quick decode timing on stories260K (the peer, and the
/// generated code for scale).
/// </summary>
internal static class OnnxCheckCommand
{
    public const string Option = "--check-onnx";

    private const int SpeedSteps = 64;

    /// <summary>Returns the process exit code: 0 when both models agree.</summary>
    public static int Run()
    {
        try
        {
            string checkpoint = RepositoryPaths.SharedModel("stories260K", "stories260K.bin");
            using var storiesOnnx = OnnxDecoderSession.ForLlama2c(checkpoint, Stories260K.Context);
            using (var storiesGenerated = Stories260K.Load(checkpoint).CreateSession())
            {
                Report("stories260K", OnnxParityCheck.Run(storiesOnnx, storiesGenerated));
            }

            string gpt2Folder = RepositoryPaths.SharedModel("gpt2-tiny");
            using (var gpt2Onnx = OnnxDecoderSession.ForGpt2(gpt2Folder, Gpt2Tiny.Context))
            using (var gpt2Generated = Gpt2Tiny.Load(Path.Combine(gpt2Folder, "model.safetensors")).CreateSession())
            {
                Report("gpt2-tiny", OnnxParityCheck.Run(gpt2Onnx, gpt2Generated));
            }

            ReportSpeed("onnx", DecodeSpeed.Measure(storiesOnnx, SpeedSteps));
            using (var storiesGenerated = Stories260K.Load(checkpoint).CreateSession())
            {
                ReportSpeed("generated", DecodeSpeed.Measure(storiesGenerated, SpeedSteps));
            }

            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or ModelLoadException
                                      or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            Console.Error.WriteLine($"ONNX check failed: {e.Message}");
            return 1;
        }
    }

    private static void ReportSpeed(string implementation, DecodeSpeed.Result speed) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stories260K {implementation} decode: {speed.TokensPerSecond:N0} tokens/s over {SpeedSteps} greedy steps from position 0, {speed.AllocatedBytesPerToken:N1} managed bytes allocated per token"));

    private static void Report(string model, double relativeDifference) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model}: onnx vs generated, {OnnxParityCheck.DecodeSteps} greedy decode steps; {OnnxParityCheck.PromptTokens}-token prefill + {OnnxParityCheck.StepsAfterPrompt} steps + {OnnxParityCheck.SecondChunkTokens}-token prefill: max |logit difference| / max |logit| = {relativeDifference:G3} (tolerance {OnnxParityCheck.Tolerance}); greedy ids agree"));
}
