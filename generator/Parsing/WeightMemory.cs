using Codegen.Generator.Model;

namespace Codegen.Generator.Parsing;

/// <summary>
/// The bytes a loaded model's weights keep in memory, tensor by tensor as the generated weights classes
/// store them: norms, biases and embeddings as float32, the projection matrices (and an unembedding that
/// is not the float32 token embedding itself) in the model's weight format. The float32 file read while
/// loading, and each session's KV cache, come on top.
/// </summary>
internal static class WeightMemory
{
    /// <summary>Q8 stores rows in groups of four (Q8Kernels.RowsPerGroup) and blocks of 32 quants with a float16 scale.</summary>
    private const int Q8RowsPerGroup = 4;
    private const int Q8BlockSize = 32;
    private const int Q8BlockBytes = Q8BlockSize + sizeof(ushort);

    /// <summary>Q4 keeps the same groups and blocks, with 16 bytes of quants and a float16 scale and offset a block.</summary>
    private const int Q4BlockBytes = (Q8BlockSize / 2) + (2 * sizeof(ushort));

    /// <summary>In double, as an absurd shape may pass what a long holds; the threshold it is compared with is far below that.</summary>
    public static double Bytes(ModelSpec spec)
    {
        double bytes = 0;
        foreach (TensorDefinition tensor in TensorCatalog.Global(spec.Family))
        {
            bytes += Float32(spec, tensor);
        }

        foreach (TensorDefinition tensor in TensorCatalog.PerLayer(spec))
        {
            bytes += (double)spec.Layers * (tensor.IsProjection ? Matrix(spec, tensor, spec.Weights) : Float32(spec, tensor));
        }

        // Tied float32 weights share the token embedding's array; otherwise the unembedding is a tensor of its own.
        if (!(spec.TiedEmbeddings && spec.Weights == WeightFormat.F32))
        {
            bytes += Matrix(spec, TensorCatalog.Unembedding, spec.Weights == WeightFormat.Q4 ? WeightFormat.Q8 : spec.Weights);
        }

        return bytes;
    }

    /// <summary>
    /// The bytes of one CPU session's KV cache: keys and values, float32, for every layer and every cached
    /// position (Context rounded up to the key cache's blocks of 16).
    /// </summary>
    public static double KvCacheBytes(ModelSpec spec)
    {
        double positions = System.Math.Ceiling(spec.Context / 16.0) * 16;
        return 2.0 * 4 * spec.Layers * positions * spec.KvDim;
    }

    private static double Float32(ModelSpec spec, TensorDefinition tensor) => 4.0 * spec.SizeOf(tensor.Shape);

    private static double Matrix(ModelSpec spec, TensorDefinition tensor, WeightFormat format)
    {
        double rows = spec.SizeOf(new[] { tensor.Shape[0] });
        double columns = spec.SizeOf(new[] { tensor.Shape[1] });
        return format switch
        {
            WeightFormat.BF16 => 2.0 * rows * columns,
            WeightFormat.Q8 => System.Math.Ceiling(rows / Q8RowsPerGroup) * Q8RowsPerGroup
                * System.Math.Ceiling(columns / Q8BlockSize) * Q8BlockBytes,
            WeightFormat.Q4 => System.Math.Ceiling(rows / Q8RowsPerGroup) * Q8RowsPerGroup
                * System.Math.Ceiling(columns / Q8BlockSize) * Q4BlockBytes,
            _ => 4.0 * rows * columns,
        };
    }
}
