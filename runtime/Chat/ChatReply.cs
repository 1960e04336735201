using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Codegen.Generation;

namespace Codegen.Chat;

/// <summary>
/// One turn of a <see cref="ChatSession"/>: the assistant's answer as text pieces, computed while it is enumerated
/// (once, either synchronously or asynchronously), with the turn's counts and, once it has ended, why.
/// </summary>
/// <remarks>
/// When the enumeration ends normally the new message (if any) and the answer join the conversation. Cancelled,
/// failed or abandoned (disposed before the end), the turn leaves the conversation as it was.
/// </remarks>
public sealed class ChatReply : IEnumerable<string>, IAsyncEnumerable<string>
{
    private readonly ChatSession owner;
    private readonly List<ChatMessage> conversation;
    private readonly int[] prompt;
    private readonly GenerationOptions options;
    private readonly int preparedAt;
    private readonly CancellationToken cancellationToken;
    private readonly StringBuilder text = new();
    private int started;

    internal ChatReply(ChatSession owner, List<ChatMessage> conversation, int[] prompt, GenerationOptions options, int trimmed, int preparedAt, CancellationToken cancellationToken)
    {
        this.owner = owner;
        this.conversation = conversation;
        this.prompt = prompt;
        this.options = options;
        this.preparedAt = preparedAt;
        this.cancellationToken = cancellationToken;
        TrimmedMessageCount = trimmed;
    }

    /// <summary>The rendered conversation's tokens: the whole prompt, the part already in the cache included.</summary>
    public int PromptTokenCount => prompt.Length;

    /// <summary>
    /// The prompt's first tokens that were already in the cache and not run again (known once the enumeration has
    /// started; at most the prompt's length less one, as the last token is run to get the next token's logits).
    /// </summary>
    public int ReusedTokenCount { get; private set; }

    /// <summary>How many of the oldest messages were dropped to make the turn fit (<see cref="ContextOverflowPolicy.TrimOldestTurns"/>).</summary>
    public int TrimmedMessageCount { get; }

    /// <summary>The tokens the model produced after the prompt so far, a stop token and the tokens holding a stop string included.</summary>
    public int GeneratedTokenCount { get; private set; }

    /// <summary>Why the answer ended; null while it runs, and when it was cancelled, failed or abandoned.</summary>
    public FinishReason? FinishReason { get; private set; }

    /// <summary>The answer's text returned so far (all of it once it has ended).</summary>
    public string Text => text.ToString();

    /// <summary>The options the turn runs with: the caller's, with the template's and tokenizer's stop tokens and strings added.</summary>
    public GenerationOptions Options => options;

    /// <summary>Runs the turn; a second enumeration throws <see cref="InvalidOperationException"/>.</summary>
    public IEnumerator<string> GetEnumerator()
    {
        StartOnce();
        return Run().GetEnumerator();
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Runs the turn asynchronously, giving the caller's context a turn between tokens; the token given here and the
    /// one given to <see cref="ChatSession.Send(ChatMessage, GenerationOptions?, CancellationToken)"/> both cancel it.
    /// A second enumeration throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public IAsyncEnumerator<string> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        StartOnce();
        return RunAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    private void StartOnce()
    {
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException("A chat reply can be enumerated once; call Send or Continue again for another turn.");
        }
    }

    private IEnumerable<string> Run()
    {
        ChatTurnSteps steps = Begin(cancellationToken);
        bool ended = false;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? piece = Next(steps);
                if (piece is null)
                {
                    ended = true;
                    break;
                }

                if (piece.Length > 0)
                {
                    yield return piece;
                }
            }
        }
        finally
        {
            End(ended);
        }
    }

    private async IAsyncEnumerable<string> RunAsync([EnumeratorCancellation] CancellationToken enumeratorToken)
    {
        using CancellationTokenSource? linked = enumeratorToken.CanBeCanceled && cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumeratorToken)
            : null;
        CancellationToken token = linked?.Token ?? (enumeratorToken.CanBeCanceled ? enumeratorToken : cancellationToken);
        ChatTurnSteps steps = Begin(token);
        bool ended = false;
        try
        {
            while (true)
            {
                await Task.Yield();
                token.ThrowIfCancellationRequested();
                string? piece = Next(steps);
                if (piece is null)
                {
                    ended = true;
                    break;
                }

                if (piece.Length > 0)
                {
                    yield return piece;
                }
            }
        }
        finally
        {
            End(ended);
        }
    }

    private ChatTurnSteps Begin(CancellationToken token)
    {
        List<int> cache = owner.BeginTurn(preparedAt);
        return new ChatTurnSteps(owner.Session, owner.Tokenizer, cache, prompt, options, token);
    }

    private string? Next(ChatTurnSteps steps)
    {
        string? piece = steps.Next();
        ReusedTokenCount = steps.Reused;
        GeneratedTokenCount = steps.Sampled;
        if (piece is null)
        {
            FinishReason = steps.Finish;
        }
        else
        {
            text.Append(piece);
        }

        return piece;
    }

    private void End(bool ended)
    {
        if (ended)
        {
            conversation.Add(new ChatMessage("assistant", text.ToString()));
            owner.EndTurn(conversation);
        }
        else
        {
            FinishReason = null;
            owner.EndTurn(null);
        }
    }
}
