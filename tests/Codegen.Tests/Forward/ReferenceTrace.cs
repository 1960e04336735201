using System;
using System.Linq;
using Codegen.Tests.Kernels;

namespace Codegen.Tests.Forward;

/// <summary>
/// What a float64 reference forward pass saw inside, when asked: every layer's and head's attention probabilities
/// [query, key], the residual stream's norm after each block, and each layer's logit lens (the residual through the
/// final norm and the unembedding), at every position.
/// </summary>
internal sealed class ReferenceTrace
{
    public ReferenceTrace(ShapeDims dims, int positions)
    {
        Attention = Enumerable.Range(0, dims.Layers).Select(_ => Enumerable.Range(0, dims.Heads).Select(_ => new double[positions, positions]).ToArray()).ToArray();
        NormsAfterAttention = new double[dims.Layers, positions];
        NormsAfterMlp = new double[dims.Layers, positions];
        LensLogits = Enumerable.Range(0, dims.Layers).Select(_ => new double[positions][]).ToArray();
    }

    /// <summary>[layer][head][query position, key position].</summary>
    public double[][][,] Attention { get; }

    /// <summary>[layer, position].</summary>
    public double[,] NormsAfterAttention { get; }

    /// <summary>[layer, position].</summary>
    public double[,] NormsAfterMlp { get; }

    /// <summary>[layer][position]: the logits of the layer's residual.</summary>
    public double[][][] LensLogits { get; }

    public void RecordAttention(int layer, int position, double[][] headWeights)
    {
        for (int head = 0; head < headWeights.Length; head++)
        {
            for (int key = 0; key <= position; key++)
            {
                Attention[layer][head][position, key] = headWeights[head][key];
            }
        }
    }

    public static double Norm(double[] x) => Math.Sqrt(x.Sum(v => v * v));
}
