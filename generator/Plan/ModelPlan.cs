using Codegen.Generator.Model;

namespace Codegen.Generator.Plan;

/// <summary>One residual block of a layer: its operations in order, the last one adding back into the residual stream.</summary>
/// <param name="Name">"Attention" or "MLP".</param>
internal sealed record ResidualBlock(string Name, EquatableArray<LayerOperation> Operations)
{
    /// <summary>The comment over the block: its name and what it does, in order.</summary>
    public string Summary
    {
        get
        {
            var phrases = new System.Collections.Generic.List<string>();
            foreach (LayerOperation operation in Operations)
            {
                phrases.Add(operation.Phrase);
            }

            return $"{Name} block: {string.Join(", ", phrases)}.";
        }
    }
}

/// <summary>
/// The whole model as the backends lower it: how the residual stream starts, one layer (every layer has
/// the same operations, with its own weights) and how the last vector becomes logits.
/// </summary>
/// <param name="LearnedPositions">The residual stream starts as token embedding plus a learned position embedding (GPT-2).</param>
/// <param name="Attention">The attention block of a layer.</param>
/// <param name="Mlp">The MLP block of a layer.</param>
/// <param name="FinalNorm">The norm before the unembedding.</param>
internal sealed record ModelPlan(bool LearnedPositions, ResidualBlock Attention, ResidualBlock Mlp, NormOperation FinalNorm)
{
    /// <summary>Both blocks of a layer, in order.</summary>
    public ResidualBlock[] Blocks => new[] { Attention, Mlp };

    public bool Has<T>()
        where T : LayerOperation
    {
        foreach (ResidualBlock block in Blocks)
        {
            foreach (LayerOperation operation in block.Operations)
            {
                if (operation is T)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The layer's projections, in order.</summary>
    public System.Collections.Generic.IEnumerable<ProjectionOperation> Projections
    {
        get
        {
            foreach (ResidualBlock block in Blocks)
            {
                foreach (LayerOperation operation in block.Operations)
                {
                    if (operation is ProjectionOperation projection)
                    {
                        yield return projection;
                    }
                }
            }
        }
    }

    /// <summary>Whether any norm of the model (a layer's or the final one) is of <paramref name="kind"/>: its kernel is written once if so.</summary>
    public bool Uses(NormKind kind)
    {
        if (FinalNorm.Kind == kind)
        {
            return true;
        }

        foreach (ResidualBlock block in Blocks)
        {
            foreach (LayerOperation operation in block.Operations)
            {
                if (operation is NormOperation norm && norm.Kind == kind)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
