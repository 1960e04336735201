using System;

namespace Codegen.Sessions;

/// <summary>
/// The argument checks every session makes before it touches its KV cache, so a bad call throws and
/// leaves the session as it was. Each error names the limit that was broken.
/// </summary>
public static class SessionChecks
{
    /// <summary>Checks one decode step: a token id of the vocabulary, a position inside the context, fed in order.</summary>
    public static void CheckStep(int token, int position, int vocabularySize, int contextLength, int nextPosition)
    {
        if ((uint)token >= (uint)vocabularySize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids run from 0 to {vocabularySize - 1}.");
        }

        if ((uint)position >= (uint)contextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"Positions run from 0 to {contextLength - 1} (the model's Context).");
        }

        if (position > nextPosition)
        {
            throw OutOfOrder(position, nextPosition);
        }
    }

    /// <summary>Checks a whole prompt before any of it runs: not empty, in order, inside the context, every id in the vocabulary.</summary>
    public static void CheckPrompt(ReadOnlySpan<int> tokens, int position, int vocabularySize, int contextLength, int nextPosition)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("Prefill needs at least one token.", nameof(tokens));
        }

        if (position < 0 || position > nextPosition)
        {
            throw OutOfOrder(position, nextPosition);
        }

        if (tokens.Length > contextLength - position)
        {
            throw new ArgumentOutOfRangeException(nameof(tokens), tokens.Length, $"{tokens.Length} tokens from position {position} run past the model's Context of {contextLength}.");
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocabularySize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"Token {i} is {tokens[i]}; token ids run from 0 to {vocabularySize - 1}.");
            }
        }
    }

    private static ArgumentOutOfRangeException OutOfOrder(int position, int nextPosition) => new(
        nameof(position),
        position,
        $"Positions must be fed in order: the cache holds positions before {nextPosition}, so the next one is {nextPosition}.");
}
