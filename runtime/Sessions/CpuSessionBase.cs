using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Codegen.Sessions;

/// <summary>
/// The CPU side of every generated session: the prefill chunk loop over the session's batch buffers. The
/// generated session overrides only the shape's own work: one token through the model, one chunk of a prompt
/// through the model, and the last prompt token's logits.
/// </summary>
public abstract class CpuSessionBase : InferenceSessionBase
{
    private readonly int prefillChunkTokens;

    /// <param name="vocabularySize">The model's Vocab.</param>
    /// <param name="contextLength">The model's Context: the KV cache's length.</param>
    /// <param name="prefillChunkTokens">Prompt tokens the session's batch buffers hold at once.</param>
    protected CpuSessionBase(int vocabularySize, int contextLength, int prefillChunkTokens)
        : base(vocabularySize, contextLength)
    {
        this.prefillChunkTokens = prefillChunkTokens;
    }

    /// <summary>
    /// The prompt in chunks, each through every layer as matrix-matrix products: the same logits as feeding it
    /// token by token (up to float rounding), several times faster.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected sealed override ReadOnlySpan<float> PrefillPrompt(ReadOnlySpan<int> tokens, int position, CancellationToken cancellationToken)
    {
        for (int done = 0; done < tokens.Length; done += prefillChunkTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(prefillChunkTokens, tokens.Length - done);
            PrefillChunk(tokens.Slice(done, count), position + done, lastChunk: done + count == tokens.Length);
        }

        return LastPromptTokenLogits();
    }

    /// <summary>
    /// One chunk of a checked prompt (at most the chunk size) through every layer, its keys and values into the
    /// cache. On the last chunk, the last layer may keep the last token only (its logits are all that is needed).
    /// </summary>
    protected abstract void PrefillChunk(ReadOnlySpan<int> tokens, int firstPosition, bool lastChunk);

    /// <summary>The logits of the prompt's last token, after its last chunk.</summary>
    protected abstract ReadOnlySpan<float> LastPromptTokenLogits();
}
