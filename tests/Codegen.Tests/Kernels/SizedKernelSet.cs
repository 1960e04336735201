using System;
using System.Reflection;
using Codegen.Kernels;
using Xunit;

namespace Codegen.Tests.Kernels;

internal delegate int KeyCacheIndexKernel(int i, int position);

internal delegate void StoreKeysKernel(float[] keyRows, int first, int end, float[] keys, int firstPosition);

internal delegate float GeluKernel(float x);

internal delegate void AddBiasGeluKernel(Span<float> hidden, ReadOnlySpan<float> bias);

/// <summary>
/// The float32 kernels one model's CPU code uses that do not depend on its layer struct: either a model's
/// generated <c>CpuKernels</c> (found by name; a kernel the model's family or size does not generate is
/// null) or the runtime's sized kernels instantiated for a shape.
/// </summary>
internal sealed record SizedKernels(
    DotKernel DotDModel,
    DotKernel DotFfnDim,
    DotKernel? DotStreamedDModel,
    DotKernel? DotStreamedFfnDim,
    DotFourRowsKernel DotFourRowsDModel,
    DotFourRowsKernel DotFourRowsFfnDim,
    MultiplyRowsKernel MultiplyRowsDModel,
    MultiplyRowsKernel MultiplyRowsFfnDim,
    MultiplyRowsBatchKernel MultiplyRowsBatchDModel,
    MultiplyRowsBatchKernel MultiplyRowsBatchFfnDim,
    AddInPlaceKernel AddInPlace,
    KeyCacheIndexKernel KeyCacheIndex,
    StoreKeyKernel StoreKey,
    StoreKeysKernel StoreKeys,
    AttentionKernel Attention,
    AttentionBatchKernel AttentionBatch,
    RmsNormKernel? RmsNorm,
    RotateKernel? RotatePositions,
    SwiGluInPlaceKernel? SwiGluInPlace,
    LayerNormKernel? LayerNorm,
    GeluKernel? Gelu,
    AddBiasGeluKernel? AddBiasGelu)
{
    /// <summary>The kernels of a generated <c>CpuKernels</c> class, by their generated names.</summary>
    public static SizedKernels Generated(Type cpuKernels) => new(
        Required<DotKernel>(cpuKernels, "DotDModel"),
        Required<DotKernel>(cpuKernels, "DotFfnDim"),
        Optional<DotKernel>(cpuKernels, "DotStreamedDModel"),
        Optional<DotKernel>(cpuKernels, "DotStreamedFfnDim"),
        Required<DotFourRowsKernel>(cpuKernels, "DotFourRowsDModel"),
        Required<DotFourRowsKernel>(cpuKernels, "DotFourRowsFfnDim"),
        Required<MultiplyRowsKernel>(cpuKernels, "MultiplyRowsDModel"),
        Required<MultiplyRowsKernel>(cpuKernels, "MultiplyRowsFfnDim"),
        Required<MultiplyRowsBatchKernel>(cpuKernels, "MultiplyRowsBatchDModel"),
        Required<MultiplyRowsBatchKernel>(cpuKernels, "MultiplyRowsBatchFfnDim"),
        Required<AddInPlaceKernel>(cpuKernels, "AddInPlace"),
        Required<KeyCacheIndexKernel>(cpuKernels, "KeyCacheIndex"),
        Required<StoreKeyKernel>(cpuKernels, "StoreKey"),
        Required<StoreKeysKernel>(cpuKernels, "StoreKeys"),
        Required<AttentionKernel>(cpuKernels, "Attention"),
        Required<AttentionBatchKernel>(cpuKernels, "AttentionBatch"),
        Optional<RmsNormKernel>(cpuKernels, "RmsNorm"),
        Optional<RotateKernel>(cpuKernels, "RotatePositions"),
        Optional<SwiGluInPlaceKernel>(cpuKernels, "SwiGluInPlace"),
        Optional<LayerNormKernel>(cpuKernels, "LayerNorm"),
        Optional<GeluKernel>(cpuKernels, "Gelu"),
        Optional<AddBiasGeluKernel>(cpuKernels, "AddBiasGelu"));

    /// <summary>The runtime's sized kernels for <typeparamref name="TShape"/>, as generated code will call them.</summary>
    public static SizedKernels Runtime<TShape>()
        where TShape : IModelShape => new(
        F32Products.Dot<DModelColumns<TShape>>,
        F32Products.Dot<FfnDimColumns<TShape>>,
        F32Products.DotStreamed<DModelColumns<TShape>>,
        F32Products.DotStreamed<FfnDimColumns<TShape>>,
        F32Products.DotFourRows<DModelColumns<TShape>>,
        F32Products.DotFourRows<FfnDimColumns<TShape>>,
        F32Products.MultiplyRows<DModelColumns<TShape>>,
        F32Products.MultiplyRows<FfnDimColumns<TShape>>,
        F32BatchProducts.MultiplyRowsBatch<DModelColumns<TShape>>,
        F32BatchProducts.MultiplyRowsBatch<FfnDimColumns<TShape>>,
        Elementwise.AddInPlace,
        KeyCache.KeyCacheIndex<TShape>,
        KeyCache.StoreKey<TShape>,
        KeyCache.StoreKeys<TShape>,
        CpuAttention.Attention<TShape>,
        CpuAttention.AttentionBatch<TShape>,
        Norms.RmsNorm<TShape>,
        RotaryPositions.Rotate<TShape>,
        Elementwise.SwiGluInPlace,
        Norms.LayerNorm<TShape>,
        Elementwise.Gelu,
        Elementwise.AddBiasGelu);

    private static T Required<T>(Type type, string name)
        where T : Delegate => Optional<T>(type, name) ?? throw new InvalidOperationException($"{type.FullName} has no kernel {name}.");

    private static T? Optional<T>(Type type, string name)
        where T : Delegate => type.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)?.CreateDelegate<T>();
}

