using System;
using System.Collections.Generic;

namespace Codegen.Inspection;

/// <summary>
/// A distribution over the vocabulary from logits: the softmax of logits / temperature, in float64, and its most
/// likely tokens. The same temperature the sampler applies (<c>GenerationOptions.Temperature</c>).
/// </summary>
public static class TokenDistribution
{
    /// <summary>
    /// The <paramref name="count"/> most likely tokens of softmax(<paramref name="logits"/> / <paramref name="temperature"/>),
    /// most likely first (ties: the lower token id first).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not positive and finite, or the count is not positive.</exception>
    public static TokenProbability[] Top(ReadOnlySpan<float> logits, double temperature, int count)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite (0 would be greedy: the top token has probability 1).");
        }

        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Ask for at least one token.");
        }

        if (logits.IsEmpty)
        {
            throw new ArgumentException("No logits.", nameof(logits));
        }

        double max = double.NegativeInfinity;
        foreach (float logit in logits)
        {
            max = Math.Max(max, logit);
        }

        double total = 0;
        foreach (float logit in logits)
        {
            total += Math.Exp((logit - max) / temperature);
        }

        int[] order = TopIndices(logits, Math.Min(count, logits.Length));
        var top = new TokenProbability[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            top[i] = new TokenProbability(order[i], Math.Exp((logits[order[i]] - max) / temperature) / total);
        }

        return top;
    }

    /// <summary>The indices of the <paramref name="count"/> largest values, largest first, the lower index first among equals.</summary>
    internal static int[] TopIndices(ReadOnlySpan<float> values, int count)
    {
        // A small sorted list: count is a handful of tokens, the vocabulary tens of thousands.
        var top = new List<int>(count + 1);
        for (int i = 0; i < values.Length; i++)
        {
            if (top.Count == count && !(values[i] > values[top[count - 1]]))
            {
                continue;
            }

            int at = top.Count;
            while (at > 0 && values[i] > values[top[at - 1]])
            {
                at--;
            }

            top.Insert(at, i);
            if (top.Count > count)
            {
                top.RemoveAt(count);
            }
        }

        return top.ToArray();
    }
}
