using Xunit;
using Gpt2OddHead = Codegen.Tests.Kernels.Gpt2OddHeadModel.CpuKernels;
using Gpt2Ragged = Codegen.Tests.Kernels.Gpt2RaggedModel.CpuKernels;
using LlamaHeadDim10 = Codegen.Tests.Kernels.LlamaHeadDim10Model.CpuKernels;
using LlamaNarrow = Codegen.Tests.Kernels.LlamaNarrowModel.CpuKernels;
using LlamaPooled = Codegen.Tests.Kernels.LlamaPooledModel.CpuKernels;
using LlamaRagged = Codegen.Tests.Kernels.LlamaRaggedModel.CpuKernels;
using LlamaUntied = Codegen.Tests.Kernels.LlamaUntiedModel.CpuKernels;
using LlamaWideHead = Codegen.Tests.Kernels.LlamaWideHeadModel.CpuKernels;

namespace Codegen.Tests.Kernels;

/// <summary>The kernels every family has (dot products, products, attention) of one test model.</summary>
internal sealed record SharedKernelSet(
    ShapeDims Dims,
    int CachePositions,
    DotKernel DotDModel,
    DotKernel DotFfnDim,
    DotFourRowsKernel DotFourRowsDModel,
    DotFourRowsKernel DotFourRowsFfnDim,
    MultiplyRowsKernel MultiplyRowsDModel,
    MultiplyRowsKernel MultiplyRowsFfnDim,
    MultiplyRowsBatchKernel MultiplyRowsBatchDModel,
    MultiplyRowsBatchKernel MultiplyRowsBatchFfnDim,
    AddInPlaceKernel AddInPlace,
    StoreKeyKernel StoreKey,
    AttentionKernel Attention,
    AttentionBatchKernel AttentionBatch)
{
    /// <summary>Every test model, by name: the theory data of the shared kernel tests.</summary>
    public static TheoryData<string> Models => new()
    {
        nameof(LlamaRaggedModel), nameof(LlamaHeadDim10Model), nameof(LlamaPooledModel), nameof(LlamaNarrowModel),
        nameof(LlamaUntiedModel), nameof(LlamaWideHeadModel), nameof(Gpt2RaggedModel), nameof(Gpt2OddHeadModel),
    };

    public static SharedKernelSet For(string model) => model switch
    {
        nameof(LlamaRaggedModel) => new(
            TestShapes.Of(model), LlamaRagged.CachePositions, LlamaRagged.DotDModel, LlamaRagged.DotFfnDim, LlamaRagged.DotFourRowsDModel, LlamaRagged.DotFourRowsFfnDim,
            LlamaRagged.MultiplyRowsDModel, LlamaRagged.MultiplyRowsFfnDim, LlamaRagged.MultiplyRowsBatchDModel, LlamaRagged.MultiplyRowsBatchFfnDim,
            LlamaRagged.AddInPlace, LlamaRagged.StoreKey, LlamaRagged.Attention, LlamaRagged.AttentionBatch),
        nameof(LlamaHeadDim10Model) => new(
            TestShapes.Of(model), LlamaHeadDim10.CachePositions, LlamaHeadDim10.DotDModel, LlamaHeadDim10.DotFfnDim, LlamaHeadDim10.DotFourRowsDModel, LlamaHeadDim10.DotFourRowsFfnDim,
            LlamaHeadDim10.MultiplyRowsDModel, LlamaHeadDim10.MultiplyRowsFfnDim, LlamaHeadDim10.MultiplyRowsBatchDModel, LlamaHeadDim10.MultiplyRowsBatchFfnDim,
            LlamaHeadDim10.AddInPlace, LlamaHeadDim10.StoreKey, LlamaHeadDim10.Attention, LlamaHeadDim10.AttentionBatch),
        nameof(LlamaPooledModel) => new(
            TestShapes.Of(model), LlamaPooled.CachePositions, LlamaPooled.DotDModel, LlamaPooled.DotFfnDim, LlamaPooled.DotFourRowsDModel, LlamaPooled.DotFourRowsFfnDim,
            LlamaPooled.MultiplyRowsDModel, LlamaPooled.MultiplyRowsFfnDim, LlamaPooled.MultiplyRowsBatchDModel, LlamaPooled.MultiplyRowsBatchFfnDim,
            LlamaPooled.AddInPlace, LlamaPooled.StoreKey, LlamaPooled.Attention, LlamaPooled.AttentionBatch),
        nameof(LlamaNarrowModel) => new(
            TestShapes.Of(model), LlamaNarrow.CachePositions, LlamaNarrow.DotDModel, LlamaNarrow.DotFfnDim, LlamaNarrow.DotFourRowsDModel, LlamaNarrow.DotFourRowsFfnDim,
            LlamaNarrow.MultiplyRowsDModel, LlamaNarrow.MultiplyRowsFfnDim, LlamaNarrow.MultiplyRowsBatchDModel, LlamaNarrow.MultiplyRowsBatchFfnDim,
            LlamaNarrow.AddInPlace, LlamaNarrow.StoreKey, LlamaNarrow.Attention, LlamaNarrow.AttentionBatch),
        nameof(LlamaUntiedModel) => new(
            TestShapes.Of(model), LlamaUntied.CachePositions, LlamaUntied.DotDModel, LlamaUntied.DotFfnDim, LlamaUntied.DotFourRowsDModel, LlamaUntied.DotFourRowsFfnDim,
            LlamaUntied.MultiplyRowsDModel, LlamaUntied.MultiplyRowsFfnDim, LlamaUntied.MultiplyRowsBatchDModel, LlamaUntied.MultiplyRowsBatchFfnDim,
            LlamaUntied.AddInPlace, LlamaUntied.StoreKey, LlamaUntied.Attention, LlamaUntied.AttentionBatch),
        nameof(LlamaWideHeadModel) => new(
            TestShapes.Of(model), LlamaWideHead.CachePositions, LlamaWideHead.DotDModel, LlamaWideHead.DotFfnDim, LlamaWideHead.DotFourRowsDModel, LlamaWideHead.DotFourRowsFfnDim,
            LlamaWideHead.MultiplyRowsDModel, LlamaWideHead.MultiplyRowsFfnDim, LlamaWideHead.MultiplyRowsBatchDModel, LlamaWideHead.MultiplyRowsBatchFfnDim,
            LlamaWideHead.AddInPlace, LlamaWideHead.StoreKey, LlamaWideHead.Attention, LlamaWideHead.AttentionBatch),
        nameof(Gpt2RaggedModel) => new(
            TestShapes.Of(model), Gpt2Ragged.CachePositions, Gpt2Ragged.DotDModel, Gpt2Ragged.DotFfnDim, Gpt2Ragged.DotFourRowsDModel, Gpt2Ragged.DotFourRowsFfnDim,
            Gpt2Ragged.MultiplyRowsDModel, Gpt2Ragged.MultiplyRowsFfnDim, Gpt2Ragged.MultiplyRowsBatchDModel, Gpt2Ragged.MultiplyRowsBatchFfnDim,
            Gpt2Ragged.AddInPlace, Gpt2Ragged.StoreKey, Gpt2Ragged.Attention, Gpt2Ragged.AttentionBatch),
        nameof(Gpt2OddHeadModel) => new(
            TestShapes.Of(model), Gpt2OddHead.CachePositions, Gpt2OddHead.DotDModel, Gpt2OddHead.DotFfnDim, Gpt2OddHead.DotFourRowsDModel, Gpt2OddHead.DotFourRowsFfnDim,
            Gpt2OddHead.MultiplyRowsDModel, Gpt2OddHead.MultiplyRowsFfnDim, Gpt2OddHead.MultiplyRowsBatchDModel, Gpt2OddHead.MultiplyRowsBatchFfnDim,
            Gpt2OddHead.AddInPlace, Gpt2OddHead.StoreKey, Gpt2OddHead.Attention, Gpt2OddHead.AttentionBatch),
        _ => throw new System.ArgumentException($"No test model named {model}.", nameof(model)),
    };
}
