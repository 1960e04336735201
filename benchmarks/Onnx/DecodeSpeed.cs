using System;
using System.Diagnostics;

namespace Codegen.Benchmarks.Onnx;

/// <summary>A quick greedy-decoding timing from position 0: a sanity figure, not a benchmark.</summary>
internal static class DecodeSpeed
{
    /// <summary>Tokens per second and managed bytes allocated per token.</summary>
    public readonly record struct Result(double TokensPerSecond, double AllocatedBytesPerToken);

    /// <summary>Decodes <paramref name="steps"/> tokens greedily (after one untimed warm-up pass).</summary>
    public static Result Measure(IInferenceSession session, int steps)
    {
        Decode(session, steps); // warm-up: JIT, ONNX Runtime's per-position bindings, caches
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        Decode(session, steps);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return new Result(steps / elapsed.TotalSeconds, (double)allocated / steps);
    }

    private static void Decode(IInferenceSession session, int steps)
    {
        session.Reset();
        int token = 1;
        for (int position = 0; position < steps; position++)
        {
            ReadOnlySpan<float> logits = session.Forward(token, position);
            token = 0;
            for (int i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[token])
                {
                    token = i;
                }
            }
        }
    }
}
