using System;
using System.Collections.Generic;
using System.Threading;
using Codegen.Generation;
using Codegen.Tokenizers;

namespace Codegen.Chat;

/// <summary>
/// A conversation with a model that keeps its KV cache between turns. Each turn renders the whole conversation with
/// the chat template (with the generation prompt), tokenizes it, and feeds the model only the tokens after the
/// longest prefix its cache already holds; then it generates the answer, streamed as text, and appends it to the
/// conversation as the assistant's message.
/// </summary>
/// <remarks>
/// <para>
/// Tokens: the prompt is tokenized as Hugging Face's <c>apply_chat_template(tokenize=True)</c> does, the template
/// writing every special token and the tokenizer adding none (a template that writes <c>{{ bos_token }}</c> gets
/// exactly one BOS; one that does not, none). Generation stops at the tokenizer's stop tokens and EOS, at the
/// template's <c>eos_token</c> (as a token when it is one token, else as a stop string), at the options' stop tokens and
/// stop strings, or at <see cref="GenerationOptions.MaxNewTokens"/>.
/// </para>
/// <para>
/// The cache: the session remembers the tokens whose keys and values are in the cache (the last prompt and the
/// answer's tokens fed back). The next turn's prompt shares a prefix with them (the answer as the template writes it
/// may be tokenized differently from how it was generated; the match stops there), and the model runs from the first
/// token that differs. The <see cref="IInferenceSession"/> must serve this chat session only.
/// </para>
/// <para>
/// A turn runs when its <see cref="ChatReply"/> is enumerated. The conversation changes only when the reply ends
/// (a stop token, a stop string or the token limit): a turn that is cancelled, fails, or is abandoned (the
/// enumeration disposed early) leaves the conversation as it was before the turn. Not thread-safe: one turn at a
/// time; a call while a turn runs throws <see cref="InvalidOperationException"/>.
/// </para>
/// </remarks>
public sealed class ChatSession
{
    private readonly IInferenceSession session;
    private readonly ITokenizer tokenizer;
    private readonly ChatTemplate template;
    private readonly List<ChatMessage> messages = new();
    private readonly List<int> cached = new();
    private readonly int[] templateStopTokens;
    private readonly string[] templateStopStrings;
    private int version;
    private bool turnRunning;

    /// <summary>Starts an empty conversation over <paramref name="session"/>, which is reset.</summary>
    /// <param name="session">The model's session; this chat session owns its cache (it is not disposed here).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="template">The model's chat template.</param>
    /// <param name="overflowPolicy">What to do when a turn does not fit in the context.</param>
    /// <param name="templateVariables">Extra variables for every rendering (<see cref="ChatTemplate.Render"/>), or null.</param>
    public ChatSession(
        IInferenceSession session,
        ITokenizer tokenizer,
        ChatTemplate template,
        ContextOverflowPolicy overflowPolicy = ContextOverflowPolicy.Refuse,
        IReadOnlyDictionary<string, object?>? templateVariables = null)
    {
        this.session = session ?? throw new ArgumentNullException(nameof(session));
        this.tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        this.template = template ?? throw new ArgumentNullException(nameof(template));
        if (!Enum.IsDefined(overflowPolicy))
        {
            throw new ArgumentOutOfRangeException(nameof(overflowPolicy), overflowPolicy, "Not a ContextOverflowPolicy.");
        }

        if (tokenizer.VocabularySize > session.VocabularySize)
        {
            throw new ArgumentException(
                $"The tokenizer has {tokenizer.VocabularySize} tokens but the model's vocabulary only {session.VocabularySize}; they do not belong together.",
                nameof(tokenizer));
        }

        OverflowPolicy = overflowPolicy;
        TemplateVariables = templateVariables;
        (templateStopTokens, templateStopStrings) = StopsOf(tokenizer, template);
        session.Reset();
    }

    /// <summary>What a turn that does not fit in the context does.</summary>
    public ContextOverflowPolicy OverflowPolicy { get; }

    /// <summary>Extra template variables given to every rendering, or null.</summary>
    public IReadOnlyDictionary<string, object?>? TemplateVariables { get; }

    /// <summary>The conversation, oldest first (a copy).</summary>
    public IReadOnlyList<ChatMessage> Messages => messages.ToArray();

