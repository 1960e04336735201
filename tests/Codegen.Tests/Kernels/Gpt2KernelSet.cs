using System;
using Xunit;

using Gpt2Ragged = Codegen.Tests.Kernels.Gpt2RaggedModel.CpuKernels;
using Gpt2OddHead = Codegen.Tests.Kernels.Gpt2OddHeadModel.CpuKernels;

namespace Codegen.Tests.Kernels;

/// <summary>The GPT-2 kernels of one test model, the layer-taking ones adapted to plain layer data.</summary>
internal sealed record Gpt2KernelSet(
    ShapeDims Dims,
    LayerNormKernel LayerNorm,
    Func<float, float> Gelu,
    QueryKeyValueKernel<Gpt2LayerData> ProjectQueryKeyValue,
    LayerRowsKernel<Gpt2LayerData> ProjectOutputAddResidual,
    LayerRowsKernel<Gpt2LayerData> ProjectUpGelu,
    LayerRowsKernel<Gpt2LayerData> ProjectDownAddResidual,
    QueryKeyValueBatchKernel<Gpt2LayerData> ProjectQueryKeyValueBatch)
{
    /// <summary>The GPT-2 test models, by name.</summary>
    public static TheoryData<string> Models => new() { nameof(Gpt2RaggedModel), nameof(Gpt2OddHeadModel) };

    public static Gpt2KernelSet For(string model)
    {
        ShapeDims dims = TestShapes.Of(model);
        return model switch
        {
            nameof(Gpt2RaggedModel) => new(
                dims, Gpt2Ragged.LayerNorm, Gpt2Ragged.Gelu,
                (layer, input, query, key, values, offset, start, end) => Gpt2Ragged.ProjectQueryKeyValue(ModelBuilders.Gpt2RaggedLayer(layer), input, query, key, values, offset, start, end),
                (layer, input, residual, start, end) => Gpt2Ragged.ProjectOutputAddResidual(ModelBuilders.Gpt2RaggedLayer(layer), input, residual, start, end),
                (layer, input, hidden, start, end) => Gpt2Ragged.ProjectUpGelu(ModelBuilders.Gpt2RaggedLayer(layer), input, hidden, start, end),
                (layer, input, residual, start, end) => Gpt2Ragged.ProjectDownAddResidual(ModelBuilders.Gpt2RaggedLayer(layer), input, residual, start, end),
                (layer, input, query, key, value, tokens, start, end) => Gpt2Ragged.ProjectQueryKeyValueBatch(ModelBuilders.Gpt2RaggedLayer(layer), input, query, key, value, tokens, start, end)),
            nameof(Gpt2OddHeadModel) => new(
                dims, Gpt2OddHead.LayerNorm, Gpt2OddHead.Gelu,
                (layer, input, query, key, values, offset, start, end) => Gpt2OddHead.ProjectQueryKeyValue(ModelBuilders.Gpt2OddHeadLayer(layer), input, query, key, values, offset, start, end),
                (layer, input, residual, start, end) => Gpt2OddHead.ProjectOutputAddResidual(ModelBuilders.Gpt2OddHeadLayer(layer), input, residual, start, end),
                (layer, input, hidden, start, end) => Gpt2OddHead.ProjectUpGelu(ModelBuilders.Gpt2OddHeadLayer(layer), input, hidden, start, end),
                (layer, input, residual, start, end) => Gpt2OddHead.ProjectDownAddResidual(ModelBuilders.Gpt2OddHeadLayer(layer), input, residual, start, end),
                (layer, input, query, key, value, tokens, start, end) => Gpt2OddHead.ProjectQueryKeyValueBatch(ModelBuilders.Gpt2OddHeadLayer(layer), input, query, key, value, tokens, start, end)),
            _ => throw new ArgumentException($"No GPT-2 test model named {model}.", nameof(model)),
        };
    }
}
