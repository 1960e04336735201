using System;
using Codegen.Chat;
using Codegen.Tokenizers;

namespace Codegen.Server;

/// <summary>
/// What the server answers with: a name for <c>/v1/models</c>, a way to open sessions (one per request being served),
/// the tokenizer, and the chat template that turns a conversation into the prompt.
/// </summary>
/// <param name="Id">The model id clients name in requests.</param>
/// <param name="OpenSession">Opens a session (its own KV cache) over the model's shared weights.</param>
/// <param name="Tokenizer">The model's tokenizer.</param>
/// <param name="Template">The chat template of <c>/v1/chat/completions</c>.</param>
public sealed record ServedModel(string Id, Func<IInferenceSession> OpenSession, ITokenizer Tokenizer, ChatTemplate Template)
{
    /// <summary>
    /// The template used when a model has none of its own (stories260K is no chat model): each message as
    /// "role: content" on its own line, then "assistant:" when an answer is wanted.
    /// </summary>
    public const string PlainTemplate =
        "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}" +
        "{% if add_generation_prompt %}assistant:{% endif %}";

    /// <summary>stories260K from its llama2.c checkpoint and tokenizer, with <see cref="PlainTemplate"/>.</summary>
    public static ServedModel Stories260K(string checkpointPath, string tokenizerPath)
    {
        Server.Stories260K model = Server.Stories260K.Load(checkpointPath);
        return new ServedModel("stories260k", model.CreateSession, Llama2cTokenizer.Load(tokenizerPath, Server.Stories260K.Vocab), ChatTemplate.Parse(PlainTemplate));
    }
}
