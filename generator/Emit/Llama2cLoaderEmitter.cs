using System.Collections.Generic;
using System.Linq;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes <c>Load(path)</c> for a llama2.c checkpoint (version 0): check every header field and the
/// file length against the declared shape, then read the tensors in the file's order.
/// </summary>
internal static class Llama2cLoaderEmitter
{
    /// <summary>Tensors in the order llama2.c writes them (the RoPE tables follow, then the classifier if not shared).</summary>
    private static readonly string[] FileOrder =
    {
        "TokenEmbedding", "AttentionNorm", "Query", "Key", "Value", "Output", "FfnNorm", "Gate", "Down", "Up", "FinalNorm",
    };

    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        var tensors = TensorCatalog.Global(spec.Family).Concat(TensorCatalog.PerLayer(spec))
            .ToDictionary(t => t.Member);
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>float32 values of every stored weight tensor, without the RoPE tables and classifier.</summary>");
            IEnumerable<string> counts = FileOrder.Select(name => tensors[name])
                .Select(t => t.PerLayer ? $"((long)Layers * {t.CountExpression})" : $"((long){t.CountExpression})");
            w.Line($"private const long Llama2cWeightValues = {string.Join(" + ", counts)};");
            w.Line();
            LoadMethodsEmitter.Emit(w, spec.ClassName, new[]
            {
                $"Loads a Hugging Face folder (or .safetensors file), a llama2.c checkpoint or a GGUF file of exactly this shape. Throws <see cref=\"{Names.ModelLoadException}\"/>",
                "naming the field or key and both values when the file disagrees with the declaration, and when a",
                "checkpoint's length is not what the declared shape needs.",
            });
            using (w.Block($"private static {spec.ClassName} LoadFrom(string path, {Names.LoadProgress} load)"))
            {
                w.Line($"{Names.ArgumentException}.ThrowIfNullOrWhiteSpace(path);");
                using (w.Block($"if ({Names.Directory}.Exists(path) || path.EndsWith(\".safetensors\", {Names.StringComparison}.OrdinalIgnoreCase))"))
                {
                    w.Line("return LoadHuggingFace(path, load);");
                }

                if (spec.QueryKeyValueBias || spec.OutputBias)
                {
                    w.Line();
                    w.Line("// llama2.c checkpoints and llama GGUF files hold no projection biases, which this model has.");
                    w.Line($"throw new {Names.ModelLoadException}(path, \"this model has biases on its attention projections, which llama2.c checkpoints and llama GGUF files do not hold; load a Hugging Face folder (config.json and model.safetensors)\");");
                    return;
                }

                using (w.Block($"if ({Names.GgufLlamaWeights}.IsGguf(path))"))
                {
                    w.Line($"var gguf = {Names.GgufLlamaWeights}.Read(path, new {Names.GgufLlamaShape}(DModel, FfnDim, Layers, Heads, KvHeads, Vocab, Context, NormEpsilon, RopeTheta, TiedEmbeddings, {Names.WeightFormat}.{spec.Weights}), load);");
                    w.Line("return Assemble(gguf.TokenEmbedding, gguf.AttentionNorm, gguf.Query, gguf.Key, gguf.Value, gguf.Output, gguf.FfnNorm, gguf.Gate, gguf.Down, gguf.Up, gguf.FinalNorm, gguf.Unembedding);");
                }

                w.Line($"using var checkpoint = {Names.Llama2cCheckpoint}.Open(path, load);");
                w.Line($"{Names.Llama2cHeader} header = checkpoint.Header;");
                w.Line("checkpoint.RequireField(\"dim\", header.Dim, DModel);");
                w.Line("checkpoint.RequireField(\"hidden_dim\", header.HiddenDim, FfnDim);");
                w.Line("checkpoint.RequireField(\"n_layers\", header.Layers, Layers);");
                w.Line("checkpoint.RequireField(\"n_heads\", header.Heads, Heads);");
                w.Line("checkpoint.RequireField(\"n_kv_heads\", header.KvHeads, KvHeads);");
                w.Line("checkpoint.RequireVocabSize(Vocab);");
                w.Line("checkpoint.RequireClassifierLayout(TiedEmbeddings);");
                w.Line("checkpoint.RequireContextAtMost(Context);");
                w.Line("long rotaryTableValues = checkpoint.RotaryTableValues(HeadDim); // unused: RoPE is computed");
                w.Line("long classifierValues = TiedEmbeddings ? 0 : (long)Vocab * DModel;");
                w.Line("checkpoint.RequireTensorBytes(Llama2cWeightValues + rotaryTableValues + classifierValues);");
                w.Line();
                foreach (string name in FileOrder)
                {
                    TensorDefinition tensor = tensors[name];
                    w.Line(tensor.PerLayer
                        ? $"{Names.WeightTensor}[] {tensor.CamelCase} = checkpoint.ReadPerLayer(\"{tensor.CamelCase}\", Layers, {tensor.ShapeExpression});"
                        : $"{Names.WeightTensor} {tensor.CamelCase} = checkpoint.Read(\"{tensor.CamelCase}\", {tensor.ShapeExpression});");
                }

                w.Line("checkpoint.Skip(rotaryTableValues);");
                if (!spec.TiedEmbeddings)
                {
                    w.Line($"{Names.WeightTensor} unembedding = checkpoint.Read(\"unembedding\", new[] {{ Vocab, DModel }});");
                }

                string unembedding = spec.TiedEmbeddings ? "unembedding: null" : "unembedding";
                w.Line($"return Assemble({string.Join(", ", FileOrder.Select(name => tensors[name].CamelCase))}, {unembedding});");
            }

            w.Line();
            string parameters = string.Join(", ", FileOrder.Select(name => tensors[name])
                .Select(t => $"{Names.WeightTensor}{(t.PerLayer ? "[]" : string.Empty)} {t.CamelCase}"));
            using (w.Block($"private static {spec.ClassName} Assemble({parameters}, {Names.WeightTensor}? unembedding)"))
            {
                w.Line("var layers = new LayerWeights[Layers];");
                using (w.Block("for (int layer = 0; layer < Layers; layer++)"))
                {
                    string arguments = string.Join(", ", TensorCatalog.PerLayer(spec).Select(t => $"{t.CamelCase}[layer]"));
                    w.Line($"layers[layer] = new LayerWeights({arguments});");
                }

                string globals = string.Join(", ", TensorCatalog.Global(spec.Family).Select(t => t.CamelCase));
                string unembeddingArgument = spec.TiedEmbeddings ? string.Empty : ", unembedding!";
                w.Line($"return new {spec.ClassName}(new ModelWeights({globals}, layers{unembeddingArgument}));");
            }
        }
    }
}
