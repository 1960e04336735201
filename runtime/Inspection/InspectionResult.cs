using System;
using System.Collections.Generic;

namespace Codegen.Inspection;

/// <summary>
/// What one prompt did inside the model, recorded by a generated <c>CpuInspectingSession</c>: every layer's and
/// head's attention weights, the residual stream's norm after each block, the logit lens, and the logits at every
/// position (exactly the fast <c>CpuSession.Forward</c>'s). Positions are the prompt's, from 0.
/// </summary>
public sealed class InspectionResult
{
    private readonly int[] tokens;
    private readonly float[][][,] attention;
    private readonly float[][,] residualNorms;
    private readonly TokenProbability[][][] logitLens;
    private readonly float[][] logits;

    internal InspectionResult(int[] tokens, float[][][,] attention, float[][,] residualNorms, TokenProbability[][][] logitLens, float[][] logits)
    {
        this.tokens = tokens;
        this.attention = attention;
        this.residualNorms = residualNorms;
        this.logitLens = logitLens;
        this.logits = logits;
    }

    /// <summary>The prompt's tokens.</summary>
    public IReadOnlyList<int> Tokens => tokens;

    /// <summary>The model's layers.</summary>
    public int Layers => attention.Length;

    /// <summary>The model's query heads.</summary>
    public int Heads => attention[0].Length;

    /// <summary>The model's vocabulary size.</summary>
    public int Vocab => logits[0].Length;

    /// <summary>
    /// The attention probabilities of <paramref name="head"/> in <paramref name="layer"/>, [query position, key position]:
    /// after the causal mask and the softmax, so each row sums to 1 and is zero above the diagonal (and before a
    /// sliding window). The array is the result's own; do not change it.
    /// </summary>
    public float[,] Attention(int layer, int head) => attention[CheckLayer(layer)][CheckIndex(head, Heads, nameof(head))];

    /// <summary>The residual stream's Euclidean norm at <paramref name="position"/> after <paramref name="block"/> of <paramref name="layer"/> added its result.</summary>
    public float ResidualNorm(int layer, ResidualBlockKind block, int position) =>
        residualNorms[(int)block][CheckLayer(layer), CheckPosition(position)];

    /// <summary>
    /// The logit lens at <paramref name="position"/>: the residual stream after <paramref name="layer"/>, put through
    /// the final norm and the unembedding, as its most likely tokens (temperature 1), most likely first. After the last
    /// layer it is the model's own distribution.
    /// </summary>
    public IReadOnlyList<TokenProbability> LogitLens(int layer, int position) => logitLens[CheckLayer(layer)][CheckPosition(position)];

    /// <summary>The model's logits at <paramref name="position"/>: the distribution of the token after it.</summary>
    public ReadOnlySpan<float> Logits(int position) => logits[CheckPosition(position)];

    /// <summary>
    /// The <paramref name="count"/> most likely next tokens after the whole prompt at <paramref name="temperature"/>
    /// (softmax of logits / temperature), most likely first.
    /// </summary>
    public TokenProbability[] TopTokens(double temperature, int count) => TopTokens(tokens.Length - 1, temperature, count);

    /// <summary>The <paramref name="count"/> most likely tokens after <paramref name="position"/> at <paramref name="temperature"/>.</summary>
    public TokenProbability[] TopTokens(int position, double temperature, int count) =>
        TokenDistribution.Top(logits[CheckPosition(position)], temperature, count);

    private int CheckLayer(int layer) => CheckIndex(layer, Layers, nameof(layer));

    private int CheckPosition(int position) => CheckIndex(position, tokens.Length, nameof(position));

    private static int CheckIndex(int index, int count, string name) =>
        (uint)index < (uint)count ? index : throw new ArgumentOutOfRangeException(name, index, $"{name} runs from 0 to {count - 1}.");
}
