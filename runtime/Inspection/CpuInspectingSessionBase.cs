using System;
using Codegen.Sessions;

namespace Codegen.Inspection;

/// <summary>
/// The runtime side of every generated <c>CpuInspectingSession</c>: the checks, the loop over the prompt's positions
/// and the nearest tokens in the embedding space. The generated session overrides one position through the model,
/// which runs the fast session's kernels, serially, and records along the way. Not thread-safe; one prompt at a time.
/// </summary>
public abstract class CpuInspectingSessionBase
{
    private readonly int vocabularySize;
    private readonly int contextLength;
    private readonly int layers;
    private readonly int heads;
    private readonly int attentionWindow;
    private readonly int width;
    private readonly WeightTensor tokenEmbedding;

    /// <param name="vocabularySize">The model's Vocab.</param>
    /// <param name="contextLength">The model's Context.</param>
    /// <param name="layers">The model's Layers.</param>
    /// <param name="heads">The model's query Heads.</param>
    /// <param name="attentionWindow">Positions a query attends to, itself included (Context without a sliding window).</param>
    /// <param name="tokenEmbedding">The token embedding, [Vocab, DModel].</param>
    protected CpuInspectingSessionBase(int vocabularySize, int contextLength, int layers, int heads, int attentionWindow, WeightTensor tokenEmbedding)
    {
        this.vocabularySize = vocabularySize;
        this.contextLength = contextLength;
        this.layers = layers;
        this.heads = heads;
        this.attentionWindow = attentionWindow;
        this.tokenEmbedding = tokenEmbedding ?? throw new ArgumentNullException(nameof(tokenEmbedding));
        width = tokenEmbedding.Length / vocabularySize;
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> through the model from position 0, token by token, and records what happens
    /// inside: attention weights, residual norms, the logit lens (its <paramref name="lensTokens"/> most likely tokens
    /// per layer and position) and the logits. Each call starts a new sequence.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The prompt is longer than the context, a token is not in the vocabulary, or <paramref name="lensTokens"/> is not positive.</exception>
    public InspectionResult Inspect(ReadOnlySpan<int> tokens, int lensTokens = 5)
    {
        SessionChecks.CheckPrompt(tokens, 0, vocabularySize, contextLength, 0);
        if (lensTokens <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lensTokens), lensTokens, "The logit lens needs at least one token per layer.");
        }

        var recorder = new InspectionRecorder(tokens, layers, heads, attentionWindow, lensTokens);
        for (int position = 0; position < tokens.Length; position++)
        {
            InspectPosition(tokens[position], position, recorder);
        }

        return recorder.Result();
    }

    /// <summary>The <paramref name="count"/> tokens whose embedding rows are nearest to <paramref name="token"/>'s by cosine similarity.</summary>
    public TokenSimilarity[] NearestTokens(int token, int count) =>
        EmbeddingNeighbours.Nearest(tokenEmbedding.Values, width, token, count);

    /// <summary>One checked token at <paramref name="position"/> through the whole model, recorded into <paramref name="recorder"/>.</summary>
    protected abstract void InspectPosition(int token, int position, InspectionRecorder recorder);
}
