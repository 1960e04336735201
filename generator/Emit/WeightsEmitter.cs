using System.Collections.Generic;
using System.Linq;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the strongly typed weights: one class for a layer's tensors and one for the whole model,
/// one member per tensor, each checked against its declared shape on construction.
/// </summary>
internal static class WeightsEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        IReadOnlyList<TensorDefinition> perLayer = TensorCatalog.PerLayer(spec);
        IReadOnlyList<TensorDefinition> global = TensorCatalog.Global(spec.Family);
        MatrixCode matrices = MatrixCode.For(spec);
        MatrixCode unembeddingMatrix = MatrixCode.ForUnembedding(spec);

        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>The weights of one transformer layer, immutable after load.</summary>");
            w.Line(Names.GeneratedCodeAttribute);
            using (w.Block("public sealed class LayerWeights"))
            {
                w.Line("/// <summary>Wraps one layer's tensors, checking that each has its declared shape.</summary>");
                using (w.Block($"public LayerWeights({Parameters(perLayer)})"))
                {
                    foreach (TensorDefinition tensor in perLayer)
                    {
                        string checkedTensor = $"{Names.WeightTensor}.RequireShape({tensor.CamelCase}, \"{tensor.CamelCase}\", {tensor.ShapeExpression})";
                        w.Line($"{tensor.Member} = {(tensor.IsProjection ? matrices.FromFloat32(checkedTensor) : checkedTensor)};");
                    }
                }

                foreach (TensorDefinition tensor in perLayer)
                {
                    w.Line();
                    w.Line($"/// <summary>{tensor.Description} Shape [{string.Join(", ", tensor.Shape)}].</summary>");
                    w.Line($"public {(tensor.IsProjection ? matrices.TypeName : Names.WeightTensor)} {tensor.Member} {{ get; }}");
                }
            }

            w.Line();
            w.Line("/// <summary>All weights of the model, immutable after load and shareable by many sessions.</summary>");
            w.Line(Names.GeneratedCodeAttribute);
            using (w.Block("public sealed class ModelWeights"))
            {
                string unembeddingParameter = spec.TiedEmbeddings ? string.Empty : $", {Names.WeightTensor} unembedding";
                w.Line("/// <summary>Wraps the model's tensors, checking every shape and the number of layers.</summary>");
                using (w.Block($"public ModelWeights({Parameters(global)}, {Names.IReadOnlyList}<LayerWeights> layers{unembeddingParameter})"))
                {
                    foreach (TensorDefinition tensor in global)
                    {
                        w.Line($"{tensor.Member} = {Names.WeightTensor}.RequireShape({tensor.CamelCase}, \"{tensor.CamelCase}\", {tensor.ShapeExpression});");
                    }

                    w.Line($"{Names.ArgumentNullException}.ThrowIfNull(layers);");
                    using (w.Block($"if (layers.Count != {spec.ClassName}.Layers)"))
                    {
                        w.Line($"throw new {Names.ArgumentException}($\"The model has {{{spec.ClassName}.Layers}} layers but {{layers.Count}} were given.\", nameof(layers));");
                    }

                    w.Line($"var copied = new LayerWeights[{spec.ClassName}.Layers];");
                    using (w.Block($"for (int layer = 0; layer < {spec.ClassName}.Layers; layer++)"))
                    {
                        w.Line($"copied[layer] = layers[layer] ?? throw new {Names.ArgumentException}($\"Layer {{layer}} is null.\", nameof(layers));");
                    }

                    w.Line("Layers = copied;");
                    w.Line(spec.TiedEmbeddings
                        ? $"Unembedding = {unembeddingMatrix.FromFloat32("TokenEmbedding")}; // tied: the unembedding is the token embedding"
                        : $"Unembedding = {unembeddingMatrix.FromFloat32($"{Names.WeightTensor}.RequireShape(unembedding, \"unembedding\", new[] {{ Vocab, DModel }})")};");
                }

                foreach (TensorDefinition tensor in global)
                {
                    w.Line();
                    w.Line($"/// <summary>{tensor.Description} Shape [{string.Join(", ", tensor.Shape)}].</summary>");
                    w.Line($"public {Names.WeightTensor} {tensor.Member} {{ get; }}");
                }

                w.Line();
                w.Line("/// <summary>The layers, first to last.</summary>");
                w.Line($"public {Names.IReadOnlyList}<LayerWeights> Layers {{ get; }}");
                w.Line();
                string tiedNote = spec.TiedEmbeddings
                    ? (unembeddingMatrix.IsFloat32 ? " The same tensor as the token embedding." : " The token embedding, converted.")
                    : string.Empty;
                w.Line($"/// <summary>{TensorCatalog.Unembedding.Description} Shape [Vocab, DModel].{tiedNote}</summary>");
                w.Line($"public {unembeddingMatrix.TypeName} Unembedding {{ get; }}");
            }
        }
    }

    private static string Parameters(IEnumerable<TensorDefinition> tensors) =>
        string.Join(", ", tensors.Select(t => $"{Names.WeightTensor} {t.CamelCase}"));
}
