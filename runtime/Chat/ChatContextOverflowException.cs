using System;

namespace Codegen.Chat;

/// <summary>
/// A chat turn does not fit in the model's context: its prompt plus the answer's <c>MaxNewTokens</c> need more
/// positions than the KV cache holds. The conversation is left as it was before the turn.
/// </summary>
public sealed class ChatContextOverflowException : InvalidOperationException
{
    /// <summary>Creates the exception for a prompt of <paramref name="promptTokenCount"/> tokens.</summary>
    public ChatContextOverflowException(int promptTokenCount, int maxNewTokens, int contextLength, bool afterTrimming)
        : base(
            $"The conversation's prompt is {promptTokenCount} tokens and the answer may take {maxNewTokens} (MaxNewTokens), " +
            $"which needs {Needed(promptTokenCount, maxNewTokens)} positions, more than the model's context of {contextLength}" +
            (afterTrimming
                ? " even with every turn but the system messages and the newest message dropped. Shorten the newest message or the system prompt, or ask for fewer new tokens."
                : ". Start a new conversation (Reset), use ContextOverflowPolicy.TrimOldestTurns, or ask for fewer new tokens."))
    {
        PromptTokenCount = promptTokenCount;
        MaxNewTokens = maxNewTokens;
        ContextLength = contextLength;
    }

    /// <summary>The rendered conversation's tokens.</summary>
    public int PromptTokenCount { get; }

    /// <summary>The answer's token limit asked for.</summary>
    public int MaxNewTokens { get; }

    /// <summary>The positions the model's KV cache holds.</summary>
    public int ContextLength { get; }

    /// <summary>The positions a turn needs: the prompt and every new token but the last, which is never fed back.</summary>
    internal static long Needed(int promptTokenCount, int maxNewTokens) => (long)promptTokenCount + Math.Max(0, maxNewTokens - 1);
}
