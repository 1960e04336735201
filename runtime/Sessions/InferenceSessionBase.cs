using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Codegen.Sessions;

/// <summary>
/// What every generated session shares, on any backend: the vocabulary and context sizes, the next position
/// to feed, the argument checks made before the KV cache is touched (so a bad call throws and leaves the
/// session as it was), the detection of a second thread calling while a call runs, the refusal of logits
/// that are not finite (<see cref="NonFiniteLogitsException"/>, one pass over the vocabulary a call, the position
/// not counted as fed), Reset and Dispose. A backend's base class (<see cref="CpuSessionBase"/>, the GPU
/// runtime's <c>GpuSessionBase</c>) adds how a step and a prompt run there; the generated session adds the
/// shape's own forward pass.
/// </summary>
public abstract class InferenceSessionBase : IInferenceSession
{
    private readonly int vocabularySize;
    private readonly int contextLength;
    private int nextPosition;
    private bool disposed;

    /// <summary>1 while a call runs: a second thread that finds it set is refused instead of corrupting the cache.</summary>
    private int callRunning;

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
        BeginCall();
        try
        {
            CheckStep(token, position);
            ReadOnlySpan<float> logits = ForwardStep(token, position);
            NonFiniteLogitsException.ThrowIfAny(logits, position);
            nextPosition = position + 1;
            return logits;
        }
        finally
        {
            EndCall();
        }
    }

    /// <summary>
    /// Runs the model on <paramref name="tokens"/> at positions <paramref name="position"/> onwards: their keys and
    /// values go into the cache and the logits of the last token come back. The whole prompt is checked before
    /// any of it runs.
    /// </summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position) => Prefill(tokens, position, CancellationToken.None);

    /// <summary>
    /// <see cref="Prefill(ReadOnlySpan{int}, int)"/>, watching <paramref name="cancellationToken"/> between the
    /// prompt's chunks: when it is cancelled the call throws <see cref="OperationCanceledException"/> and the next
    /// position stays what it was, so the session can be reset or fed again from there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position, CancellationToken cancellationToken)
    {
        BeginCall();
        try
        {
            ThrowIfDisposed();
            SessionChecks.CheckPrompt(tokens, position, vocabularySize, contextLength, nextPosition);
            ReadOnlySpan<float> logits = PrefillPrompt(tokens, position, cancellationToken);
            NonFiniteLogitsException.ThrowIfAny(logits, position + tokens.Length - 1);
            nextPosition = position + tokens.Length;
            return logits;
        }
        finally
        {
            EndCall();
        }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        BeginCall();
        nextPosition = 0;
        EndCall();
    }

    /// <summary>
    /// Ends the session and gives back what it holds (<see cref="Release"/>). Calling it again does nothing; calling
    /// it while another thread's call runs is refused, as that call still uses what would be given back.
    /// </summary>
    public void Dispose()
    {
        BeginCall();
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            Release();
        }
        finally
        {
            EndCall();
        }
    }

    /// <summary>Checks one step (not disposed, a token of the vocabulary, a position inside the context, in order) before it runs.</summary>
    protected void CheckStep(int token, int position)
    {
        ThrowIfDisposed();
        SessionChecks.CheckStep(token, position, vocabularySize, contextLength, nextPosition);
    }

    /// <summary>
    /// Marks a call as running, or throws <see cref="InvalidOperationException"/> when one already is (a second
    /// thread using the session at the same time). One interlocked exchange a call; pair it with <see cref="EndCall"/>.
    /// </summary>
    protected void BeginCall()
    {
        if (Interlocked.Exchange(ref callRunning, 1) != 0)
        {
            throw new InvalidOperationException(
                "This session is already running a call on another thread. A session serves one call at a time: " +
                "give each thread its own session (sessions of one model share its weights).");
        }
    }

    /// <summary>Marks the call that <see cref="BeginCall"/> started as finished.</summary>
    protected void EndCall() => Volatile.Write(ref callRunning, 0);

    /// <summary>Records that <paramref name="position"/> is in the cache now, for a step run outside <see cref="Forward"/>.</summary>
    protected void Advance(int position) => nextPosition = position + 1;

    /// <summary>Throws when the session (or what it runs on) is disposed.</summary>
    protected virtual void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <summary>One checked token at one checked position through the whole model; returns its logits.</summary>
    protected abstract ReadOnlySpan<float> ForwardStep(int token, int position);

    /// <summary>
    /// A checked prompt through the whole model from <paramref name="position"/> on; returns the last token's
    /// logits. Throws <see cref="OperationCanceledException"/> between pieces of work once
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    protected abstract ReadOnlySpan<float> PrefillPrompt(ReadOnlySpan<int> tokens, int position, CancellationToken cancellationToken);

    /// <summary>Gives back what the session holds, once, when it is disposed.</summary>
    protected virtual void Release()
    {
    }
}
