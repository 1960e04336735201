using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes <c>LoadHuggingFace(path)</c> for a Llama-family model: a Hugging Face folder (config.json with
/// model.safetensors, or shards and model.safetensors.index.json) with transformers' tensor names. The config is
/// checked against the declaration, every tensor's name, dtype and shape before any data is read; then the
/// tensors are read into the kernels' layout: query and key rows reordered from Hugging Face's rotate-half pairs
/// to the kernels' adjacent pairs, and Phi-3's fused qkv_proj and gate_up_proj split.
/// </summary>
internal static class HuggingFaceLoaderEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>");
            w.Line("/// Loads a Hugging Face folder (or one .safetensors file): F32, F16 or BF16 tensors with transformers' names,");
            w.Line("/// separate or fused (Phi-3's qkv_proj and gate_up_proj). A config.json beside the weights must agree with this");
            w.Line($"/// declaration. Throws <see cref=\"{Names.ModelLoadException}\"/> listing every missing or misshapen tensor at once.");
            w.Line("/// </summary>");
            using (w.Block($"private static {spec.ClassName} LoadHuggingFace(string path, {Names.LoadProgress} load)"))
            {
                w.Line($"using {Names.SafetensorsCheckpoint} checkpoint = {Names.SafetensorsCheckpoint}.Open(path, load);");
                EmitConfigCheck(w, spec);
                w.Line("bool fused = checkpoint.TryGetTensor(\"model.layers.0.self_attn.qkv_proj.weight\", out _);");
                w.Line();
                EmitExpectedTensors(w, spec);
                w.Line("checkpoint.Validate(expected);");
                w.Line();
                EmitReads(w, spec);
            }
        }
    }

    /// <summary>The config check: the declared shape, with the window and rotary scaling only where the model has them (their defaults are none).</summary>
    private static void EmitConfigCheck(IndentedWriter w, ModelSpec spec)
    {
        var arguments = new System.Collections.Generic.List<string>
        {
            "DModel, FfnDim, Layers, Heads, KvHeads, Vocab, Context, NormEpsilon, RopeTheta, TiedEmbeddings",
            $"AttentionBias: {Literals.Bool(spec.QueryKeyValueBias)}",
            $"OutputBias: {Literals.Bool(spec.OutputBias)}",
        };
        if (spec.SlidingWindow > 0)
        {
            arguments.Add("SlidingWindow: SlidingWindow");
        }

        if (spec.RopeScaling is { } scaling)
        {
            arguments.Add($"RopeScalingType: \"{scaling.Type}\"");
            arguments.Add("Factor: (float)RopeScalingFactor");
            if (scaling.Type == RopeScaling.Llama3)
            {
                arguments.Add("LowFreqFactor: (float)RopeLowFrequencyFactor");
                arguments.Add("HighFreqFactor: (float)RopeHighFrequencyFactor");
                arguments.Add("OriginalContext: RopeOriginalContext");
            }
        }

        w.Line($"{Names.HuggingFaceLlamaConfig}.CheckLlamaFamily(checkpoint.Path, new {Names.LlamaFamilyShape}(");
        for (int i = 0; i < arguments.Count; i++)
        {
            w.Line($"    {arguments[i]}{(i + 1 < arguments.Count ? "," : "));")}");
        }
    }

    private static void EmitExpectedTensors(IndentedWriter w, ModelSpec spec)
    {
        w.Line($"var expected = new {Names.List}<{Names.ExpectedTensor}>");
        w.Line("{");
        w.Line("    new(\"model.embed_tokens.weight\", new[] { Vocab, DModel }),");
        w.Line("    new(\"model.norm.weight\", new[] { DModel }),");
        w.Line("};");
        using (w.Block("for (int i = 0; i < Layers; i++)"))
        {
            w.Line("string layer = $\"model.layers.{i}.\";");
            w.Line("expected.Add(new(layer + \"input_layernorm.weight\", new[] { DModel }));");
            using (w.Block("if (fused)"))
            {
                w.Line("expected.Add(new(layer + \"self_attn.qkv_proj.weight\", new[] { DModel + (2 * KvDim), DModel }));");
                if (spec.QueryKeyValueBias)
                {
                    w.Line("expected.Add(new(layer + \"self_attn.qkv_proj.bias\", new[] { DModel + (2 * KvDim) }));");
                }

                w.Line("expected.Add(new(layer + \"mlp.gate_up_proj.weight\", new[] { 2 * FfnDim, DModel }));");
            }

            using (w.Block("else"))
            {
                w.Line("expected.Add(new(layer + \"self_attn.q_proj.weight\", new[] { DModel, DModel }));");
                w.Line("expected.Add(new(layer + \"self_attn.k_proj.weight\", new[] { KvDim, DModel }));");
                w.Line("expected.Add(new(layer + \"self_attn.v_proj.weight\", new[] { KvDim, DModel }));");
                if (spec.QueryKeyValueBias)
                {
                    w.Line("expected.Add(new(layer + \"self_attn.q_proj.bias\", new[] { DModel }));");
                    w.Line("expected.Add(new(layer + \"self_attn.k_proj.bias\", new[] { KvDim }));");
                    w.Line("expected.Add(new(layer + \"self_attn.v_proj.bias\", new[] { KvDim }));");
                }

                w.Line("expected.Add(new(layer + \"mlp.gate_proj.weight\", new[] { FfnDim, DModel }));");
                w.Line("expected.Add(new(layer + \"mlp.up_proj.weight\", new[] { FfnDim, DModel }));");
            }

            w.Line("expected.Add(new(layer + \"self_attn.o_proj.weight\", new[] { DModel, DModel }));");
            if (spec.OutputBias)
            {
                w.Line("expected.Add(new(layer + \"self_attn.o_proj.bias\", new[] { DModel }));");
            }

            w.Line("expected.Add(new(layer + \"post_attention_layernorm.weight\", new[] { DModel }));");
            w.Line("expected.Add(new(layer + \"mlp.down_proj.weight\", new[] { DModel, FfnDim }));");
        }

        if (!spec.TiedEmbeddings)
        {
            w.Line("expected.Add(new(\"lm_head.weight\", new[] { Vocab, DModel }));");
        }
    }

    private static void EmitReads(IndentedWriter w, ModelSpec spec)
    {
        string read = Names.HuggingFaceWeights;
        w.Line("var layers = new LayerWeights[Layers];");
        using (w.Block("for (int i = 0; i < Layers; i++)"))
        {
            w.Line("string layer = $\"model.layers.{i}.\";");
            w.Line("string name = $\"layers[{i}].\";");
            w.Line("// Fused files keep query, key and value rows in one matrix (and gate and up rows in another): split them.");
            w.Line("string query = fused ? layer + \"self_attn.qkv_proj.weight\" : layer + \"self_attn.q_proj.weight\";");
            w.Line("string key = fused ? query : layer + \"self_attn.k_proj.weight\";");
            w.Line("string value = fused ? query : layer + \"self_attn.v_proj.weight\";");
            w.Line("string gate = fused ? layer + \"mlp.gate_up_proj.weight\" : layer + \"mlp.gate_proj.weight\";");
            w.Line("string up = fused ? gate : layer + \"mlp.up_proj.weight\";");
            w.Line("int keyRow = fused ? DModel : 0;");
            w.Line("int valueRow = fused ? DModel + KvDim : 0;");
            w.Line("int upRow = fused ? FfnDim : 0;");
            if (spec.QueryKeyValueBias)
            {
                w.Line("string queryBias = fused ? layer + \"self_attn.qkv_proj.bias\" : layer + \"self_attn.q_proj.bias\";");
                w.Line("string keyBias = fused ? queryBias : layer + \"self_attn.k_proj.bias\";");
                w.Line("string valueBias = fused ? queryBias : layer + \"self_attn.v_proj.bias\";");
            }

            w.Line(spec.QueryKeyValueBias
                ? "// Query and key rows and biases reordered into adjacent rotary pairs: the kernels turn (2j, 2j + 1)."
                : "// Query and key rows reordered into adjacent rotary pairs: the kernels turn (2j, 2j + 1).");
            w.Line("layers[i] = new LayerWeights(");
            w.Indent();
            w.Line($"attentionNorm: {read}.Read(checkpoint, layer + \"input_layernorm.weight\", name + \"attentionNorm\", new[] {{ DModel }}),");
            w.Line($"query: {read}.ReadRotary(checkpoint, query, name + \"query\", 0, Heads, HeadDim, DModel),");
            if (spec.QueryKeyValueBias)
            {
                w.Line($"queryBias: {read}.ReadRotary(checkpoint, queryBias, name + \"queryBias\", 0, Heads, HeadDim, 1),");
            }

            w.Line($"key: {read}.ReadRotary(checkpoint, key, name + \"key\", keyRow, KvHeads, HeadDim, DModel),");
            if (spec.QueryKeyValueBias)
            {
                w.Line($"keyBias: {read}.ReadRotary(checkpoint, keyBias, name + \"keyBias\", keyRow, KvHeads, HeadDim, 1),");
            }

            w.Line($"value: {read}.ReadRows(checkpoint, value, name + \"value\", valueRow, KvDim, DModel),");
            if (spec.QueryKeyValueBias)
            {
                w.Line($"valueBias: {read}.ReadRowsVector(checkpoint, valueBias, name + \"valueBias\", valueRow, KvDim),");
            }

            w.Line($"output: {read}.Read(checkpoint, layer + \"self_attn.o_proj.weight\", name + \"output\", new[] {{ DModel, DModel }}),");
            if (spec.OutputBias)
            {
                w.Line($"outputBias: {read}.Read(checkpoint, layer + \"self_attn.o_proj.bias\", name + \"outputBias\", new[] {{ DModel }}),");
            }

            w.Line($"ffnNorm: {read}.Read(checkpoint, layer + \"post_attention_layernorm.weight\", name + \"ffnNorm\", new[] {{ DModel }}),");
            w.Line($"gate: {read}.ReadRows(checkpoint, gate, name + \"gate\", 0, FfnDim, DModel),");
            w.Line($"up: {read}.ReadRows(checkpoint, up, name + \"up\", upRow, FfnDim, DModel),");
            w.Line($"down: {read}.Read(checkpoint, layer + \"mlp.down_proj.weight\", name + \"down\", new[] {{ DModel, FfnDim }}));");
            w.Unindent();
        }

        w.Line($"{Names.WeightTensor} tokenEmbedding = {read}.Read(checkpoint, \"model.embed_tokens.weight\", \"tokenEmbedding\", new[] {{ Vocab, DModel }});");
        w.Line($"{Names.WeightTensor} finalNorm = {read}.Read(checkpoint, \"model.norm.weight\", \"finalNorm\", new[] {{ DModel }});");
        if (spec.TiedEmbeddings)
        {
            w.Line($"return new {spec.ClassName}(new ModelWeights(tokenEmbedding, finalNorm, layers));");
        }
        else
        {
            w.Line($"{Names.WeightTensor} unembedding = {read}.Read(checkpoint, \"lm_head.weight\", \"unembedding\", new[] {{ Vocab, DModel }});");
            w.Line($"return new {spec.ClassName}(new ModelWeights(tokenEmbedding, finalNorm, layers, unembedding));");
        }
    }
}
