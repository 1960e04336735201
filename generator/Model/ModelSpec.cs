namespace Codegen.Generator.Model;

/// <summary>
/// Everything the emitters need to know about one annotated class: where it lives and the model's
/// shape with every default resolved. Plain values only (no symbols or syntax), so the incremental
/// pipeline can compare it and skip emission when nothing relevant changed.
/// </summary>
internal sealed record ModelSpec(
    string? Namespace,
    string ClassName,
    string Accessibility,
    Family Family,
    int DModel,
    int Heads,
    int KvHeads,
    int Layers,
    int Vocab,
    int Context,
    int FfnDim,
    double NormEpsilon,
    double RopeTheta,
    bool TiedEmbeddings,
    WeightFormat Weights)
{
    public int HeadDim => DModel / Heads;

    public int KvDim => KvHeads * HeadDim;

    public int QueriesPerKvHead => Heads / KvHeads;

    /// <summary>
    /// Values in every layer's projection matrices and the unembedding (the tensor catalog's matrices):
    /// what one decode step reads.
    /// </summary>
    public long MatrixValues
    {
        get
        {
            long values = SizeOf(TensorCatalog.Unembedding.Shape);
            foreach (TensorDefinition tensor in TensorCatalog.PerLayer(Family))
            {
                if (tensor.IsProjection)
                {
                    values += Layers * SizeOf(tensor.Shape);
                }
            }

            return values;
        }
    }

    /// <summary>The element count of a tensor shape written as size constant names ("Vocab", "DModel", ...).</summary>
    public long SizeOf(string[] shape)
    {
        long count = 1;
        foreach (string constant in shape)
        {
            count *= Size(constant);
        }

        return count;
    }

    /// <summary>The value of a generated size constant, by name.</summary>
    public int Size(string constant) => constant switch
    {
        "DModel" => DModel,
        "KvDim" => KvDim,
        "FfnDim" => FfnDim,
        "Vocab" => Vocab,
        "Context" => Context,
        _ => throw new System.ArgumentException($"No size constant named {constant}.", nameof(constant)),
    };

    /// <summary>Hint name prefix of the generated files: namespace-qualified to stay unique.</summary>
    public string FileNamePrefix => Namespace is null ? ClassName : $"{Namespace}.{ClassName}";
}
