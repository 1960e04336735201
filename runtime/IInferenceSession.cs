using System;
using System.Threading;

namespace Codegen;

/// <summary>
/// One conversation with a model: a KV cache and scratch buffers, allocated once. The generation
/// loop, the samplers and every backend speak to a model through this interface.
/// Not thread-safe: use one session per thread (sessions of one model share its weights). The generated
/// sessions detect a call made while another is running on a second thread and refuse it with
/// <see cref="InvalidOperationException"/>.
/// </summary>
public interface IInferenceSession : IDisposable
{
    /// <summary>Vocabulary size: the length of the logits.</summary>
    int VocabularySize { get; }

    /// <summary>Positions the KV cache holds.</summary>
    int ContextLength { get; }

    /// <summary>
    /// Runs the model on <paramref name="token"/> at <paramref name="position"/>, storing its keys and
    /// values in the cache, and returns the logits for the next token. Positions must be fed in order
    /// (0, 1, 2, ...); going back to an earlier position overwrites the cache from there.
    /// The returned span is valid until the next call.
    /// </summary>
    ReadOnlySpan<float> Forward(int token, int position);

    /// <summary>
    /// Runs the model on <paramref name="tokens"/> at positions <paramref name="position"/> onwards (a prompt)
    /// and returns the logits after the last one. Sessions that can batch the work do; this default feeds
    /// the tokens one by one through <see cref="Forward"/>.
    /// </summary>
    ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position) => Prefill(tokens, position, CancellationToken.None);

    /// <summary>
    /// <see cref="Prefill(ReadOnlySpan{int}, int)"/> that watches <paramref name="cancellationToken"/> while the
    /// prompt runs and throws <see cref="OperationCanceledException"/> when it is cancelled. This default looks
    /// between tokens and keeps those already run; the generated sessions look between chunks and leave the
    /// session's next position as it was before the call.
    /// </summary>
    ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position, CancellationToken cancellationToken)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("Prefill needs at least one token.", nameof(tokens));
        }

        ReadOnlySpan<float> logits = default;
        for (int i = 0; i < tokens.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            logits = Forward(tokens[i], position + i);
        }

        return logits;
    }

    /// <summary>Forgets every cached position, so the next call starts at position 0.</summary>
    void Reset();
}
