namespace Codegen.Chat;

/// <summary>
/// One turn of a conversation, as a chat template sees it: <c>{"role": ..., "content": ...}</c> in the
/// template's <c>messages</c> list.
/// </summary>
/// <param name="Role">Who speaks: <c>system</c>, <c>user</c>, <c>assistant</c>, or a role a template knows (<c>tool</c>).</param>
/// <param name="Content">What is said.</param>
public sealed record ChatMessage(string Role, string Content);
