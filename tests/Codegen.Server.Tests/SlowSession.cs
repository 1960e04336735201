using System;
using System.Threading;

namespace Codegen.Server.Tests;

/// <summary>A session that pauses before each decode step, so that an answer takes long enough to be interrupted.</summary>
internal sealed class SlowSession(IInferenceSession inner, TimeSpan stepDelay) : IInferenceSession
{
    public int VocabularySize => inner.VocabularySize;

    public int ContextLength => inner.ContextLength;

    public ReadOnlySpan<float> Forward(int token, int position)
    {
        Thread.Sleep(stepDelay);
        return inner.Forward(token, position);
    }

    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position, CancellationToken cancellationToken) => inner.Prefill(tokens, position, cancellationToken);

    public void Reset() => inner.Reset();

    public void Dispose() => inner.Dispose();
}
