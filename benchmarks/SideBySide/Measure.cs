using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Codegen.SideBySide;

/// <summary>What one case measured in one process.</summary>
internal sealed record CaseResult(
    double LoadSeconds,
    double[] DecodeTokensPerSecond,
    double[] PrefillTokensPerSecond,
    int DecodeWarmUpPasses,
    int PrefillWarmUpPasses,
    long JitDuringMeasurement,
    ulong DecodeChecksum,
    int PrefillToken);

/// <summary>Timing settings of a round.</summary>
internal sealed record Timing(double DecodeSeconds, double PrefillSeconds, int MinPasses);

/// <summary>
/// The measurements, as the benchmarks define them (benchmarks/Harness/ModelBenchmarks.cs): decode is
/// 256 greedy tokens from position 0, each token's argmax fed back; prefill is a 128-token prompt from
/// position 0 (seeded, as the benchmarks' Random(7)) with the logits of its last token. Timed with a
/// Stopwatch after a warm-up that runs until the JIT has been quiet (no method compiled, tier-1
/// promotions included) for a while, so that both builds are measured on their final code.
/// </summary>
internal static class Measure
{
    public const int DecodeTokens = 256;
    public const int PromptTokens = 128;

    private const int WarmUpDecodeTokens = 16;
    private const int WarmUpPromptTokens = 8;
    private static readonly TimeSpan QuietFor = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan WarmUpCap = TimeSpan.FromSeconds(8);

