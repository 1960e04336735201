using System.Collections.Immutable;
using Codegen.Generator.Model;

namespace Codegen.Generator.Plan;

/// <summary>
/// Builds a model's plan from its spec: the one place that says, per family, which operations a layer
/// has. A new variant (a bias, another norm or activation) is a change here, plus at most one new
/// operation per backend.
/// </summary>
internal static class ModelPlanBuilder
{
    public static ModelPlan Build(ModelSpec spec) => spec.Family switch
    {
        Family.Gpt2 => Gpt2(),
        _ => Llama(spec),
    };

    /// <summary>Llama: RMSNorm, rotary positions, SwiGLU; biases only where the config asks (Qwen2's query/key/value, Llama's attention_bias).</summary>
    private static ModelPlan Llama(ModelSpec spec) => new(
        LearnedPositions: false,
        new ResidualBlock("Attention", Operations(
            new NormOperation(NormKind.RmsNorm, "AttentionNorm", null),
            QueryKeyValue(biased: spec.QueryKeyValueBias),
            new RotaryOperation(),
            new CacheKeyValueOperation(),
            new AttentionOperation(spec.SlidingWindow),
            AddBack("ProjectOutputAddResidual", "attention", "DModel", "Output", biased: spec.OutputBias, spec.OutputBias ? "output projection plus bias added back" : "output projection added back"))),
        new ResidualBlock("MLP", Operations(
            new NormOperation(NormKind.RmsNorm, "FfnNorm", null),
            new ProjectionOperation(
                "ProjectGateUpSwiGlu",
                "normalized",
                "DModel",
                Matrices(new[]
                {
                    new ProjectedMatrix("Gate", null, "FfnDim", "hidden"),
                    new ProjectedMatrix("Up", null, "FfnDim", "hidden"),
                }),
                Epilogue.SwiGlu,
                "SwiGLU: silu(gate . x) * (up . x)"),
            AddBack("ProjectDownAddResidual", "hidden", "FfnDim", "Down", biased: false, "down projection added back"))),
        new NormOperation(NormKind.RmsNorm, "FinalNorm", null));

    /// <summary>GPT-2: LayerNorm with bias, biases on every projection, learned positions, GELU.</summary>
    private static ModelPlan Gpt2() => new(
        LearnedPositions: true,
        new ResidualBlock("Attention", Operations(
            new NormOperation(NormKind.LayerNorm, "AttentionNorm", "AttentionNormBias"),
            QueryKeyValue(biased: true),
            new CacheKeyValueOperation(),
            new AttentionOperation(SlidingWindow: 0),
            AddBack("ProjectOutputAddResidual", "attention", "DModel", "Output", biased: true, "output projection plus bias added back"))),
        new ResidualBlock("MLP", Operations(
            new NormOperation(NormKind.LayerNorm, "FfnNorm", "FfnNormBias"),
            new ProjectionOperation(
                "ProjectUpGelu",
                "normalized",
                "DModel",
                Matrices(new[] { new ProjectedMatrix("Up", "UpBias", "FfnDim", "hidden") }),
                Epilogue.Gelu,
                "up projection plus bias with GELU"),
            AddBack("ProjectDownAddResidual", "hidden", "FfnDim", "Down", biased: true, "down projection plus bias added back"))),
        new NormOperation(NormKind.LayerNorm, "FinalNorm", "FinalNormBias"));

    /// <summary>The query, key and value projections in one pass over the normalized vector; the value goes straight into the cache.</summary>
    private static ProjectionOperation QueryKeyValue(bool biased) => new(
        "ProjectQueryKeyValue",
        "normalized",
        "DModel",
        Matrices(new[]
        {
            new ProjectedMatrix("Query", biased ? "QueryBias" : null, "DModel", "query"),
            new ProjectedMatrix("Key", biased ? "KeyBias" : null, "KvDim", "key"),
            new ProjectedMatrix("Value", biased ? "ValueBias" : null, "KvDim", "values"),
        }),
        Epilogue.Store,
        biased ? "query/key/value projections plus biases in one pass" : "query/key/value projections in one pass");

    private static ProjectionOperation AddBack(string name, string input, string columns, string matrix, bool biased, string description) => new(
        name,
        input,
        columns,
        Matrices(new[] { new ProjectedMatrix(matrix, biased ? matrix + "Bias" : null, "DModel", "residual") }),
        Epilogue.AddToResidual,
        description);

    private static EquatableArray<ProjectedMatrix> Matrices(ProjectedMatrix[] matrices) => new(matrices.ToImmutableArray());

    private static EquatableArray<LayerOperation> Operations(params LayerOperation[] operations) => new(operations.ToImmutableArray());
}
