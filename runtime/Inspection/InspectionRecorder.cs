using System;
using Codegen.Kernels;

namespace Codegen.Inspection;

/// <summary>
/// What a generated inspecting session records while a prompt goes through the model, position by position: it
/// calls these methods with its own buffers, and the recorder copies what it needs. Shape-independent, so it
/// lives here once rather than in every model's generated code.
/// </summary>
public sealed class InspectionRecorder
{
    private readonly int[] tokens;
    private readonly int heads;
    private readonly int attentionWindow;
    private readonly int lensTokens;
    private readonly float[][][,] attention;
    private readonly float[][,] residualNorms;
    private readonly TokenProbability[][][] logitLens;
    private readonly float[][] logits;

    /// <param name="tokens">The prompt.</param>
    /// <param name="layers">The model's Layers.</param>
    /// <param name="heads">The model's query Heads.</param>
    /// <param name="attentionWindow">Positions a query attends to, itself included (the model's Context when there is no sliding window).</param>
    /// <param name="lensTokens">Top tokens the logit lens keeps for each layer and position.</param>
    public InspectionRecorder(ReadOnlySpan<int> tokens, int layers, int heads, int attentionWindow, int lensTokens)
    {
        this.tokens = tokens.ToArray();
        this.heads = heads;
        this.attentionWindow = attentionWindow;
        this.lensTokens = lensTokens;
        int count = tokens.Length;
        attention = new float[layers][][,];
        logitLens = new TokenProbability[layers][][];
        for (int layer = 0; layer < layers; layer++)
        {
            attention[layer] = new float[heads][,];
            for (int head = 0; head < heads; head++)
            {
                attention[layer][head] = new float[count, count];
            }

            logitLens[layer] = new TokenProbability[count][];
        }

        residualNorms = new[] { new float[layers, count], new float[layers, count] };
        logits = new float[count][];
    }

    /// <summary>
    /// The attention weights of every head of <paramref name="layer"/> for the query at <paramref name="position"/>,
    /// from the attention kernel's scratch (<see cref="CpuAttention"/>: one row of <paramref name="cachePositions"/>
    /// per head, left as unnormalized softmax weights from the first cached position it read). Each row is divided by
    /// its total here, so what is recorded are the probabilities the kernel's weighted sum used.
    /// </summary>
    public void RecordAttention(int layer, int position, ReadOnlySpan<float> scores, int cachePositions)
    {
        // The positions the kernel read: from the start of the block holding the first visible one (see CpuAttention).
        int first = position + 1 - attentionWindow;
        int start = first <= 0 ? 0 : first & ~(KeyCache.KeyBlock - 1);
        int count = position + 1 - start;
        for (int head = 0; head < heads; head++)
        {
            ReadOnlySpan<float> weights = scores.Slice(head * cachePositions, count);
            double total = 0;
            foreach (float weight in weights)
            {
                total += weight;
            }

            float[,] probabilities = attention[layer][head];
            for (int t = Math.Max(0, first) - start; t < count; t++)
            {
                probabilities[position, start + t] = (float)(weights[t] / total);
            }
        }
    }

    /// <summary>The residual stream's Euclidean norm after <paramref name="block"/> of <paramref name="layer"/> added its result.</summary>
    public void RecordResidualNorm(int layer, ResidualBlockKind block, int position, ReadOnlySpan<float> residual)
    {
        double sum = 0;
        foreach (float value in residual)
        {
            sum += (double)value * value;
        }

        residualNorms[(int)block][layer, position] = (float)Math.Sqrt(sum);
    }

    /// <summary>The logit lens of <paramref name="layer"/>: its residual through the final norm and the unembedding, as logits.</summary>
    public void RecordLogitLens(int layer, int position, ReadOnlySpan<float> lensLogits) =>
        logitLens[layer][position] = TokenDistribution.Top(lensLogits, 1.0, lensTokens);

    /// <summary>The model's logits at <paramref name="position"/>: the last layer's output through the final norm and the unembedding.</summary>
    public void RecordLogits(int position, ReadOnlySpan<float> positionLogits) => logits[position] = positionLogits.ToArray();

    /// <summary>Everything recorded, once every position has gone through.</summary>
    public InspectionResult Result() => new(tokens, attention, residualNorms, logitLens, logits);
}
