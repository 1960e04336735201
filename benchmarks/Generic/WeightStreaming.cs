using Codegen.Tuning;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// How the matrix-vector products read weights: the generator's rule, applied to sizes known at run
/// time. Models whose float32 matrices outgrow the caches (over 8 MB: every token reads them from
/// memory) stream rows one after another with a prefetch; smaller ones read four rows interleaved.
/// </summary>
internal static class WeightStreaming
{
    /// <summary>
    /// Whether a model streams rows, from its sizes: every layer's query, key, value, output and three
    /// MLP-sized matrices (SwiGLU's gate, up, down; GPT-2 counts the same three), plus the unembedding.
    /// </summary>
    public static bool StreamsRows(int layers, int dim, int kvDim, int hiddenDim, int vocab)
    {
        long perLayer = (2L * dim * dim) + (2L * kvDim * dim) + (3L * dim * hiddenDim);
        long values = (layers * perLayer) + ((long)vocab * dim);
        return values * sizeof(float) > TuningConstants.CachedWeightBytes;
    }
}
