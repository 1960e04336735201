using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Codegen.Generation;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>
/// Our side, timed with a Stopwatch as llama-bench times its own: decode is <see cref="DecodeTokens"/> greedy tokens
/// from position 0 (each token's argmax fed back, as llama-bench's tg feeds one token at a time into an empty cache),
/// prefill one <see cref="PromptTokens"/>-token prompt from position 0 (seeded random ids, as ModelBenchmarks'), each
/// round timed whole. <see cref="WarmUp"/> first runs both until a pass compiles no new method (tier-1 code
/// included), so the rounds measure the final code and not the JIT.
/// </summary>
internal sealed class Speed(IInferenceSession session)
{
    public const int DecodeTokens = 128;
    public const int PromptTokens = 128;

    private const int MaxWarmUpPasses = 30;

    /// <summary>Tier-1 promotion waits for a quiet 100 ms and then compiles in the background; a second of passes lets it start.</summary>
    private static readonly TimeSpan MinWarmUp = TimeSpan.FromSeconds(1);

    private readonly int[] prompt = RandomPrompt(session.VocabularySize);

    public void WarmUp()
    {
        WarmUp(Decode);
        WarmUp(Prefill);
        WarmUp(Decode); // the prefill passes may have compiled shared code anew
    }

    /// <summary>One timed prefill and one timed decode: (prefill, decode) tokens per second.</summary>
    public (double Prefill, double Decode) Round()
    {
        long start = Stopwatch.GetTimestamp();
        Prefill();
        double prefill = PromptTokens / Stopwatch.GetElapsedTime(start).TotalSeconds;

        start = Stopwatch.GetTimestamp();
        Decode();
        return (prefill, DecodeTokens / Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static int[] RandomPrompt(int vocabulary)
    {
        var random = new Random(7);
        int[] ids = new int[PromptTokens];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = random.Next(vocabulary);
        }

        return ids;
    }

    /// <summary>
    /// Runs <paramref name="pass"/> at least twice and for <see cref="MinWarmUp"/>, then until one whole pass compiles
    /// nothing (tiered compilation promotes hot methods in the background).
    /// </summary>
    private static void WarmUp(Action pass)
    {
        var watch = Stopwatch.StartNew();
        for (int passes = 0; passes < MaxWarmUpPasses; passes++)
        {
            long before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
            pass();
            bool quiet = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) == before;
            if (passes >= 1 && watch.Elapsed >= MinWarmUp && quiet)
            {
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Prefill() => Sampler.ArgMax(session.Prefill(prompt, 0));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Decode()
    {
        int token = 1;
        for (int position = 0; position < DecodeTokens; position++)
        {
            token = Sampler.ArgMax(session.Forward(token, position));
        }
    }
}