    /// <summary>Methods the JIT has compiled so far in this process, on every thread.</summary>
    public static long JitCount() => System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);

    public static CaseResult Run(Case c, string modelsFolder, Timing timing)
    {
        string weights = c.Weights(modelsFolder);
        Collect();

        var load = Stopwatch.StartNew();
        IInferenceSession session = c.Open(weights);
        double loadSeconds = load.Elapsed.TotalSeconds;
        try
        {
            var random = new Random(7);
            int[] prompt = new int[PromptTokens];
            for (int i = 0; i < prompt.Length; i++)
            {
                prompt[i] = random.Next(c.Vocab);
            }

            // Warm-up: short decodes (each token one Forward call) and many short prompts (Prefill is
            // called once per prompt, and tiering wants a few dozen calls: 30 at tier 0, 30 instrumented);
            // then the full decode once (every position: the whole KV cache touched, the long-context
            // paths called) and the full prompt at least ten times (paths that only long prompts take,
            // called once or a few times per layer), each phase until the JIT has been quiet a while.
            int decodeWarmUp = WarmUp(() => Decode(session, WarmUpDecodeTokens, out _), minPasses: 6);
            int prefillWarmUp = WarmUp(() => ArgMax(session.Prefill(prompt.AsSpan(0, WarmUpPromptTokens), 0)), minPasses: 80);
            Decode(session, DecodeTokens, out _);
            prefillWarmUp += WarmUp(() => ArgMax(session.Prefill(prompt, 0)), minPasses: 10);
            decodeWarmUp += 1 + WarmUp(() => Decode(session, WarmUpDecodeTokens, out _), minPasses: 1);
            Collect();

            (double decodeSeconds, double prefillSeconds, int minPasses) = (timing.DecodeSeconds, timing.PrefillSeconds, timing.MinPasses);
            long jitBefore = JitCount();
            (double[] decode, ulong checksum) = TimeDecode(session, DecodeTokens, decodeSeconds, minPasses);
            (double[] prefill, int prefillToken) = TimePrefill(session, prompt, prefillSeconds, minPasses);
            long jitDuring = JitCount() - jitBefore;
            return new CaseResult(loadSeconds, decode, prefill, decodeWarmUp, prefillWarmUp, jitDuring, checksum, prefillToken);
        }
        finally
        {
            session.Dispose();
            session = null!;
            Collect();
        }
    }

    /// <summary>
    /// Runs the harness's own timing code (the timed loops, argmax, the statistics) on a stand-in session
    /// until the JIT is quiet, so that what the JIT compiles during a case's timed passes is the model's code.
    /// </summary>
    public static void WarmUpHarness()
    {
        using var stand = new StandInSession();
        int[] prompt = new int[PromptTokens];
        var watch = Stopwatch.StartNew();
        WarmUp(() =>
        {
            Statistics.Median(TimeDecode(stand, DecodeTokens, 0, 2).TokensPerSecond);
            Statistics.Median(TimePrefill(stand, prompt, 0, 2).TokensPerSecond);
        }, minPasses: 200);
    }

    /// <summary>Timed 256-token decodes until <paramref name="seconds"/> have gone by, at least <paramref name="minPasses"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (double[] TokensPerSecond, ulong Checksum) TimeDecode(IInferenceSession session, int tokens, double seconds, int minPasses)
    {
        var results = new List<double>();
        ulong checksum = 0;
        var total = Stopwatch.StartNew();
        while (results.Count < minPasses || (total.Elapsed.TotalSeconds < seconds && results.Count < 10_000))
        {
            long start = Stopwatch.GetTimestamp();
            Decode(session, tokens, out checksum);
            results.Add(tokens / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return (results.ToArray(), checksum);
    }

    /// <summary>Timed prefills of <paramref name="prompt"/> from position 0, as <see cref="TimeDecode"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (double[] TokensPerSecond, int Token) TimePrefill(IInferenceSession session, int[] prompt, double seconds, int minPasses)
    {
        var results = new List<double>();
        int token = 0;
        var total = Stopwatch.StartNew();
        while (results.Count < minPasses || (total.Elapsed.TotalSeconds < seconds && results.Count < 10_000))
        {
            long start = Stopwatch.GetTimestamp();
            token = ArgMax(session.Prefill(prompt, 0));
            results.Add(prompt.Length / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return (results.ToArray(), token);
    }

    /// <summary>Greedy decoding from position 0; the checksum is a hash of the token ids (same ids, same checksum).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Decode(IInferenceSession session, int tokens, out ulong checksum)
    {
        int token = 1;
        ulong hash = 14695981039346656037UL;
        for (int position = 0; position < tokens; position++)
        {
            token = ArgMax(session.Forward(token, position));
            hash = (hash ^ (uint)token) * 1099511628211UL;
        }

        checksum = hash;
        return token;
    }

    /// <summary>Index of the largest logit (the first, on ties).</summary>
    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        float bestValue = logits[0];
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > bestValue)
            {
                bestValue = logits[i];
                best = i;
            }
        }

        return best;
    }

    /// <summary>Runs <paramref name="pass"/> until the JIT compiled nothing for <see cref="QuietFor"/>, at least <paramref name="minPasses"/> times.</summary>
    private static int WarmUp(Action pass, int minPasses)
    {
        var total = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        long last = JitCount();
        int passes = 0;
        while (true)
        {
            pass();
            passes++;
            long now = JitCount();
            if (now != last)
            {
                last = now;
                quiet.Restart();
            }

            if ((passes >= minPasses && quiet.Elapsed >= QuietFor) || total.Elapsed >= WarmUpCap)
            {
                return passes;
            }
        }
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>
    /// Read bandwidth: <paramref name="threads"/> threads each summing its half of a 512 MiB array (far
    /// beyond the caches) with 256-bit loads; the median of <paramref name="passes"/> passes, in GB/s (1e9 bytes).
    /// </summary>
    public static double ReadBandwidth(int threads = 2, int passes = 9, long bytes = 1L << 29)
    {
        long[] data = GC.AllocateUninitializedArray<long>((int)(bytes / sizeof(long)));
        data.AsSpan().Fill(1); // every page touched before timing
        int part = data.Length / threads;
        var sums = new long[threads];
        var seconds = new double[passes];
        using var barrier = new Barrier(threads);
        var helpers = new Thread[threads - 1];
        for (int t = 1; t < threads; t++)
        {
            int index = t;
            helpers[t - 1] = new Thread(() =>
            {
                for (int p = 0; p < passes; p++)
                {
                    barrier.SignalAndWait();
                    sums[index] += Sum(data.AsSpan(index * part, part));
                    barrier.SignalAndWait();
                }
            }) { IsBackground = true };
            helpers[t - 1].Start();
        }

        for (int p = 0; p < passes; p++)
        {
            barrier.SignalAndWait();
            var watch = Stopwatch.StartNew();
            sums[0] += Sum(data.AsSpan(0, part));
            barrier.SignalAndWait();
            seconds[p] = watch.Elapsed.TotalSeconds;
        }

        foreach (Thread helper in helpers)
        {
            helper.Join();
        }

        if (sums.Sum() != (long)part * threads * passes)
        {
            throw new InvalidOperationException("Bandwidth sum is wrong.");
        }

        data = null!;
        Collect();
        return (double)part * threads * sizeof(long) / Statistics.Median(seconds) / 1e9;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Sum(ReadOnlySpan<long> values)
    {
        ReadOnlySpan<Vector256<long>> vectors = MemoryMarshal.Cast<long, Vector256<long>>(values);
        Vector256<long> a = default, b = default, c = default, d = default;
        int i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }

        for (; i < vectors.Length; i++)
        {
            a += vectors[i];
        }

        long sum = Vector256.Sum(a + b + c + d);
        for (int j = vectors.Length * Vector256<long>.Count; j < values.Length; j++)
        {
            sum += values[j];
        }

        return sum;
    }
}

/// <summary>A session that returns fixed logits, for <see cref="Measure.WarmUpHarness"/>.</summary>
internal sealed class StandInSession : IInferenceSession
{
    private readonly float[] logits = new float[512];

    public int VocabularySize => logits.Length;

    public int ContextLength => 512;

    public ReadOnlySpan<float> Forward(int token, int position)
    {
        logits[(token + position) % logits.Length] += 1f;
        return logits;
    }

    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position) => Forward(tokens[^1], position + tokens.Length - 1);

    public void Reset() => Array.Clear(logits);

    public void Dispose()
    {
    }
}

internal static class Statistics
{
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
