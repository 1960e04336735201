using Codegen.Generator.Model;

namespace Codegen.Generator.Plan;

/// <summary>The two norms the families use.</summary>
internal enum NormKind
{
    /// <summary>RMSNorm: weight * x / sqrt(mean(x^2) + epsilon). No bias.</summary>
    RmsNorm,

    /// <summary>LayerNorm: (x - mean) / sqrt(variance + epsilon) * weight + bias.</summary>
    LayerNorm,
}

/// <summary>What a projection does with its dot products before they leave the kernel.</summary>
internal enum Epilogue
{
    /// <summary>Each matrix's rows are stored into its own output (query, key, value into the cache).</summary>
    Store,

    /// <summary>The one matrix's rows are added back into the residual stream.</summary>
    AddToResidual,

    /// <summary>Two matrices, gate and up: hidden = silu(gate . x) * (up . x).</summary>
    SwiGlu,

    /// <summary>The one matrix's rows go through GELU into the hidden vector.</summary>
    Gelu,
}

/// <summary>
/// One operation of a layer, in the terms of the explainers (norm, projection, rotary positions, the KV
/// cache, causal attention). Records of plain values, so a plan compares by value and the incremental
/// pipeline can cache it.
/// </summary>
internal abstract record LayerOperation
{
    /// <summary>A few words for the comment over the block that runs this operation.</summary>
    public abstract string Phrase { get; }
}

/// <summary>A norm of the residual stream into the normalized vector that the next projection reads.</summary>
/// <param name="Kind">RMSNorm or LayerNorm.</param>
/// <param name="Weight">The weight tensor's member name, for example <c>AttentionNorm</c>.</param>
/// <param name="Bias">The bias tensor's member name, or null when the norm has none.</param>
internal sealed record NormOperation(NormKind Kind, string Weight, string? Bias) : LayerOperation
{
    public string KindName => Kind == NormKind.RmsNorm ? "RMSNorm" : "LayerNorm";

    public override string Phrase => KindName;
}

/// <summary>One matrix of a projection: its weight, its optional bias, the rows it has and where they go.</summary>
/// <param name="Weight">The matrix's member name on the layer weights, for example <c>Query</c>.</param>
/// <param name="Bias">The bias's member name, or null.</param>
/// <param name="Rows">The row count as a size constant name (<c>DModel</c>, <c>KvDim</c>, <c>FfnDim</c>).</param>
/// <param name="Output">The vector its rows go to (<c>query</c>, <c>key</c>, <c>values</c>, <c>residual</c>, <c>hidden</c>).</param>
internal sealed record ProjectedMatrix(string Weight, string? Bias, string Rows, string Output);

/// <summary>
/// Matrix-vector products of one input with one or more matrices, fused into one pass over their rows
/// (they share the input), ending in <paramref name="Epilogue"/>.
/// </summary>
/// <param name="Name">The kernel's name, for example <c>ProjectQueryKeyValue</c>.</param>
/// <param name="Input">The input vector: <c>normalized</c>, <c>attention</c> or <c>hidden</c>.</param>
/// <param name="Columns">The input's length as a size constant name (<c>DModel</c> or <c>FfnDim</c>).</param>
/// <param name="Matrices">The matrices, in row order.</param>
/// <param name="Epilogue">What happens to the dot products.</param>
/// <param name="Description">The phrase for the block comment.</param>
internal sealed record ProjectionOperation(
    string Name,
    string Input,
    string Columns,
    EquatableArray<ProjectedMatrix> Matrices,
    Epilogue Epilogue,
    string Description) : LayerOperation
{
    /// <summary>Whether the matrices carry biases (all or none do).</summary>
    public bool Biased => Matrices[0].Bias is not null;

    public override string Phrase => Description;

    /// <summary>Output rows the kernel computes, for the worker pool's split: SwiGLU's gate and up rows pair up.</summary>
    public string RowsExpression => Epilogue switch
    {
        Epilogue.Store => Matrices.Count == 1 ? Matrices[0].Rows : JoinRows(),
        _ => Matrices[0].Rows,
    };

    /// <summary>Multiply-adds of one token through the whole projection.</summary>
    public long MultiplyAdds(ModelSpec spec)
    {
        long total = 0;
        foreach (ProjectedMatrix matrix in Matrices)
        {
            total += (long)spec.Size(matrix.Rows) * spec.Size(Columns);
        }

        return total;
    }

    private string JoinRows()
    {
        // "DModel + (2 * KvDim)" for the fused query/key/value rows, as a reader would write it.
        var parts = new System.Collections.Generic.List<string>();
        int i = 0;
        while (i < Matrices.Count)
        {
            int run = 1;
            while (i + run < Matrices.Count && Matrices[i + run].Rows == Matrices[i].Rows)
            {
                run++;
            }

            parts.Add(run == 1 ? Matrices[i].Rows : $"({run} * {Matrices[i].Rows})");
            i += run;
        }

        return string.Join(" + ", parts);
    }
}

/// <summary>
/// Rotary positions on the query and this position's key: each pair of dimensions of a head turns by an
/// angle that grows with the position (llama2.c's convention: adjacent pairs 2j, 2j + 1).
/// </summary>
internal sealed record RotaryOperation : LayerOperation
{
    public override string Phrase => "rotary positions";
}

/// <summary>This position's key and value into the layer's KV cache.</summary>
internal sealed record CacheKeyValueOperation : LayerOperation
{
    public override string Phrase => "keys and values into the cache";
}

/// <summary>
/// Causal multi-head attention over the cache: scores scaled by 1/sqrt(HeadDim), no later position seen,
/// softmax, weighted sum of values; query heads share key/value heads in groups.
/// </summary>
/// <param name="SlidingWindow">Positions a query sees, itself included, when fewer than Context (Mistral, Phi-3); 0 for every earlier position.</param>
internal sealed record AttentionOperation(int SlidingWindow) : LayerOperation
{
    public override string Phrase => SlidingWindow > 0 ? $"causal attention over the last {SlidingWindow} positions" : "causal attention";
}
