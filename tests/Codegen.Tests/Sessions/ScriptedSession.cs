using System;
using System.Threading;
using Codegen.Sessions;

namespace Codegen.Tests.Sessions;

/// <summary>
/// A CPU session with no model behind it: each step returns logits that favour token (position + 1) % vocab,
/// and the test decides when a step blocks, which chunk runs a callback, and which position gives NaN. It
/// exercises what <see cref="InferenceSessionBase"/> and <see cref="CpuSessionBase"/> do around the model.
/// </summary>
internal sealed class ScriptedSession : CpuSessionBase
{
    private readonly float[] logits;

    public ScriptedSession(int vocabularySize = 16, int contextLength = 64, int prefillChunkTokens = 4)
        : base(vocabularySize, contextLength, prefillChunkTokens)
    {
        logits = new float[vocabularySize];
    }

    /// <summary>Set while the first step is inside the model; the step then waits for <see cref="ReleaseFirstStep"/>.</summary>
    public ManualResetEventSlim FirstStepEntered { get; } = new();

    /// <summary>When set, the first step waits for it inside the model.</summary>
    public ManualResetEventSlim? ReleaseFirstStep { get; init; }

    /// <summary>Runs after each prefill chunk with the count of chunks run so far.</summary>
    public Action<int>? AfterChunk { get; init; }

    /// <summary>The position whose logits are NaN, or -1.</summary>
    public int NaNAtPosition { get; init; } = -1;

    public int ChunksRun { get; private set; }

    public int StepsRun { get; private set; }

    private int lastPosition;

    protected override ReadOnlySpan<float> ForwardStep(int token, int position)
    {
        StepsRun++;
        if (StepsRun == 1 && ReleaseFirstStep is { } release)
        {
            FirstStepEntered.Set();
            release.Wait();
        }

        return LogitsFor(position);
    }

    protected override void PrefillChunk(ReadOnlySpan<int> tokens, int firstPosition, bool lastChunk)
    {
        ChunksRun++;
        lastPosition = firstPosition + tokens.Length - 1;
        AfterChunk?.Invoke(ChunksRun);
    }

    protected override ReadOnlySpan<float> LastPromptTokenLogits() => LogitsFor(lastPosition);

    private float[] LogitsFor(int position)
    {
        Array.Clear(logits);
        logits[(position + 1) % logits.Length] = 5;
        if (position == NaNAtPosition)
        {
            logits[3] = float.NaN;
        }

        return logits;
    }
}
