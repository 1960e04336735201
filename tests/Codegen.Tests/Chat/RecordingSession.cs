using System;
using System.Collections.Generic;
using System.Threading;

namespace Codegen.Tests.Chat;

/// <summary>
/// An <see cref="IInferenceSession"/> that passes every call to a real session and records what was fed: each
/// prefill's tokens and position, each step, and a copy of the logits each call returned. With
/// <see cref="CancelAfterFirstChunk"/> set, a prefill longer than 64 tokens runs its first 64 and then cancels that
/// source before passing the rest on, so the real session sees the cancellation between its chunks.
/// </summary>
internal sealed class RecordingSession : IInferenceSession
{
    private readonly IInferenceSession inner;

    public RecordingSession(IInferenceSession inner) => this.inner = inner;

    public List<(int[] Tokens, int Position)> Prefills { get; } = new();

    public List<(int Token, int Position)> Steps { get; } = new();

    /// <summary>The logits the last prefill returned.</summary>
    public float[] LastPrefillLogits { get; private set; } = Array.Empty<float>();

    public CancellationTokenSource? CancelAfterFirstChunk { get; set; }

    public int VocabularySize => inner.VocabularySize;

    public int ContextLength => inner.ContextLength;

    /// <summary>Tokens fed so far, by prefill and by step.</summary>
    public int FedTokens
    {
        get
        {
            int count = Steps.Count;
            foreach (var prefill in Prefills)
            {
                count += prefill.Tokens.Length;
            }

            return count;
        }
    }

    public void ClearRecord()
    {
        Prefills.Clear();
        Steps.Clear();
    }

    public ReadOnlySpan<float> Forward(int token, int position)
    {
        Steps.Add((token, position));
        return inner.Forward(token, position);
    }

    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position, CancellationToken cancellationToken)
    {
        Prefills.Add((tokens.ToArray(), position));
        ReadOnlySpan<float> logits;
        if (CancelAfterFirstChunk is { } source && tokens.Length > 64)
        {
            inner.Prefill(tokens[..64], position, cancellationToken);
            source.Cancel();
            logits = inner.Prefill(tokens[64..], position + 64, cancellationToken);
        }
        else
        {
            logits = inner.Prefill(tokens, position, cancellationToken);
        }

        LastPrefillLogits = logits.ToArray();
        return logits;
    }

    public void Reset() => inner.Reset();

    public void Dispose() => inner.Dispose();
}
