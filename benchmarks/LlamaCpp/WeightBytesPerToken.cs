using System;
using System.Linq;
using Codegen.Benchmarks.Weights;
using Codegen.Formats.Gguf;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>
/// The weight bytes one decoded token reads, the denominator of the bandwidth limit. Decoding reads every
/// projection matrix, the norms and the classifier once a token, but only one row of the token embedding,
/// so both counts leave the token embedding out (a row is at most 3 KB).
/// </summary>
internal static class WeightBytesPerToken
{
    public const string EmbeddingTensor = "token_embd.weight";

    /// <summary>llama.cpp's: the file's tensor bytes (their stored types), without token_embd.</summary>
    public static long InFile(string path)
    {
        using GgufFile file = GgufFile.Open(path);
        return file.Tensors.Where(t => t.Name != EmbeddingTensor).Sum(t => t.ByteLength);
    }

    /// <summary>
    /// Ours: the matrices the declaration stores (the 7 projections of every layer at <paramref name="bytesPerMatrixValue"/>,
    /// the classifier, tied to the embedding as llama2.c's checkpoints are, at <paramref name="bytesPerClassifierValue"/>),
    /// plus the float32 norms.
    /// </summary>
    public static long Ours(LlamaShape shape, double bytesPerMatrixValue, double bytesPerClassifierValue)
    {
        long d = shape.Dim, kv = shape.KvDim, hidden = shape.HiddenDim;
        long layerValues = 2 * d * d + 2 * kv * d + 3 * d * hidden;
        long normValues = shape.Layers * 2 * d + d;
        return (long)Math.Round((shape.Layers * layerValues * bytesPerMatrixValue) + ((long)shape.Vocab * d * bytesPerClassifierValue)) + normValues * sizeof(float);
    }
}
