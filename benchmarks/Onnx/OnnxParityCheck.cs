using System;
using Codegen.Generation;
using System.Globalization;

namespace Codegen.Benchmarks.Onnx;

/// <summary>
/// Checks that the ONNX peer computes the same model as the generated code: greedy decoding from
/// BOS, then a prefill from position 0, a few decode steps on the cache it wrote and a second
/// prefill chunk after them, comparing the logits of every call.
/// </summary>
internal static class OnnxParityCheck
{
    /// <summary>Largest allowed max |logit difference| / max |logit| of any call.</summary>
    public const double Tolerance = 1e-3;

    public const int DecodeSteps = 20;

    public const int PromptTokens = 16;

    public const int StepsAfterPrompt = 4;

    public const int SecondChunkTokens = 8;

    private const int Bos = 1;

    /// <summary>
    /// Runs both sessions from position 0 (both are reset first and afterwards) and returns the
    /// largest relative logit difference.
    /// </summary>
    /// <exception cref="InvalidOperationException">The logits differ by more than <see cref="Tolerance"/>, or the greedy ids differ.</exception>
    public static double Run(IInferenceSession onnx, IInferenceSession generated)
    {
        if (onnx.VocabularySize != generated.VocabularySize)
        {
            throw new InvalidOperationException(
                $"The ONNX graph has {onnx.VocabularySize} logits, the generated model {generated.VocabularySize}.");
        }

        double worst = 0;
        onnx.Reset();
        generated.Reset();
        int token = Bos;
        for (int position = 0; position < DecodeSteps; position++)
        {
            token = Compare(onnx.Forward(token, position), generated.Forward(token, position), $"decode step at position {position}", ref worst);
        }

        var random = new Random(7);
        int[] prompt = new int[PromptTokens];
        for (int i = 0; i < prompt.Length; i++)
        {
            prompt[i] = random.Next(generated.VocabularySize);
        }

        onnx.Reset();
        generated.Reset();
        token = Compare(onnx.Prefill(prompt, 0), generated.Prefill(prompt, 0), $"prefill of {PromptTokens} tokens", ref worst);
        for (int position = PromptTokens; position < PromptTokens + StepsAfterPrompt; position++)
        {
            token = Compare(onnx.Forward(token, position), generated.Forward(token, position), $"decode step at position {position} after the prefill", ref worst);
        }

        int chunkStart = PromptTokens + StepsAfterPrompt;
        ReadOnlySpan<int> chunk = prompt.AsSpan(0, SecondChunkTokens);
        Compare(onnx.Prefill(chunk, chunkStart), generated.Prefill(chunk, chunkStart), $"prefill of {SecondChunkTokens} tokens at position {chunkStart}", ref worst);

        onnx.Reset();
        generated.Reset();
        return worst;
    }

    /// <summary>Compares one call's logits; returns the greedy next token (the same for both).</summary>
    private static int Compare(ReadOnlySpan<float> onnx, ReadOnlySpan<float> generated, string call, ref double worst)
    {
        double largest = 0;
        double difference = 0;
        for (int i = 0; i < generated.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(generated[i]));
            difference = Math.Max(difference, Math.Abs(onnx[i] - generated[i]));
        }

        double relative = difference / Math.Max(largest, float.Epsilon);
        worst = Math.Max(worst, relative);
        if (relative > Tolerance)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"ONNX and generated logits differ at the {call}: max |difference| {difference:G4}, max |logit| {largest:G4}, relative {relative:G4} > {Tolerance}."));
        }

        int onnxToken = Sampler.ArgMax(onnx);
        int generatedToken = Sampler.ArgMax(generated);
        if (onnxToken != generatedToken)
        {
            throw new InvalidOperationException(
                $"ONNX and generated greedy tokens differ at the {call}: {onnxToken} vs {generatedToken}.");
        }

        return generatedToken;
    }
}
