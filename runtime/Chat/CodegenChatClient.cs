using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Codegen.Tokenizers;
using AI = Microsoft.Extensions.AI;

namespace Codegen.Chat;

/// <summary>
/// A Microsoft.Extensions.AI <see cref="AI.IChatClient"/> over a Codegen model: the request's messages are rendered
/// with the model's chat template and answered by a <see cref="ChatSession"/>, streamed or whole.
/// </summary>
/// <remarks>
/// <para>
/// One model session, created on the first request, serves every request, and its KV cache is kept between them:
/// each request feeds the model only the tokens after the longest prefix the cache already holds, so a conversation
/// that grows by a message from one request to the next (the usual case) runs only its new part.
/// <c>UsageDetails.CachedInputTokenCount</c> says how many prompt tokens were reused.
/// </para>
/// <para>
/// Concurrent requests are serialized: each waits (honouring its cancellation token) until the one before it has
/// ended; a streaming request holds the model until its stream ends or is disposed.
/// </para>
/// <para>
/// <c>ChatOptions</c>: <c>Temperature</c>, <c>TopP</c>, <c>TopK</c>, <c>MaxOutputTokens</c>, <c>Seed</c>,
/// <c>FrequencyPenalty</c>, <c>PresencePenalty</c> and <c>StopSequences</c> map onto
/// <see cref="Generation.GenerationOptions"/>; <c>Instructions</c> becomes a first system message. Tools, a JSON
/// response format and non-text content are refused with <see cref="NotSupportedException"/> (never silently
/// ignored); the other options (<c>ModelId</c>, <c>ConversationId</c>, ...) are not used. The finish reason is
/// <c>Stop</c> at a stop token or stop sequence and <c>Length</c> at the token limit.
/// </para>
/// </remarks>
public sealed class CodegenChatClient : AI.IChatClient
{
    private readonly Func<IInferenceSession> createSession;
    private readonly ITokenizer tokenizer;
    private readonly ChatTemplate template;
    private readonly CodegenChatClientOptions options;
    private readonly SemaphoreSlim gate = new(1, 1);
    private IInferenceSession? session;
    private ChatSession? chat;
    private bool disposed;

    /// <summary>A chat client over the sessions <paramref name="createSession"/> makes (one, on the first request; disposed with the client).</summary>
    /// <param name="createSession">Makes the model's session, for example <c>model.CreateSession</c>.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="template">The model's chat template.</param>
    /// <param name="modelId">The model's name, reported in <see cref="Metadata"/> and in every response.</param>
    /// <param name="options">Defaults and policies; null for <see cref="CodegenChatClientOptions"/>' defaults.</param>
    public CodegenChatClient(Func<IInferenceSession> createSession, ITokenizer tokenizer, ChatTemplate template, string modelId, CodegenChatClientOptions? options = null)
    {
        this.createSession = createSession ?? throw new ArgumentNullException(nameof(createSession));
        this.tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        this.template = template ?? throw new ArgumentNullException(nameof(template));
        ArgumentNullException.ThrowIfNull(modelId);
        this.options = options ?? new CodegenChatClientOptions();
        this.options.DefaultGenerationOptions.Validate();
        Metadata = new AI.ChatClientMetadata("Codegen", providerUri: null, defaultModelId: modelId);
    }

    /// <summary>Provider <c>Codegen</c> and the model id given to the constructor.</summary>
    public AI.ChatClientMetadata Metadata { get; }

    /// <inheritdoc/>
    public async Task<AI.ChatResponse> GetResponseAsync(
        IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        AI.ChatResponseUpdate? last = null;
        await foreach (AI.ChatResponseUpdate update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(update.Text);
            last = update;
        }

        var response = new AI.ChatResponse(new AI.ChatMessage(AI.ChatRole.Assistant, text.ToString()) { MessageId = last?.MessageId })
        {
            ResponseId = last?.ResponseId,
            ModelId = Metadata.DefaultModelId,
            CreatedAt = last?.CreatedAt,
            FinishReason = last?.FinishReason,
        };
        foreach (AI.AIContent content in last?.Contents ?? (IList<AI.AIContent>)Array.Empty<AI.AIContent>())
        {
            if (content is AI.UsageContent usage)
            {
                response.Usage = usage.Details;
            }
        }

        return response;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Each text piece is an update as soon as it is safe to show (text that may begin a stop sequence is held back);
    /// the last update carries the finish reason and a <see cref="AI.UsageContent"/> with the token counts.
    /// </remarks>
    public async IAsyncEnumerable<AI.ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Checked before waiting for the model: a request that cannot be honoured fails at once.
        List<ChatMessage> conversation = ChatOptionsMapping.ToConversation(messages, options);
        Generation.GenerationOptions generation = ChatOptionsMapping.ToGenerationOptions(this.options.DefaultGenerationOptions, options);
        ObjectDisposedException.ThrowIf(disposed, this);

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (chat is null)
            {
                session = createSession() ?? throw new InvalidOperationException("The session factory returned null.");
                chat = new ChatSession(session, tokenizer, template, this.options.OverflowPolicy, this.options.TemplateVariables);
            }

            chat.Restore(new ChatSessionState(conversation, Array.Empty<int>()));
            ChatReply reply = chat.Continue(generation, cancellationToken);
            string responseId = Guid.NewGuid().ToString("N");
            string messageId = Guid.NewGuid().ToString("N");
            DateTimeOffset createdAt = DateTimeOffset.UtcNow;
            await foreach (string piece in reply.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return new AI.ChatResponseUpdate(AI.ChatRole.Assistant, piece)
                {
                    ResponseId = responseId,
                    MessageId = messageId,
                    ModelId = Metadata.DefaultModelId,
                    CreatedAt = createdAt,
                };
            }

            var usage = new AI.UsageDetails
            {
                InputTokenCount = reply.PromptTokenCount,
                OutputTokenCount = reply.GeneratedTokenCount,
                TotalTokenCount = reply.PromptTokenCount + reply.GeneratedTokenCount,
                CachedInputTokenCount = reply.ReusedTokenCount,
            };
            yield return new AI.ChatResponseUpdate(AI.ChatRole.Assistant, new List<AI.AIContent> { new AI.UsageContent(usage) })
            {
                ResponseId = responseId,
                MessageId = messageId,
                ModelId = Metadata.DefaultModelId,
                CreatedAt = createdAt,
                FinishReason = ChatOptionsMapping.ToFinishReason(reply.FinishReason),
            };
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The <see cref="AI.ChatClientMetadata"/>, or this client when asked for a type it is; else null.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(AI.ChatClientMetadata))
        {
            return Metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Disposes the model session this client created. Waits for a running request to end.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        gate.Wait();
        try
        {
            disposed = true;
            session?.Dispose();
            session = null;
            chat = null;
        }
        finally
        {
            gate.Release();
        }
    }
}
