using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Tests.Kernels;

namespace Codegen.Tests.Forward;

/// <summary>
/// The Llama forward pass in float64, written out plainly: token embedding; per layer RMSNorm,
/// query/key/value projections, rotary positions on query and key, causal grouped-query attention,
/// output projection added to the residual, RMSNorm, SwiGLU MLP added to the residual; final RMSNorm
/// and the unembedding (the token embedding when tied).
/// </summary>
internal sealed class LlamaReference
{
    private readonly LlamaWeightData weights;
    private readonly Func<double[], double[]> projectionInput;

    /// <param name="weights">The weights, as the model under test represents them.</param>
    /// <param name="projectionInput">
    /// What a projection's input goes through before the product (the identity, or for 8-bit weights the
    /// input's own 8-bit rounding); the classifier's included.
    /// </param>
    public LlamaReference(LlamaWeightData weights, Func<double[], double[]>? projectionInput = null)
    {
        this.weights = weights;
        this.projectionInput = projectionInput ?? (x => x);
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
            double[] x = ReferenceMath.ToDouble(weights.TokenEmbedding.AsSpan(tokens[position] * dims.DModel, dims.DModel));
            for (int layer = 0; layer < dims.Layers; layer++)
            {
                LlamaLayerData w = weights.Layers[layer];
                double[] h = projectionInput(ReferenceMath.RmsNorm(x, w.AttentionNorm, dims.NormEpsilon));
                double[] query = ReferenceMath.MatrixVector(w.Query, dims.DModel, h);
                double[] key = ReferenceMath.MatrixVector(w.Key, dims.KvDim, h);
                double[] value = ReferenceMath.MatrixVector(w.Value, dims.KvDim, h);
                ReferenceMath.Rotate(query, dims.HeadDim, position, dims.RopeTheta);
                ReferenceMath.Rotate(key, dims.HeadDim, position, dims.RopeTheta);
                keys[layer].Add(key);
                values[layer].Add(value);
                trace?.RecordAttention(layer, position, ReferenceMath.CausalAttentionWeights(query, keys[layer], position, dims.Heads, dims.KvHeads, dims.HeadDim));
                double[] attention = ReferenceMath.CausalAttention(query, keys[layer], values[layer], position, dims.Heads, dims.KvHeads, dims.HeadDim);
                ReferenceMath.AddInPlace(x, ReferenceMath.MatrixVector(w.Output, dims.DModel, projectionInput(attention)));
                if (trace is not null)
                {
                    trace.NormsAfterAttention[layer, position] = ReferenceTrace.Norm(x);
                }

                h = projectionInput(ReferenceMath.RmsNorm(x, w.FfnNorm, dims.NormEpsilon));
                double[] gate = ReferenceMath.MatrixVector(w.Gate, dims.FfnDim, h);
                double[] up = ReferenceMath.MatrixVector(w.Up, dims.FfnDim, h);
                double[] hidden = gate.Select((g, i) => ReferenceMath.Silu(g) * up[i]).ToArray();
                ReferenceMath.AddInPlace(x, ReferenceMath.MatrixVector(w.Down, dims.DModel, projectionInput(hidden)));
                if (trace is not null)
                {
                    trace.NormsAfterMlp[layer, position] = ReferenceTrace.Norm(x);
                    trace.LensLogits[layer][position] = ReferenceMath.MatrixVector(weights.Classifier, dims.Vocab, projectionInput(ReferenceMath.RmsNorm(x, weights.FinalNorm, dims.NormEpsilon)));
                }
            }

            double[] final = projectionInput(ReferenceMath.RmsNorm(x, weights.FinalNorm, dims.NormEpsilon));
            logits[position] = ReferenceMath.MatrixVector(weights.Classifier, dims.Vocab, final);
        }

        return logits;
    }
}
