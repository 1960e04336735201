using System.Collections.Generic;

namespace Codegen.Chat;

/// <summary>
/// A saved <see cref="ChatSession"/>: its conversation, and the tokens its KV cache held then.
/// <see cref="ChatSession.Restore"/> takes the messages; the cache is matched against them on the next turn.
/// </summary>
/// <param name="Messages">The conversation, oldest first.</param>
/// <param name="Tokens">
/// The tokens the session's KV cache held when saved (the last turn's prompt and the answer's tokens fed back), for
/// inspection and sizing. <see cref="ChatSession.Restore"/> does not need them: a session knows what its own cache holds.
/// </param>
public sealed record ChatSessionState(IReadOnlyList<ChatMessage> Messages, IReadOnlyList<int> Tokens);
