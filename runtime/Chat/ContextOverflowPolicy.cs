namespace Codegen.Chat;

/// <summary>What a <see cref="ChatSession"/> does when a turn's prompt and answer would not fit in the model's context.</summary>
public enum ContextOverflowPolicy
{
    /// <summary>
    /// Refuse the turn with a <see cref="ChatContextOverflowException"/> naming the sizes; the conversation and the
    /// cache are left as they were.
    /// </summary>
    Refuse,

    /// <summary>
    /// Drop the oldest turns (a non-system message and the non-user messages that follow it) until the turn fits;
    /// system messages and the newest message are kept. The dropped messages leave the conversation for good, and the
    /// cache is recomputed from where the rendered prompt first differs. When nothing is left to drop and it still
    /// does not fit, the turn is refused as with <see cref="Refuse"/>.
    /// </summary>
    TrimOldestTurns,
}
