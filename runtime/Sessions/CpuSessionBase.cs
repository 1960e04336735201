using System;

namespace Codegen.Sessions;

/// <summary>
/// What every generated CPU session shares, whatever the model's shape: the argument checks, the next
/// position, the prefill chunk loop, Reset and Dispose (as generated regexes derive from <c>Regex</c>).
/// The generated session overrides only the shape's own work: one token through the model, one chunk of
/// a prompt through the model, and the last prompt token's logits.
/// </summary>
public abstract class CpuSessionBase : IInferenceSession
{
    private readonly int vocabularySize;
    private readonly int contextLength;
    private readonly int prefillChunkTokens;
    private int nextPosition;
    private bool disposed;

    /// <param name="vocabularySize">The model's Vocab.</param>
    /// <param name="contextLength">The model's Context: the KV cache's length.</param>
    /// <param name="prefillChunkTokens">Prompt tokens the session's batch buffers hold at once.</param>
    protected CpuSessionBase(int vocabularySize, int contextLength, int prefillChunkTokens)
    {
        this.vocabularySize = vocabularySize;
        this.contextLength = contextLength;
        this.prefillChunkTokens = prefillChunkTokens;
    }

    /// <inheritdoc/>
    public int VocabularySize => vocabularySize;

    /// <inheritdoc/>
    public int ContextLength => contextLength;

    /// <summary>The next position to feed: every earlier one is in the KV cache.</summary>
    public int NextPosition => nextPosition;

    /// <inheritdoc/>
    public ReadOnlySpan<float> Forward(int token, int position)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        SessionChecks.CheckStep(token, position, vocabularySize, contextLength, nextPosition);
        ReadOnlySpan<float> logits = ForwardStep(token, position);
        nextPosition = position + 1;
        return logits;
    }

    /// <summary>
    /// Runs the model on <paramref name="tokens"/> at positions <paramref name="position"/> onwards, as a batch:
    /// their keys and values go into the cache and the logits of the last token come back. Gives the same
    /// logits as calling Forward token by token (up to float rounding), several times faster.
    /// </summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        SessionChecks.CheckPrompt(tokens, position, vocabularySize, contextLength, nextPosition);
        for (int done = 0; done < tokens.Length; done += prefillChunkTokens)
        {
            int count = Math.Min(prefillChunkTokens, tokens.Length - done);
            PrefillChunk(tokens.Slice(done, count), position + done, lastChunk: done + count == tokens.Length);
        }

        ReadOnlySpan<float> logits = LastPromptTokenLogits();
        nextPosition = position + tokens.Length;
        return logits;
    }

    /// <inheritdoc/>
    public void Reset() => nextPosition = 0;

    /// <summary>Ends the session; the cache is dropped with it.</summary>
    public void Dispose() => disposed = true;

    /// <summary>The whole forward pass for one checked token at one checked position; returns its logits.</summary>
    protected abstract ReadOnlySpan<float> ForwardStep(int token, int position);

    /// <summary>
    /// One chunk of a checked prompt (at most the chunk size) through every layer, its keys and values into the
    /// cache. On the last chunk, the last layer may keep the last token only (its logits are all that is needed).
    /// </summary>
    protected abstract void PrefillChunk(ReadOnlySpan<int> tokens, int firstPosition, bool lastChunk);

    /// <summary>The logits of the prompt's last token, after its last chunk.</summary>
    protected abstract ReadOnlySpan<float> LastPromptTokenLogits();
}
