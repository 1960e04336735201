namespace Codegen.Inspection;

/// <summary>The two residual blocks of a layer: each adds its result back into the residual stream.</summary>
public enum ResidualBlockKind
{
    /// <summary>The attention block: norm, query/key/value, attention, output projection added back.</summary>
    Attention,

    /// <summary>The MLP block: norm, the MLP, its down projection added back.</summary>
    Mlp,
}
