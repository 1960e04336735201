using System.Collections.Generic;

namespace Codegen.Generator.Model;

/// <summary>
/// One weight tensor of a model family, in the model's own terms: its member name on the generated
/// weights class, what it is, and its shape as the names of generated size constants.
/// </summary>
internal sealed record TensorDefinition(string Member, string Description, string[] Shape, bool PerLayer)
{
    /// <summary>The runtime name used in error messages, for example <c>layers[3].query</c>.</summary>
    public string RuntimeName(string layerIndexExpression) =>
        PerLayer ? $"$\"layers[{{{layerIndexExpression}}}].{CamelCase}\"" : $"\"{CamelCase}\"";

    /// <summary>A projection matrix: stored in the model's weight format rather than always float32.</summary>
    public bool IsProjection => PerLayer && Shape.Length == 2;

    public string CamelCase => char.ToLowerInvariant(Member[0]) + Member.Substring(1);

    /// <summary>The shape as a C# array expression of constants, for example <c>new[] { Vocab, DModel }</c>.</summary>
    public string ShapeExpression => "new[] { " + string.Join(", ", Shape) + " }";

    /// <summary>The element count as a C# expression of constants.</summary>
    public string CountExpression => string.Join(" * ", Shape);
}

/// <summary>Where each family's tensors are listed: the one place that says what a family's weights are.</summary>
internal static class TensorCatalog
{
    public static IReadOnlyList<TensorDefinition> Global(Family family) => family switch
    {
        Family.Gpt2 => new[]
        {
            new TensorDefinition("TokenEmbedding", "Token embedding: row t is the vector of token t.", new[] { "Vocab", "DModel" }, false),
            new TensorDefinition("PositionEmbedding", "Learned position embedding: row p is added to the token vector at position p.", new[] { "Context", "DModel" }, false),
            new TensorDefinition("FinalNorm", "Final LayerNorm scale, applied before the unembedding.", new[] { "DModel" }, false),
            new TensorDefinition("FinalNormBias", "Final LayerNorm bias.", new[] { "DModel" }, false),
        },
        _ => new[]
        {
            new TensorDefinition("TokenEmbedding", "Token embedding: row t is the vector of token t.", new[] { "Vocab", "DModel" }, false),
            new TensorDefinition("FinalNorm", "Final RMSNorm weight, applied before the unembedding.", new[] { "DModel" }, false),
        },
    };

    /// <summary>A layer's tensors: the family's, with the biases the spec asks for (Qwen2's query/key/value biases, Llama's attention_bias).</summary>
    public static IReadOnlyList<TensorDefinition> PerLayer(ModelSpec spec)
    {
        if (spec.Family == Family.Gpt2)
        {
            return Gpt2Layer;
        }

        var tensors = new List<TensorDefinition>
        {
            new("AttentionNorm", "RMSNorm weight before attention.", new[] { "DModel" }, true),
            new("Query", "Query projection [out, in].", new[] { "DModel", "DModel" }, true),
        };
        if (spec.QueryKeyValueBias)
        {
            tensors.Add(new("QueryBias", "Query bias.", new[] { "DModel" }, true));
        }

        tensors.Add(new("Key", "Key projection [out, in].", new[] { "KvDim", "DModel" }, true));
        if (spec.QueryKeyValueBias)
        {
            tensors.Add(new("KeyBias", "Key bias.", new[] { "KvDim" }, true));
        }

        tensors.Add(new("Value", "Value projection [out, in].", new[] { "KvDim", "DModel" }, true));
        if (spec.QueryKeyValueBias)
        {
            tensors.Add(new("ValueBias", "Value bias.", new[] { "KvDim" }, true));
        }

        tensors.Add(new("Output", "Attention output projection [out, in].", new[] { "DModel", "DModel" }, true));
        if (spec.OutputBias)
        {
            tensors.Add(new("OutputBias", "Attention output bias.", new[] { "DModel" }, true));
        }

        tensors.Add(new("FfnNorm", "RMSNorm weight before the MLP.", new[] { "DModel" }, true));
        tensors.Add(new("Gate", "SwiGLU gate projection [out, in].", new[] { "FfnDim", "DModel" }, true));
        tensors.Add(new("Up", "SwiGLU up projection [out, in].", new[] { "FfnDim", "DModel" }, true));
        tensors.Add(new("Down", "MLP down projection [out, in].", new[] { "DModel", "FfnDim" }, true));
        return tensors;
    }

    private static readonly TensorDefinition[] Gpt2Layer =
    {
        new("AttentionNorm", "LayerNorm scale before attention.", new[] { "DModel" }, true),
        new("AttentionNormBias", "LayerNorm bias before attention.", new[] { "DModel" }, true),
        new("Query", "Query projection [out, in].", new[] { "DModel", "DModel" }, true),
        new("QueryBias", "Query bias.", new[] { "DModel" }, true),
        new("Key", "Key projection [out, in].", new[] { "KvDim", "DModel" }, true),
        new("KeyBias", "Key bias.", new[] { "KvDim" }, true),
        new("Value", "Value projection [out, in].", new[] { "KvDim", "DModel" }, true),
        new("ValueBias", "Value bias.", new[] { "KvDim" }, true),
        new("Output", "Attention output projection [out, in].", new[] { "DModel", "DModel" }, true),
        new("OutputBias", "Attention output bias.", new[] { "DModel" }, true),
        new("FfnNorm", "LayerNorm scale before the MLP.", new[] { "DModel" }, true),
        new("FfnNormBias", "LayerNorm bias before the MLP.", new[] { "DModel" }, true),
        new("Up", "MLP up projection [out, in].", new[] { "FfnDim", "DModel" }, true),
        new("UpBias", "MLP up bias.", new[] { "FfnDim" }, true),
        new("Down", "MLP down projection [out, in].", new[] { "DModel", "FfnDim" }, true),
        new("DownBias", "MLP down bias.", new[] { "DModel" }, true),
    };

    /// <summary>The unembedding: its own tensor, or the token embedding when the two are tied.</summary>
    public static TensorDefinition Unembedding { get; } =
        new("Unembedding", "Unembedding: turns the final vector into one logit per token.", new[] { "Vocab", "DModel" }, false);
}
