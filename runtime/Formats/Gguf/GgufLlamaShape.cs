namespace Codegen.Formats.Gguf;

/// <summary>
/// The declared shape of a Llama-family model, as the generated loader passes it to
/// <see cref="GgufLlamaWeights.Read"/>: every value a GGUF file's metadata and tensors must agree with,
/// and the declared <see cref="WeightFormat"/> of the projections (a <see cref="WeightFormat.Q8"/> model
/// keeps a Q8_0 tensor's blocks to copy them as they are).
/// </summary>
public readonly record struct GgufLlamaShape(
    int DModel,
    int FfnDim,
    int Layers,
    int Heads,
    int KvHeads,
    int Vocab,
    int Context,
    float NormEpsilon,
    float RopeTheta,
    bool TiedEmbeddings,
    WeightFormat Weights = WeightFormat.F32)
{
    /// <summary>The width of one attention head.</summary>
    public int HeadDim => DModel / Heads;

    /// <summary>The width of the key and value projections.</summary>
    public int KvDim => KvHeads * HeadDim;
}
