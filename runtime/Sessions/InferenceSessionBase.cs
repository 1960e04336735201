using System;
using System.Runtime.CompilerServices;

namespace Codegen.Sessions;

/// <summary>
/// What every generated session shares, on any backend: the vocabulary and context sizes, the next position
/// to feed, the argument checks made before the KV cache is touched (so a bad call throws and leaves the
/// session as it was), Reset and Dispose. A backend's base class (<see cref="CpuSessionBase"/>, the GPU
/// runtime's <c>GpuSessionBase</c>) adds how a step and a prompt run there; the generated session adds the
/// shape's own forward pass.
/// </summary>
public abstract class InferenceSessionBase : IInferenceSession
{
    private readonly int vocabularySize;
    private readonly int contextLength;
    private int nextPosition;
    private bool disposed;

    /// <param name="vocabularySize">The model's Vocab: logits per token.</param>
    /// <param name="contextLength">The model's Context: the KV cache's length.</param>
    protected InferenceSessionBase(int vocabularySize, int contextLength)
    {
        this.vocabularySize = vocabularySize;
        this.contextLength = contextLength;
    }

    /// <inheritdoc/>
    public int VocabularySize => vocabularySize;

    /// <inheritdoc/>
    public int ContextLength => contextLength;

    /// <summary>The next position to feed: every earlier one is in the KV cache.</summary>
    public int NextPosition => nextPosition;

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    protected bool IsDisposed => disposed;

    /// <inheritdoc/>
    /// <remarks>
    /// Compiled fully optimized at once, as the generated step it calls: a tiered wrapper would run as tier-0
    /// code for the first tokens and be recompiled while the model decodes.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Forward(int token, int position)
    {
        CheckStep(token, position);
        ReadOnlySpan<float> logits = ForwardStep(token, position);
        nextPosition = position + 1;
        return logits;
    }

    /// <summary>
    /// Runs the model on <paramref name="tokens"/> at positions <paramref name="position"/> onwards: their keys and
    /// values go into the cache and the logits of the last token come back. The whole prompt is checked before
    /// any of it runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position)
    {
        ThrowIfDisposed();
        SessionChecks.CheckPrompt(tokens, position, vocabularySize, contextLength, nextPosition);
        ReadOnlySpan<float> logits = PrefillPrompt(tokens, position);
        nextPosition = position + tokens.Length;
        return logits;
    }

    /// <inheritdoc/>
    public void Reset() => nextPosition = 0;

    /// <summary>Ends the session and gives back what it holds (<see cref="Release"/>). Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Release();
    }

    /// <summary>Checks one step (not disposed, a token of the vocabulary, a position inside the context, in order) before it runs.</summary>
    protected void CheckStep(int token, int position)
    {
        ThrowIfDisposed();
        SessionChecks.CheckStep(token, position, vocabularySize, contextLength, nextPosition);
    }

    /// <summary>Records that <paramref name="position"/> is in the cache now, for a step run outside <see cref="Forward"/>.</summary>
    protected void Advance(int position) => nextPosition = position + 1;

    /// <summary>Throws when the session (or what it runs on) is disposed.</summary>
    protected virtual void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <summary>One checked token at one checked position through the whole model; returns its logits.</summary>
    protected abstract ReadOnlySpan<float> ForwardStep(int token, int position);

    /// <summary>A checked prompt through the whole model from <paramref name="position"/> on; returns the last token's logits.</summary>
    protected abstract ReadOnlySpan<float> PrefillPrompt(ReadOnlySpan<int> tokens, int position);

    /// <summary>Gives back what the session holds, once, when it is disposed.</summary>
    protected virtual void Release()
    {
    }
}
