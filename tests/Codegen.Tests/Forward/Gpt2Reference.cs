using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Tests.Kernels;

namespace Codegen.Tests.Forward;

/// <summary>
/// The GPT-2 forward pass in float64, written out plainly: token plus position embedding; per layer
/// LayerNorm, query/key/value projections with biases, causal attention, output projection plus bias
/// added to the residual, LayerNorm, GELU (tanh) MLP with biases added to the residual; final
/// LayerNorm and the unembedding (the token embedding, or a quantized model's classifier).
/// </summary>
internal sealed class Gpt2Reference
{
    private readonly Gpt2WeightData weights;
    private readonly Func<double[], double[]> projectionInput;
    private readonly float[] unembedding;

    /// <param name="weights">The weights; the unembedding is the token embedding unless <paramref name="unembedding"/> is given.</param>
    /// <param name="projectionInput">
    /// Applied to every projection's input before the product (identity by default); a quantized model's test passes
    /// the rounding its kernels apply to their inputs.
    /// </param>
    /// <param name="unembedding">The unembedding's values where they differ from the token embedding's (a quantized model's classifier).</param>
    public Gpt2Reference(Gpt2WeightData weights, Func<double[], double[]>? projectionInput = null, float[]? unembedding = null)
    {
        this.weights = weights;
        this.projectionInput = projectionInput ?? (x => x);
        this.unembedding = unembedding ?? weights.TokenEmbedding;
    }

    /// <summary>The logits after each token of <paramref name="tokens"/>, fed at positions 0, 1, 2, ...</summary>
    public double[][] Run(IReadOnlyList<int> tokens) => Run(tokens, trace: null);

    /// <summary>The logits after each token, and what happened inside recorded into <paramref name="trace"/> when given.</summary>
    public double[][] Run(IReadOnlyList<int> tokens, ReferenceTrace? trace)
    {
        ShapeDims dims = weights.Dims;
        var keys = new List<double[]>[dims.Layers];
        var values = new List<double[]>[dims.Layers];
        for (int layer = 0; layer < dims.Layers; layer++)
        {
            keys[layer] = new List<double[]>();
            values[layer] = new List<double[]>();
        }

        var logits = new double[tokens.Count][];
        for (int position = 0; position < tokens.Count; position++)
        {
            double[] x = ReferenceMath.Add(
                ReferenceMath.ToDouble(weights.TokenEmbedding.AsSpan(tokens[position] * dims.DModel, dims.DModel)),
                weights.PositionEmbedding.AsSpan(position * dims.DModel, dims.DModel));
            for (int layer = 0; layer < dims.Layers; layer++)
            {
                Gpt2LayerData w = weights.Layers[layer];
                double[] h = projectionInput(ReferenceMath.LayerNorm(x, w.AttentionNorm, w.AttentionNormBias, dims.NormEpsilon));
                double[] query = ReferenceMath.Add(ReferenceMath.MatrixVector(w.Query, dims.DModel, h), w.QueryBias);
                keys[layer].Add(ReferenceMath.Add(ReferenceMath.MatrixVector(w.Key, dims.DModel, h), w.KeyBias));
                values[layer].Add(ReferenceMath.Add(ReferenceMath.MatrixVector(w.Value, dims.DModel, h), w.ValueBias));
                trace?.RecordAttention(layer, position, ReferenceMath.CausalAttentionWeights(query, keys[layer], position, dims.Heads, dims.Heads, dims.HeadDim));
                double[] attention = ReferenceMath.CausalAttention(query, keys[layer], values[layer], position, dims.Heads, dims.Heads, dims.HeadDim);
                ReferenceMath.AddInPlace(x, ReferenceMath.Add(ReferenceMath.MatrixVector(w.Output, dims.DModel, projectionInput(attention)), w.OutputBias));
                if (trace is not null)
                {
                    trace.NormsAfterAttention[layer, position] = ReferenceTrace.Norm(x);
                }

                h = projectionInput(ReferenceMath.LayerNorm(x, w.FfnNorm, w.FfnNormBias, dims.NormEpsilon));
                double[] hidden = ReferenceMath.Add(ReferenceMath.MatrixVector(w.Up, dims.FfnDim, h), w.UpBias).Select(ReferenceMath.Gelu).ToArray();
                ReferenceMath.AddInPlace(x, ReferenceMath.Add(ReferenceMath.MatrixVector(w.Down, dims.DModel, projectionInput(hidden)), w.DownBias));
                if (trace is not null)
                {
                    trace.NormsAfterMlp[layer, position] = ReferenceTrace.Norm(x);
                    trace.LensLogits[layer][position] = ReferenceMath.MatrixVector(unembedding, dims.Vocab, projectionInput(ReferenceMath.LayerNorm(x, weights.FinalNorm, weights.FinalNormBias, dims.NormEpsilon)));
                }
            }

            double[] final = projectionInput(ReferenceMath.LayerNorm(x, weights.FinalNorm, weights.FinalNormBias, dims.NormEpsilon));
            logits[position] = ReferenceMath.MatrixVector(unembedding, dims.Vocab, final);
        }

        return logits;
    }
}
