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
    /// <summary>The Hugging Face architecture of the config file the shape came from (for example <c>Qwen2ForCausalLM</c>), or null.</summary>
    public string? Architecture { get; init; }

    /// <summary>Biases on the query, key and value projections (GPT-2, Qwen2, Llama with <c>attention_bias</c>).</summary>
    public bool QueryKeyValueBias { get; init; }

    /// <summary>A bias on the attention output projection (GPT-2, Llama with <c>attention_bias</c>).</summary>
    public bool OutputBias { get; init; }

    /// <summary>Positions a query attends to, itself included, when fewer than Context (Mistral, Phi-3); 0 for all earlier positions.</summary>
    public int SlidingWindow { get; init; }

    /// <summary>How the rotary frequencies are scaled (Llama 3.1's "llama3", "linear"), or null.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Whether the declaration asks for the inspecting session (<c>Inspectable = true</c>).</summary>
    public bool Inspectable { get; init; }

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
            foreach (TensorDefinition tensor in TensorCatalog.PerLayer(this))
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