/// <summary>One test model: its sizes, its generated kernels and the runtime's kernels for its shape struct.</summary>
internal sealed record SizedKernelPair(string Model, ModelFamily Family, ShapeDims Dims, int CachePositions, bool StreamRows, SizedKernels Generated, SizedKernels Runtime)
{
    /// <summary>Every model of the parity tests, by name.</summary>
    public static TheoryData<string> Models => new()
    {
        nameof(LlamaRaggedModel), nameof(LlamaHeadDim10Model), nameof(LlamaPooledModel), nameof(LlamaNarrowModel),
        nameof(LlamaUntiedModel), nameof(Gpt2RaggedModel), nameof(Gpt2OddHeadModel),
        nameof(SizedStories260KModel), nameof(SizedHeadDim64Model), nameof(SizedWideHeadModel),
    };

    /// <summary>The Llama models: RMSNorm, rotary positions, SwiGLU.</summary>
    public static TheoryData<string> LlamaModels => new()
    {
        nameof(LlamaRaggedModel), nameof(LlamaHeadDim10Model), nameof(LlamaPooledModel), nameof(LlamaNarrowModel),
        nameof(LlamaUntiedModel), nameof(SizedStories260KModel), nameof(SizedHeadDim64Model), nameof(SizedWideHeadModel),
    };

    /// <summary>The GPT-2 models: LayerNorm, GELU.</summary>
    public static TheoryData<string> Gpt2Models => new()
    {
        nameof(Gpt2RaggedModel), nameof(Gpt2OddHeadModel),
    };

    public static SizedKernelPair For(string model) => model switch
    {
        nameof(LlamaRaggedModel) => Of<LlamaRaggedShape>(model, ModelFamily.Llama, typeof(LlamaRaggedModel.CpuKernels)),
        nameof(LlamaHeadDim10Model) => Of<LlamaHeadDim10Shape>(model, ModelFamily.Llama, typeof(LlamaHeadDim10Model.CpuKernels)),
        nameof(LlamaPooledModel) => Of<LlamaPooledShape>(model, ModelFamily.Llama, typeof(LlamaPooledModel.CpuKernels)),
        nameof(LlamaNarrowModel) => Of<LlamaNarrowShape>(model, ModelFamily.Llama, typeof(LlamaNarrowModel.CpuKernels)),
        nameof(LlamaUntiedModel) => Of<LlamaUntiedShape>(model, ModelFamily.Llama, typeof(LlamaUntiedModel.CpuKernels)),
        nameof(Gpt2RaggedModel) => Of<Gpt2RaggedShape>(model, ModelFamily.Gpt2, typeof(Gpt2RaggedModel.CpuKernels)),
        nameof(Gpt2OddHeadModel) => Of<Gpt2OddHeadShape>(model, ModelFamily.Gpt2, typeof(Gpt2OddHeadModel.CpuKernels)),
        nameof(SizedStories260KModel) => Of<SizedStories260KShape>(model, ModelFamily.Llama, typeof(SizedStories260KModel.CpuKernels)),
        nameof(SizedHeadDim64Model) => Of<SizedHeadDim64Shape>(model, ModelFamily.Llama, typeof(SizedHeadDim64Model.CpuKernels)),
        nameof(SizedWideHeadModel) => Of<SizedWideHeadShape>(model, ModelFamily.Llama, typeof(SizedWideHeadModel.CpuKernels)),
        _ => throw new ArgumentException($"No test model named {model}.", nameof(model)),
    };

    private static SizedKernelPair Of<TShape>(string model, ModelFamily family, Type cpuKernels)
        where TShape : IModelShape
    {
        var dims = new ShapeDims(TShape.DModel, TShape.Heads, TShape.KvHeads, TShape.FfnDim, TShape.Vocab, TShape.Context, Layers: 1, TShape.NormEpsilon, RopeTheta: 0);
        return new(model, family, dims, TShape.CachePositions, TShape.StreamRows, SizedKernels.Generated(cpuKernels), SizedKernels.Runtime<TShape>());
    }
}