    /// <summary>The tokens whose keys and values the KV cache holds now, in position order (a copy).</summary>
    public IReadOnlyList<int> CachedTokens => cached.ToArray();

    /// <summary>The model's context: the most positions a turn's prompt and answer may take.</summary>
    public int ContextLength => session.ContextLength;

    /// <summary>The stop tokens every turn adds to the options': the tokenizer's stop tokens and EOS, and the template's EOS when it is one token.</summary>
    public IReadOnlyList<int> StopTokens => templateStopTokens;

    /// <summary>
    /// Appends a message without generating anything (a system prompt, or turns of an earlier conversation).
    /// </summary>
    public void Add(ChatMessage message)
    {
        CheckMessage(message, nameof(message));
        ThrowIfTurnRunning();
        messages.Add(message);
        version++;
    }

    /// <summary>Adds the user's <paramref name="text"/> and answers it; see <see cref="Send(ChatMessage, GenerationOptions?, CancellationToken)"/>.</summary>
    public ChatReply Send(string text, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Send(new ChatMessage("user", text), options, cancellationToken);
    }

    /// <summary>
    /// Prepares the turn that answers <paramref name="message"/>: renders the conversation with it, tokenizes it and
    /// checks that it fits (trimming old turns if the policy says so). The reply runs when enumerated; when it ends,
    /// the message and the answer join the conversation.
    /// </summary>
    /// <param name="message">The new message, usually the user's.</param>
    /// <param name="options">How to sample and when to stop; null for the defaults (<see cref="GenerationOptions"/>).</param>
    /// <param name="cancellationToken">Cancels the turn, inside the prompt's prefill and between tokens.</param>
    /// <exception cref="ChatContextOverflowException">The turn does not fit in the context (and could not be trimmed to fit).</exception>
    /// <exception cref="ChatTemplateException">The template refused the conversation.</exception>
    /// <exception cref="ArgumentException">A bad option.</exception>
    /// <exception cref="InvalidOperationException">A turn is running.</exception>
    public ChatReply Send(ChatMessage message, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        CheckMessage(message, nameof(message));
        ThrowIfTurnRunning();
        var conversation = new List<ChatMessage>(messages) { message };
        return Prepare(conversation, options, cancellationToken);
    }

    /// <summary>
    /// Prepares the assistant's answer to the conversation as it stands (its last message is usually the user's),
    /// as <see cref="Send(ChatMessage, GenerationOptions?, CancellationToken)"/> does without adding a message.
    /// </summary>
    public ChatReply Continue(GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTurnRunning();
        return Prepare(new List<ChatMessage>(messages), options, cancellationToken);
    }

    /// <summary>Forgets the conversation and the cache (the session is reset too).</summary>
    public void Reset()
    {
        ThrowIfTurnRunning();
        messages.Clear();
        cached.Clear();
        session.Reset();
        version++;
    }

    /// <summary>The conversation and the tokens in the cache now.</summary>
    public ChatSessionState Save()
    {
        ThrowIfTurnRunning();
        return new ChatSessionState(messages.ToArray(), cached.ToArray());
    }

    /// <summary>
    /// Replaces the conversation with <paramref name="state"/>'s messages. The cache is not refilled here: the next
    /// turn feeds the model every token after the longest prefix the cache already holds, so a state restored into the
    /// session it was saved from (whose cache still holds it) is not recomputed, and one restored elsewhere is
    /// recomputed from the start on the next turn. The state's <see cref="ChatSessionState.Tokens"/> are not used.
    /// </summary>
    public void Restore(ChatSessionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Messages, nameof(state.Messages));
        for (int i = 0; i < state.Messages.Count; i++)
        {
            CheckMessage(state.Messages[i], $"state.Messages[{i}]");
        }

