using System.Collections.Generic;

namespace Codegen.Generator.Emit;

/// <summary>
/// One layer of a prefill chunk, step by step in the order the steps run; each family fills in its own
/// norms, per-token work after the query/key/value products, and MLP (see <see cref="CpuPrefillEmitter.EmitLayer"/>).
/// </summary>
/// <param name="AttentionComment">The two comment lines over the attention block.</param>
/// <param name="AttentionNorm">The norm of every token's residual row before attention.</param>
/// <param name="QueryKeyValue">The query, key and value products of the chunk.</param>
/// <param name="StoreKeysAndValues">What each token's query, key and value need before attention (rotary positions or biases), then the cache stores.</param>
/// <param name="Output">The output projection, added back into the residual stream.</param>
/// <param name="MlpComment">The comment line over the MLP block.</param>
/// <param name="MlpNorm">The norm of every token's residual row before the MLP.</param>
/// <param name="Mlp">The MLP's first products with their activation.</param>
/// <param name="Down">The down projection, added back into the residual stream.</param>
internal sealed record PrefillLayerSteps(
    string[] AttentionComment,
    CpuStep AttentionNorm,
    CpuStep QueryKeyValue,
    CpuStep StoreKeysAndValues,
    CpuStep Output,
    string MlpComment,
    CpuStep MlpNorm,
    CpuStep Mlp,
    CpuStep Down)
{
    /// <summary>Every step, for the session's fields and bindings.</summary>
    public IReadOnlyList<CpuStep> All => new[] { AttentionNorm, QueryKeyValue, StoreKeysAndValues, Output, MlpNorm, Mlp, Down };
}
