using System;
using Xunit;

using LlamaRagged = Codegen.Tests.Kernels.LlamaRaggedModel.CpuKernels;
using LlamaHeadDim10 = Codegen.Tests.Kernels.LlamaHeadDim10Model.CpuKernels;
using LlamaPooled = Codegen.Tests.Kernels.LlamaPooledModel.CpuKernels;
using LlamaNarrow = Codegen.Tests.Kernels.LlamaNarrowModel.CpuKernels;
using LlamaUntied = Codegen.Tests.Kernels.LlamaUntiedModel.CpuKernels;

namespace Codegen.Tests.Kernels;

/// <summary>The Llama kernels of one test model, the layer-taking ones adapted to plain layer data.</summary>
internal sealed record LlamaKernelSet(
    ShapeDims Dims,
    RmsNormKernel RmsNorm,
    RotateKernel RotatePositions,
    float[] RotaryCos,
    float[] RotarySin,
    SwiGluInPlaceKernel SwiGluInPlace,
    QueryKeyValueKernel<LlamaLayerData> ProjectQueryKeyValue,
    LayerRowsKernel<LlamaLayerData> ProjectOutputAddResidual,
    LayerRowsKernel<LlamaLayerData> ProjectGateUpSwiGlu,
    LayerRowsKernel<LlamaLayerData> ProjectDownAddResidual,
    GateUpBatchKernel<LlamaLayerData> ProjectGateUpSwiGluBatch,
    QueryKeyValueBatchKernel<LlamaLayerData> ProjectQueryKeyValueBatch)
{
    /// <summary>The Llama test models, by name.</summary>
    public static TheoryData<string> Models => new()
    {
        nameof(LlamaRaggedModel), nameof(LlamaHeadDim10Model), nameof(LlamaPooledModel), nameof(LlamaNarrowModel), nameof(LlamaUntiedModel),
    };

    public static LlamaKernelSet For(string model)
    {
        ShapeDims dims = TestShapes.Of(model);
        var weights = LlamaWeightData.Random(dims, tied: model != nameof(LlamaUntiedModel), seed: 1);
        switch (model)
        {
            case nameof(LlamaRaggedModel):
            {
                var built = ModelBuilders.LlamaRagged(weights);
                return new(
                    dims, LlamaRagged.RmsNorm, LlamaRagged.RotatePositions, built.RotaryCos, built.RotarySin, LlamaRagged.SwiGluInPlace,
                    (layer, input, query, key, values, offset, start, end) => LlamaRagged.ProjectQueryKeyValue(ModelBuilders.LlamaRaggedLayer(layer), input, query, key, values, offset, start, end),
                    (layer, input, residual, start, end) => LlamaRagged.ProjectOutputAddResidual(ModelBuilders.LlamaRaggedLayer(layer), input, residual, start, end),
                    (layer, input, hidden, start, end) => LlamaRagged.ProjectGateUpSwiGlu(ModelBuilders.LlamaRaggedLayer(layer), input, hidden, start, end),
                    (layer, input, residual, start, end) => LlamaRagged.ProjectDownAddResidual(ModelBuilders.LlamaRaggedLayer(layer), input, residual, start, end),
                    (layer, input, gate, up, tokens, start, end) => LlamaRagged.ProjectGateUpSwiGluBatch(ModelBuilders.LlamaRaggedLayer(layer), input, gate, up, tokens, start, end),
                    (layer, input, query, key, value, tokens, start, end) => LlamaRagged.ProjectQueryKeyValueBatch(ModelBuilders.LlamaRaggedLayer(layer), input, query, key, value, tokens, start, end));
            }
            case nameof(LlamaHeadDim10Model):
            {
                var built = ModelBuilders.LlamaHeadDim10(weights);
                return new(
                    dims, LlamaHeadDim10.RmsNorm, LlamaHeadDim10.RotatePositions, built.RotaryCos, built.RotarySin, LlamaHeadDim10.SwiGluInPlace,
                    (layer, input, query, key, values, offset, start, end) => LlamaHeadDim10.ProjectQueryKeyValue(ModelBuilders.LlamaHeadDim10Layer(layer), input, query, key, values, offset, start, end),
                    (layer, input, residual, start, end) => LlamaHeadDim10.ProjectOutputAddResidual(ModelBuilders.LlamaHeadDim10Layer(layer), input, residual, start, end),
                    (layer, input, hidden, start, end) => LlamaHeadDim10.ProjectGateUpSwiGlu(ModelBuilders.LlamaHeadDim10Layer(layer), input, hidden, start, end),
                    (layer, input, residual, start, end) => LlamaHeadDim10.ProjectDownAddResidual(ModelBuilders.LlamaHeadDim10Layer(layer), input, residual, start, end),
                    (layer, input, gate, up, tokens, start, end) => LlamaHeadDim10.ProjectGateUpSwiGluBatch(ModelBuilders.LlamaHeadDim10Layer(layer), input, gate, up, tokens, start, end),
                    (layer, input, query, key, value, tokens, start, end) => LlamaHeadDim10.ProjectQueryKeyValueBatch(ModelBuilders.LlamaHeadDim10Layer(layer), input, query, key, value, tokens, start, end));
            }
            case nameof(LlamaPooledModel):
            {
                var built = ModelBuilders.LlamaPooled(weights);
                return new(
                    dims, LlamaPooled.RmsNorm, LlamaPooled.RotatePositions, built.RotaryCos, built.RotarySin, LlamaPooled.SwiGluInPlace,
                    (layer, input, query, key, values, offset, start, end) => LlamaPooled.ProjectQueryKeyValue(ModelBuilders.LlamaPooledLayer(layer), input, query, key, values, offset, start, end),
                    (layer, input, residual, start, end) => LlamaPooled.ProjectOutputAddResidual(ModelBuilders.LlamaPooledLayer(layer), input, residual, start, end),
                    (layer, input, hidden, start, end) => LlamaPooled.ProjectGateUpSwiGlu(ModelBuilders.LlamaPooledLayer(layer), input, hidden, start, end),
                    (layer, input, residual, start, end) => LlamaPooled.ProjectDownAddResidual(ModelBuilders.LlamaPooledLayer(layer), input, residual, start, end),
                    (layer, input, gate, up, tokens, start, end) => LlamaPooled.ProjectGateUpSwiGluBatch(ModelBuilders.LlamaPooledLayer(layer), input, gate, up, tokens, start, end),
                    (layer, input, query, key, value, tokens, start, end) => LlamaPooled.ProjectQueryKeyValueBatch(ModelBuilders.LlamaPooledLayer(layer), input, query, key, value, tokens, start, end));
            }
            case nameof(LlamaNarrowModel):
            {
                var built = ModelBuilders.LlamaNarrow(weights);
                return new(
                    dims, LlamaNarrow.RmsNorm, LlamaNarrow.RotatePositions, built.RotaryCos, built.RotarySin, LlamaNarrow.SwiGluInPlace,
                    (layer, input, query, key, values, offset, start, end) => LlamaNarrow.ProjectQueryKeyValue(ModelBuilders.LlamaNarrowLayer(layer), input, query, key, values, offset, start, end),
                    (layer, input, residual, start, end) => LlamaNarrow.ProjectOutputAddResidual(ModelBuilders.LlamaNarrowLayer(layer), input, residual, start, end),
                    (layer, input, hidden, start, end) => LlamaNarrow.ProjectGateUpSwiGlu(ModelBuilders.LlamaNarrowLayer(layer), input, hidden, start, end),
                    (layer, input, residual, start, end) => LlamaNarrow.ProjectDownAddResidual(ModelBuilders.LlamaNarrowLayer(layer), input, residual, start, end),
                    (layer, input, gate, up, tokens, start, end) => LlamaNarrow.ProjectGateUpSwiGluBatch(ModelBuilders.LlamaNarrowLayer(layer), input, gate, up, tokens, start, end),
                    (layer, input, query, key, value, tokens, start, end) => LlamaNarrow.ProjectQueryKeyValueBatch(ModelBuilders.LlamaNarrowLayer(layer), input, query, key, value, tokens, start, end));
            }
            case nameof(LlamaUntiedModel):
            {
                var built = ModelBuilders.LlamaUntied(weights);
                return new(
                    dims, LlamaUntied.RmsNorm, LlamaUntied.RotatePositions, built.RotaryCos, built.RotarySin, LlamaUntied.SwiGluInPlace,
                    (layer, input, query, key, values, offset, start, end) => LlamaUntied.ProjectQueryKeyValue(ModelBuilders.LlamaUntiedLayer(layer), input, query, key, values, offset, start, end),
                    (layer, input, residual, start, end) => LlamaUntied.ProjectOutputAddResidual(ModelBuilders.LlamaUntiedLayer(layer), input, residual, start, end),
                    (layer, input, hidden, start, end) => LlamaUntied.ProjectGateUpSwiGlu(ModelBuilders.LlamaUntiedLayer(layer), input, hidden, start, end),
                    (layer, input, residual, start, end) => LlamaUntied.ProjectDownAddResidual(ModelBuilders.LlamaUntiedLayer(layer), input, residual, start, end),
                    (layer, input, gate, up, tokens, start, end) => LlamaUntied.ProjectGateUpSwiGluBatch(ModelBuilders.LlamaUntiedLayer(layer), input, gate, up, tokens, start, end),
                    (layer, input, query, key, value, tokens, start, end) => LlamaUntied.ProjectQueryKeyValueBatch(ModelBuilders.LlamaUntiedLayer(layer), input, query, key, value, tokens, start, end));
            }
            default:
                throw new ArgumentException($"No Llama test model named {model}.", nameof(model));
        }
    }
}
