using System;

namespace Codegen.Benchmarks.Generic;

/// <summary>The argument checks of Forward and Prefill, with the generated sessions' messages.</summary>
internal static class SessionChecks
{
    public static void RequireToken(int token, int vocab)
    {
        if ((uint)token >= (uint)vocab)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids run from 0 to {vocab - 1}.");
        }
    }

    public static void RequirePosition(int position, int nextPosition, int context)
    {
        if ((uint)position >= (uint)context)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"Positions run from 0 to {context - 1} (the model's context).");
        }

        if (position > nextPosition)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"Positions must be fed in order: the cache holds positions before {nextPosition}, so the next one is {nextPosition}.");
        }
    }

    public static void RequirePrompt(ReadOnlySpan<int> tokens, int position, int nextPosition, int context, int vocab)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("Prefill needs at least one token.", nameof(tokens));
        }

        if (position < 0 || position > nextPosition)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"Positions must be fed in order: the cache holds positions before {nextPosition}, so the next one is {nextPosition}.");
        }

        if (tokens.Length > context - position)
        {
            throw new ArgumentOutOfRangeException(nameof(tokens), tokens.Length, $"{tokens.Length} tokens from position {position} run past the model's context of {context}.");
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            RequireToken(tokens[i], vocab);
        }
    }
}
