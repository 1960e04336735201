using System;

namespace Codegen.Benchmarks.Harness;

/// <summary>Greedy choice over logits, shared by the benchmarks and the checks.</summary>
internal static class Logits
{
    /// <summary>The index of the largest logit (the first one on a tie): the greedy token.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }
}