        ThrowIfTurnRunning();
        messages.Clear();
        messages.AddRange(state.Messages);
        version++;
    }

    private ChatReply Prepare(List<ChatMessage> conversation, GenerationOptions? options, CancellationToken cancellationToken)
    {
        options ??= new GenerationOptions();
        options.Validate(session.VocabularySize);
        options = WithTemplateStops(options);
        int trimmed = 0;
        while (true)
        {
            string prompt = template.Render(conversation, addGenerationPrompt: true, TemplateVariables);
            int[] tokens = ChatPromptEncoder.Encode(tokenizer, template.BosToken, prompt);
            if (tokens.Length == 0)
            {
                throw new InvalidOperationException("The chat template rendered the conversation as no tokens at all; the model needs at least one.");
            }

            if (ChatContextOverflowException.Needed(tokens.Length, options.MaxNewTokens) <= session.ContextLength)
            {
                return new ChatReply(this, conversation, tokens, options, trimmed, version, cancellationToken);
            }

            int dropped = OverflowPolicy == ContextOverflowPolicy.TrimOldestTurns ? TrimOldestTurn(conversation) : 0;
            if (dropped == 0)
            {
                throw new ChatContextOverflowException(tokens.Length, options.MaxNewTokens, session.ContextLength, afterTrimming: trimmed > 0);
            }

            trimmed += dropped;
        }
    }

    /// <summary>
    /// Drops the oldest non-system message and the non-user messages after it (its answers), never the newest message;
    /// returns how many were dropped, 0 when there is none to drop.
    /// </summary>
    private static int TrimOldestTurn(List<ChatMessage> conversation)
    {
        int first = conversation.FindIndex(m => m.Role != "system");
        if (first < 0 || first >= conversation.Count - 1)
        {
            return 0;
        }

        conversation.RemoveAt(first);
        int dropped = 1;
        while (first < conversation.Count - 1 && conversation[first].Role != "system" && conversation[first].Role != "user")
        {
            conversation.RemoveAt(first);
            dropped++;
        }

        return dropped;
    }

    private GenerationOptions WithTemplateStops(GenerationOptions options)
    {
        var stopTokens = new HashSet<int>(options.StopTokens);
        stopTokens.UnionWith(templateStopTokens);
        var stopStrings = new List<string>(options.StopStrings);
        foreach (string stop in templateStopStrings)
        {
            if (!stopStrings.Contains(stop))
            {
                stopStrings.Add(stop);
            }
        }

        return options with { StopTokens = stopTokens, StopStrings = stopStrings };
    }

    private static (int[] Tokens, string[] Strings) StopsOf(ITokenizer tokenizer, ChatTemplate template)
    {
        var tokens = new List<int>(tokenizer.StopTokens);
        if (tokenizer.EosToken >= 0 && !tokens.Contains(tokenizer.EosToken))
        {
            tokens.Add(tokenizer.EosToken);
        }

        var strings = new List<string>();
        if (!string.IsNullOrEmpty(template.EosToken))
        {
            int[] eos = tokenizer.Encode(template.EosToken, addBos: false);
            if (eos.Length == 1)
            {
                if (!tokens.Contains(eos[0]))
                {
                    tokens.Add(eos[0]);
                }
            }
            else
            {
                // The tokenizer reads the EOS text as plain text (llama2.c's does): stop where the model writes it.
                strings.Add(template.EosToken);
            }
        }

        return (tokens.ToArray(), strings.ToArray());
    }

    private static void CheckMessage(ChatMessage message, string name)
    {
        if (message is null)
        {
            throw new ArgumentNullException(name);
        }

        if (message.Role is null || message.Content is null)
        {
            throw new ArgumentException($"{name} has a null {(message.Role is null ? "Role" : "Content")}.", name);
        }
    }

    private void ThrowIfTurnRunning()
    {
        if (turnRunning)
        {
            throw new InvalidOperationException("A turn of this chat session is running; wait for its reply to end (or dispose its enumerator) first.");
        }
    }

    // The turn's side, called by ChatReply's steps.

    internal IInferenceSession Session => session;

    internal ITokenizer Tokenizer => tokenizer;

    /// <summary>Starts a turn prepared at <paramref name="preparedAt"/>; returns the cache's record, which the turn keeps up to date.</summary>
    internal List<int> BeginTurn(int preparedAt)
    {
        ThrowIfTurnRunning();
        if (preparedAt != version)
        {
            throw new InvalidOperationException("The conversation changed after this reply was prepared (another turn, Add, Reset or Restore); call Send or Continue again.");
        }

        turnRunning = true;
        return cached;
    }

    /// <summary>Ends the running turn: with the conversation it ended with, or null to leave the conversation as it was.</summary>
    internal void EndTurn(List<ChatMessage>? conversation)
    {
        if (conversation is not null)
        {
            messages.Clear();
            messages.AddRange(conversation);
            version++;
        }

        turnRunning = false;
    }
}
