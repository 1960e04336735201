using System.Collections.Generic;

namespace Codegen.Benchmarks.Weights;

/// <summary>
/// The tensors of a Hugging Face Llama-family checkpoint of a <see cref="HuggingFaceShape"/>, with transformers'
/// names and shapes ([out, in] for a linear layer) in state_dict order, as tests/golden/hf_common.py lists them,
/// and how each is filled: matrices uniform in +-1/sqrt(in), biases in +-0.02, norm weights 1.
/// </summary>
internal static class HuggingFaceTensors
{
    private const float BiasScale = 0.02f;

    public static List<SafetensorsWriter.Tensor> For(HuggingFaceShape shape)
    {
        int c = shape.Hidden;
        int q = shape.Heads * shape.HeadDim;
        var tensors = new List<SafetensorsWriter.Tensor> { Matrix("model.embed_tokens.weight", shape.Vocab, c) };
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            Linear(tensors, p + "self_attn.q_proj", q, c, shape.QkvBias);
            Linear(tensors, p + "self_attn.k_proj", shape.KvDim, c, shape.QkvBias);
            Linear(tensors, p + "self_attn.v_proj", shape.KvDim, c, shape.QkvBias);
            Linear(tensors, p + "self_attn.o_proj", c, q, shape.OutputBias);
            Linear(tensors, p + "mlp.gate_proj", shape.Intermediate, c, bias: false);
            Linear(tensors, p + "mlp.up_proj", shape.Intermediate, c, bias: false);
            Linear(tensors, p + "mlp.down_proj", c, shape.Intermediate, bias: false);
            tensors.Add(Norm(p + "input_layernorm.weight", c));
            tensors.Add(Norm(p + "post_attention_layernorm.weight", c));
        }

        tensors.Add(Norm("model.norm.weight", c));
        if (!shape.Tied)
        {
            tensors.Add(Matrix("lm_head.weight", shape.Vocab, c));
        }

        return tensors;
    }

    private static void Linear(List<SafetensorsWriter.Tensor> tensors, string name, int outputs, int inputs, bool bias)
    {
        tensors.Add(Matrix(name + ".weight", outputs, inputs));
        if (bias)
        {
            tensors.Add(new(name + ".bias", [outputs], BiasScale, 0f));
        }
    }

    private static SafetensorsWriter.Tensor Matrix(string name, int rows, int columns) =>
        new(name, [rows, columns], 1f / System.MathF.Sqrt(columns), 0f);

    private static SafetensorsWriter.Tensor Norm(string name, int width) => new(name, [width], 0f, 1f);
}
