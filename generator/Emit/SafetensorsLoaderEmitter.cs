using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes <c>Load(path)</c> for a Hugging Face GPT-2 safetensors file: check config.json (when it sits
/// beside the weights) and every tensor's name, dtype and shape before reading any data, then read
/// the tensors into the kernels' layout (Conv1D weights transposed, c_attn split into query, key, value).
/// </summary>
internal static class SafetensorsLoaderEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        w.Line();
        using (w.Block($"partial class {spec.ClassName}"))
        {
            LoadMethodsEmitter.Emit(w, spec.ClassName, new[]
            {
                "Loads GPT-2 weights with Hugging Face names (with or without the <c>transformer.</c> prefix) from a",
                "<c>.safetensors</c> file, or from a folder holding <c>model.safetensors</c>. F32, F16 and BF16 are read",
                $"as float32. Throws <see cref=\"{Names.ModelLoadException}\"/> listing every missing or misshapen tensor at once.",
            });
            using (w.Block($"private static {spec.ClassName} LoadFrom(string path, {Names.LoadProgress} load)"))
            {
                w.Line($"using {Names.SafetensorsFile} file = {Names.SafetensorsFile}.OpenFileOrFolder(path, load);");
                w.Line($"{Names.HuggingFaceConfig}.TryLoadBeside(file.Path)?.CheckGpt2(DModel, Heads, Layers, Vocab, Context, FfnDim, NormEpsilon, TiedEmbeddings);");
                w.Line();
                w.Line("// The position table may be longer than the declared Context; only its first Context rows are used.");
                w.Line($"int positionRows = file.TryGetTensor(\"wpe.weight\", out {Names.SafetensorsTensorInfo} wpe) && wpe.Shape.Length == 2 && wpe.Shape[0] > Context ? wpe.Shape[0] : Context;");
                w.Line($"var expected = new {Names.List}<{Names.ExpectedTensor}>");
                w.Line("{");
                w.Line("    new(\"wte.weight\", new[] { Vocab, DModel }),");
                w.Line("    new(\"wpe.weight\", new[] { positionRows, DModel }),");
                w.Line("    new(\"ln_f.weight\", new[] { DModel }),");
                w.Line("    new(\"ln_f.bias\", new[] { DModel }),");
                w.Line("};");
                using (w.Block("for (int i = 0; i < Layers; i++)"))
                {
                    w.Line("expected.Add(new($\"h.{i}.ln_1.weight\", new[] { DModel }));");
                    w.Line("expected.Add(new($\"h.{i}.ln_1.bias\", new[] { DModel }));");
                    w.Line("expected.Add(new($\"h.{i}.attn.c_attn.weight\", new[] { DModel, DModel + (2 * KvDim) }));");
                    w.Line("expected.Add(new($\"h.{i}.attn.c_attn.bias\", new[] { DModel + (2 * KvDim) }));");
                    w.Line("expected.Add(new($\"h.{i}.attn.c_proj.weight\", new[] { DModel, DModel }));");
                    w.Line("expected.Add(new($\"h.{i}.attn.c_proj.bias\", new[] { DModel }));");
                    w.Line("expected.Add(new($\"h.{i}.ln_2.weight\", new[] { DModel }));");
                    w.Line("expected.Add(new($\"h.{i}.ln_2.bias\", new[] { DModel }));");
                    w.Line("expected.Add(new($\"h.{i}.mlp.c_fc.weight\", new[] { DModel, FfnDim }));");
                    w.Line("expected.Add(new($\"h.{i}.mlp.c_fc.bias\", new[] { FfnDim }));");
                    w.Line("expected.Add(new($\"h.{i}.mlp.c_proj.weight\", new[] { FfnDim, DModel }));");
                    w.Line("expected.Add(new($\"h.{i}.mlp.c_proj.bias\", new[] { DModel }));");
                }

                if (!spec.TiedEmbeddings)
                {
                    w.Line("expected.Add(new(\"lm_head.weight\", new[] { Vocab, DModel }));");
                }

                w.Line("file.Validate(expected);");
                w.Line();
                w.Line($"{Names.WeightTensor} tokenEmbedding = {Names.SafetensorsWeights}.Read(file, \"wte.weight\", \"tokenEmbedding\", new[] {{ Vocab, DModel }});");
                w.Line($"{Names.WeightTensor} positionEmbedding = {Names.SafetensorsWeights}.ReadLeadingRows(file, \"wpe.weight\", \"positionEmbedding\", positionRows, Context, DModel);");
                w.Line("var layers = new LayerWeights[Layers];");
                using (w.Block("for (int i = 0; i < Layers; i++)"))
                {
                    w.Line("string h = $\"h.{i}.\";");
                    w.Line("string name = $\"layers[{i}].\";");
                    w.Line("// c_attn holds query, key and value side by side: split it, transposed to [out, in].");
                    w.Line($"{Names.WeightTensor}[] queryKeyValue = {Names.SafetensorsWeights}.ReadConv1DSplit(file, h + \"attn.c_attn.weight\", new[] {{ name + \"query\", name + \"key\", name + \"value\" }}, DModel, DModel);");
                    w.Line($"{Names.WeightTensor}[] queryKeyValueBias = {Names.SafetensorsWeights}.ReadSplit(file, h + \"attn.c_attn.bias\", new[] {{ name + \"queryBias\", name + \"keyBias\", name + \"valueBias\" }}, DModel);");
                    w.Line("layers[i] = new LayerWeights(");
                    w.Line($"    attentionNorm: {Names.SafetensorsWeights}.Read(file, h + \"ln_1.weight\", name + \"attentionNorm\", new[] {{ DModel }}),");
                    w.Line($"    attentionNormBias: {Names.SafetensorsWeights}.Read(file, h + \"ln_1.bias\", name + \"attentionNormBias\", new[] {{ DModel }}),");
                    w.Line("    query: queryKeyValue[0],");
                    w.Line("    queryBias: queryKeyValueBias[0],");
                    w.Line("    key: queryKeyValue[1],");
                    w.Line("    keyBias: queryKeyValueBias[1],");
                    w.Line("    value: queryKeyValue[2],");
                    w.Line("    valueBias: queryKeyValueBias[2],");
                    w.Line($"    output: {Names.SafetensorsWeights}.ReadConv1D(file, h + \"attn.c_proj.weight\", name + \"output\", DModel, DModel),");
                    w.Line($"    outputBias: {Names.SafetensorsWeights}.Read(file, h + \"attn.c_proj.bias\", name + \"outputBias\", new[] {{ DModel }}),");
                    w.Line($"    ffnNorm: {Names.SafetensorsWeights}.Read(file, h + \"ln_2.weight\", name + \"ffnNorm\", new[] {{ DModel }}),");
                    w.Line($"    ffnNormBias: {Names.SafetensorsWeights}.Read(file, h + \"ln_2.bias\", name + \"ffnNormBias\", new[] {{ DModel }}),");
                    w.Line($"    up: {Names.SafetensorsWeights}.ReadConv1D(file, h + \"mlp.c_fc.weight\", name + \"up\", DModel, FfnDim),");
                    w.Line($"    upBias: {Names.SafetensorsWeights}.Read(file, h + \"mlp.c_fc.bias\", name + \"upBias\", new[] {{ FfnDim }}),");
                    w.Line($"    down: {Names.SafetensorsWeights}.ReadConv1D(file, h + \"mlp.c_proj.weight\", name + \"down\", FfnDim, DModel),");
                    w.Line($"    downBias: {Names.SafetensorsWeights}.Read(file, h + \"mlp.c_proj.bias\", name + \"downBias\", new[] {{ DModel }}));");
                }

                w.Line($"{Names.WeightTensor} finalNorm = {Names.SafetensorsWeights}.Read(file, \"ln_f.weight\", \"finalNorm\", new[] {{ DModel }});");
                w.Line($"{Names.WeightTensor} finalNormBias = {Names.SafetensorsWeights}.Read(file, \"ln_f.bias\", \"finalNormBias\", new[] {{ DModel }});");
                if (spec.TiedEmbeddings)
                {
                    w.Line($"return new {spec.ClassName}(new ModelWeights(tokenEmbedding, positionEmbedding, finalNorm, finalNormBias, layers));");
                }
                else
                {
                    w.Line($"{Names.WeightTensor} unembedding = {Names.SafetensorsWeights}.Read(file, \"lm_head.weight\", \"unembedding\", new[] {{ Vocab, DModel }});");
                    w.Line($"return new {spec.ClassName}(new ModelWeights(tokenEmbedding, positionEmbedding, finalNorm, finalNormBias, layers, unembedding));");
                }
            }
        }
    }
}
