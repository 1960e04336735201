using System;
using System.Collections.Generic;

namespace Codegen.Generation;

/// <summary>How to pick tokens and when to stop. Immutable; <see cref="Validate"/> names any bad value.</summary>
public sealed record GenerationOptions
{
    /// <summary>Greedy decoding: always the most likely token.</summary>
    public static GenerationOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Most tokens to generate after the prompt. Default 256.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Divides the logits before the softmax; 0 means greedy. Default 1.</summary>
    public float Temperature { get; init; } = 1.0f;

    /// <summary>Sample only among the K most likely tokens; 0 means no limit.</summary>
    public int TopK { get; init; }

    /// <summary>Sample only among the most likely tokens whose probabilities add up to P (nucleus sampling); 1 means no limit.</summary>
    public float TopP { get; init; } = 1.0f;

    /// <summary>Seed of the sampler's random numbers; the same seed, model and prompt give the same tokens. Null: a fresh seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Tokens that end the generation when sampled (they are not returned), for example BOS and EOS.</summary>
    public IReadOnlyCollection<int> StopTokens { get; init; } = Array.Empty<int>();

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0)
        {
            throw new ArgumentException($"MaxNewTokens must be 0 or more, but it is {MaxNewTokens}.", nameof(MaxNewTokens));
        }

        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
        {
            throw new ArgumentException($"Temperature must be a finite number of 0 or more (0 is greedy), but it is {Temperature}.", nameof(Temperature));
        }

        if (TopK < 0)
        {
            throw new ArgumentException($"TopK must be 0 (no limit) or more, but it is {TopK}.", nameof(TopK));
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"TopP must be in (0, 1] (1 is no limit), but it is {TopP}.", nameof(TopP));
        }

        if (StopTokens is null)
        {
            throw new ArgumentException("StopTokens must not be null; use an empty collection.", nameof(StopTokens));
        }
    }
}
