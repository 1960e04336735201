using System;
using Codegen.Generation;
using System.Diagnostics;
using System.IO;
using System.Runtime.Intrinsics;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// Checks that the generic baseline computes what the generated code computes, so that the benchmarks
/// compare equal work: greedy decoding from token 1, then a batched prefill followed by more decoding
/// (which reads the KV cache the prefill wrote). Run with <c>--check-generic</c>.
/// </summary>
public static class GenericParityCheck
{
    /// <summary>Largest accepted max |logit difference| / max |reference logit|.</summary>
    public const double Tolerance = 1e-4;

    public const int DecodeSteps = 32;
    public const int PromptTokens = 16;
    public const int DecodeStepsAfterPrefill = 8;

    /// <summary>
    /// Runs both sessions side by side, feeding both the reference's greedy token, and returns the largest
    /// relative logit difference seen. Throws when it exceeds <see cref="Tolerance"/> or when the two pick
    /// different greedy tokens. Resets both sessions before and after.
    /// </summary>
    public static double Compare(IInferenceSession reference, IInferenceSession candidate)
    {
        if (reference.VocabularySize != candidate.VocabularySize)
        {
            throw new InvalidOperationException($"Vocabulary sizes differ: {reference.VocabularySize} and {candidate.VocabularySize}.");
        }

        double worst = 0;
        reference.Reset();
        candidate.Reset();
        int token = 1;
        for (int position = 0; position < DecodeSteps; position++)
        {
            token = CompareStep($"decode position {position}", reference.Forward(token, position), candidate.Forward(token, position), ref worst);
        }

        reference.Reset();
        candidate.Reset();
        var random = new Random(11);
        var prompt = new int[PromptTokens];
        for (int i = 0; i < prompt.Length; i++)
        {
            prompt[i] = random.Next(reference.VocabularySize);
        }

        token = CompareStep($"prefill of {PromptTokens} tokens", reference.Prefill(prompt, 0), candidate.Prefill(prompt, 0), ref worst);
        for (int position = PromptTokens; position < PromptTokens + DecodeStepsAfterPrefill; position++)
        {
            token = CompareStep($"decode position {position} after prefill", reference.Forward(token, position), candidate.Forward(token, position), ref worst);
        }

        reference.Reset();
        candidate.Reset();
        return worst;
    }

    /// <summary>The stories260K, 15M-shape and gpt2-tiny comparisons and a rough decode speed, printed to <paramref name="output"/>.</summary>
    public static void RunAll(TextWriter output)
    {
        string stories260K = RepositoryPaths.SharedModel("stories260K", "stories260K.bin");
        string stories15M = RandomWeights.Llama2cCheckpoint(LlamaShape.Stories15M);
        string gpt2Tiny = RepositoryPaths.SharedModel("gpt2-tiny");

        using var generated260K = Stories260K.Load(stories260K).CreateSession();
        using var generic260K = GenericLlamaSession.Load(stories260K);
        Report(output, "stories260K (trained weights)", Compare(generated260K, generic260K));

        using var generated15M = Stories15M.Load(stories15M).CreateSession();
        using var generic15M = GenericLlamaSession.Load(stories15M);
        Report(output, "stories15M shape (seeded random weights)", Compare(generated15M, generic15M));

        using var generatedGpt2 = Gpt2Tiny.Load(gpt2Tiny).CreateSession();
        using var genericGpt2 = GenericGpt2Session.Load(gpt2Tiny);
        Report(output, "gpt2-tiny (random Hugging Face weights)", Compare(generatedGpt2, genericGpt2));

        output.WriteLine();
        if (!Vector256.IsHardwareAccelerated)
        {
            output.WriteLine("Note: Vector256 is not accelerated here, so the generic baseline runs its scalar fallback while the generated code uses Vector128: the speeds below overstate what specialization buys.");
        }

        output.WriteLine($"Rough greedy decode speed, {SpeedTokens} tokens from position 0, best of {SpeedRounds} passes each, taken in turns after a 1 s warm-up (Stopwatch; BenchmarkDotNet gives the real numbers):");
        ReportSpeed(output, "stories260K", generated260K, generic260K);
        ReportSpeed(output, "stories15M", generated15M, generic15M);
    }

    private const int SpeedTokens = 128;
    private const int SpeedRounds = 5;
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(1);

    private static int CompareStep(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ref double worst)
    {
        float largestLogit = 0, largestDifference = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            largestLogit = MathF.Max(largestLogit, MathF.Abs(expected[i]));
            largestDifference = MathF.Max(largestDifference, MathF.Abs(expected[i] - actual[i]));
        }

        double relative = largestDifference / Math.Max(largestLogit, float.Epsilon);
        if (!(relative <= Tolerance))
        {
            throw new InvalidOperationException($"At {what}, max |logit difference| / max |logit| is {relative:E2}, over the tolerance {Tolerance:E0}.");
        }

        int expectedToken = Sampler.ArgMax(expected), actualToken = Sampler.ArgMax(actual);
        if (expectedToken != actualToken)
        {
            throw new InvalidOperationException($"At {what}, the greedy tokens differ: {expectedToken} (reference) and {actualToken}.");
        }

        worst = Math.Max(worst, relative);
        return expectedToken;
    }

    private static void Report(TextWriter output, string model, double worst) =>
        output.WriteLine($"{model}: max relative logit difference {worst:E2} (tolerance {Tolerance:E0}) over {DecodeSteps} decode steps, a {PromptTokens}-token prefill and {DecodeStepsAfterPrefill} steps after it; greedy tokens identical.");

    private static void ReportSpeed(TextWriter output, string model, IInferenceSession generated, IInferenceSession generic)
    {
        // Warm-up (long enough for tiered compilation to reach its optimized code, caches, worker threads),
        // then timed passes taken in turns so that other work on the machine disturbs both alike; the best
        // pass of each counts.
        WarmUp(generated);
        WarmUp(generic);
        double generatedBest = double.MaxValue, genericBest = double.MaxValue;
        for (int round = 0; round < SpeedRounds; round++)
        {
            generatedBest = Math.Min(generatedBest, TimeGreedyDecode(generated));
            genericBest = Math.Min(genericBest, TimeGreedyDecode(generic));
        }

        double generatedRate = SpeedTokens / generatedBest, genericRate = SpeedTokens / genericBest;
        output.WriteLine($"{model}: generated {generatedRate:N0} tokens/s, generic {genericRate:N0} tokens/s (generated / generic = {generatedRate / genericRate:N2}x); allocated per token: generated {AllocatedPerToken(generated):N0} B, generic {AllocatedPerToken(generic):N0} B");
    }

    /// <summary>Bytes allocated on every thread per decoded token, over one greedy pass.</summary>
    private static double AllocatedPerToken(IInferenceSession session)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        GreedyDecode(session);
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)SpeedTokens;
    }

    private static void WarmUp(IInferenceSession session)
    {
        var stopwatch = Stopwatch.StartNew();
        do
        {
            GreedyDecode(session);
        }
        while (stopwatch.Elapsed < WarmUpTime);
    }

    private static double TimeGreedyDecode(IInferenceSession session)
    {
        var stopwatch = Stopwatch.StartNew();
        GreedyDecode(session);
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static void GreedyDecode(IInferenceSession session)
    {
        session.Reset();
        int token = 1;
        for (int position = 0; position < SpeedTokens; position++)
        {
            token = Sampler.ArgMax(session.Forward(token, position));
        }
    }
}
