using Codegen;
using Codegen.Kernels;

namespace Codegen.Tests.Kernels;

// The shapes of the sized-kernel parity tests (SizedKernelParityTests): each test model of
// KernelTestShapes.cs, and three more below, as an IModelShape struct such as the generator will
// declare for a model. Their sizes are the generated constants themselves (C# copies a const into the
// IL as a literal, so `DModel => LlamaRaggedModel.DModel` is `DModel => 36`); StreamRows, which the
// generated code does not expose, is written out and checked against the generated kernels.

/// <summary>The llama2.c stories260K shape: HeadDim 8 (one Vector256, two Vector128 a head), FfnDim 172.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
internal partial class SizedStories260KModel
{
}

/// <summary>
/// The stories110M head shape (DModel 768, HeadDim 64, FfnDim 2048) with one layer and a small vocabulary:
/// still 31 MB of float32 matrices, so its Vector256 products stream rows. Attention's weighted sum keeps
/// eight Vector256 or sixteen Vector128 accumulators.
/// </summary>
[TransformerModel(DModel = 768, Heads = 12, Layers = 1, FfnDim = 2048, Vocab = 1000, Context = 70)]
internal partial class SizedHeadDim64Model
{
}

/// <summary>
/// Two heads of 136 (17 Vector256, 34 Vector128): more vectors a head than attention's weighted sum keeps
/// in registers in one pass over the positions, so the runtime kernel takes two passes (three with Vector128).
/// </summary>
[TransformerModel(DModel = 272, Heads = 2, KvHeads = 1, Layers = 1, FfnDim = 100, Vocab = 50, Context = 40)]
internal partial class SizedWideHeadModel
{
}

internal readonly struct LlamaRaggedShape : IModelShape
{
    public static int DModel => LlamaRaggedModel.DModel;
    public static int Heads => LlamaRaggedModel.Heads;
    public static int KvHeads => LlamaRaggedModel.KvHeads;
    public static int HeadDim => LlamaRaggedModel.HeadDim;
    public static int KvDim => LlamaRaggedModel.KvDim;
    public static int QueriesPerKvHead => LlamaRaggedModel.QueriesPerKvHead;
    public static int FfnDim => LlamaRaggedModel.FfnDim;
    public static int Vocab => LlamaRaggedModel.Vocab;
    public static int Context => LlamaRaggedModel.Context;
    public static int CachePositions => LlamaRaggedModel.CpuKernels.CachePositions;
    public static float NormEpsilon => LlamaRaggedModel.NormEpsilon;
    public static bool StreamRows => false;
}

internal readonly struct LlamaHeadDim10Shape : IModelShape
{
    public static int DModel => LlamaHeadDim10Model.DModel;
    public static int Heads => LlamaHeadDim10Model.Heads;
    public static int KvHeads => LlamaHeadDim10Model.KvHeads;
    public static int HeadDim => LlamaHeadDim10Model.HeadDim;
    public static int KvDim => LlamaHeadDim10Model.KvDim;
    public static int QueriesPerKvHead => LlamaHeadDim10Model.QueriesPerKvHead;
    public static int FfnDim => LlamaHeadDim10Model.FfnDim;
    public static int Vocab => LlamaHeadDim10Model.Vocab;
    public static int Context => LlamaHeadDim10Model.Context;
    public static int CachePositions => LlamaHeadDim10Model.CpuKernels.CachePositions;
    public static float NormEpsilon => LlamaHeadDim10Model.NormEpsilon;
    public static bool StreamRows => false;
}

internal readonly struct LlamaPooledShape : IModelShape
{
    public static int DModel => LlamaPooledModel.DModel;
    public static int Heads => LlamaPooledModel.Heads;
    public static int KvHeads => LlamaPooledModel.KvHeads;
    public static int HeadDim => LlamaPooledModel.HeadDim;
    public static int KvDim => LlamaPooledModel.KvDim;
    public static int QueriesPerKvHead => LlamaPooledModel.QueriesPerKvHead;
    public static int FfnDim => LlamaPooledModel.FfnDim;
    public static int Vocab => LlamaPooledModel.Vocab;
    public static int Context => LlamaPooledModel.Context;
    public static int CachePositions => LlamaPooledModel.CpuKernels.CachePositions;
    public static float NormEpsilon => LlamaPooledModel.NormEpsilon;
    public static bool StreamRows => true;
}

internal readonly struct LlamaUntiedShape : IModelShape
{
    public static int DModel => LlamaUntiedModel.DModel;
    public static int Heads => LlamaUntiedModel.Heads;
    public static int KvHeads => LlamaUntiedModel.KvHeads;
    public static int HeadDim => LlamaUntiedModel.HeadDim;
    public static int KvDim => LlamaUntiedModel.KvDim;
    public static int QueriesPerKvHead => LlamaUntiedModel.QueriesPerKvHead;
    public static int FfnDim => LlamaUntiedModel.FfnDim;
    public static int Vocab => LlamaUntiedModel.Vocab;
    public static int Context => LlamaUntiedModel.Context;
    public static int CachePositions => LlamaUntiedModel.CpuKernels.CachePositions;
    public static float NormEpsilon => LlamaUntiedModel.NormEpsilon;
    public static bool StreamRows => false;
}

internal readonly struct LlamaNarrowShape : IModelShape
{
    public static int DModel => LlamaNarrowModel.DModel;
    public static int Heads => LlamaNarrowModel.Heads;
    public static int KvHeads => LlamaNarrowModel.KvHeads;
    public static int HeadDim => LlamaNarrowModel.HeadDim;
    public static int KvDim => LlamaNarrowModel.KvDim;
    public static int QueriesPerKvHead => LlamaNarrowModel.QueriesPerKvHead;
    public static int FfnDim => LlamaNarrowModel.FfnDim;
    public static int Vocab => LlamaNarrowModel.Vocab;
    public static int Context => LlamaNarrowModel.Context;
    public static int CachePositions => LlamaNarrowModel.CpuKernels.CachePositions;
    public static float NormEpsilon => LlamaNarrowModel.NormEpsilon;
    public static bool StreamRows => false;
}

internal readonly struct Gpt2RaggedShape : IModelShape
{
    public static int DModel => Gpt2RaggedModel.DModel;
    public static int Heads => Gpt2RaggedModel.Heads;
    public static int KvHeads => Gpt2RaggedModel.KvHeads;
    public static int HeadDim => Gpt2RaggedModel.HeadDim;
    public static int KvDim => Gpt2RaggedModel.KvDim;
    public static int QueriesPerKvHead => Gpt2RaggedModel.QueriesPerKvHead;
    public static int FfnDim => Gpt2RaggedModel.FfnDim;
    public static int Vocab => Gpt2RaggedModel.Vocab;
    public static int Context => Gpt2RaggedModel.Context;
    public static int CachePositions => Gpt2RaggedModel.CpuKernels.CachePositions;
    public static float NormEpsilon => Gpt2RaggedModel.NormEpsilon;
    public static bool StreamRows => false;
}

internal readonly struct Gpt2OddHeadShape : IModelShape
{
    public static int DModel => Gpt2OddHeadModel.DModel;
    public static int Heads => Gpt2OddHeadModel.Heads;
    public static int KvHeads => Gpt2OddHeadModel.KvHeads;
    public static int HeadDim => Gpt2OddHeadModel.HeadDim;
    public static int KvDim => Gpt2OddHeadModel.KvDim;
    public static int QueriesPerKvHead => Gpt2OddHeadModel.QueriesPerKvHead;
    public static int FfnDim => Gpt2OddHeadModel.FfnDim;
    public static int Vocab => Gpt2OddHeadModel.Vocab;
    public static int Context => Gpt2OddHeadModel.Context;
    public static int CachePositions => Gpt2OddHeadModel.CpuKernels.CachePositions;
    public static float NormEpsilon => Gpt2OddHeadModel.NormEpsilon;
    public static bool StreamRows => false;
}

internal readonly struct SizedStories260KShape : IModelShape
{
    public static int DModel => SizedStories260KModel.DModel;
    public static int Heads => SizedStories260KModel.Heads;
    public static int KvHeads => SizedStories260KModel.KvHeads;
    public static int HeadDim => SizedStories260KModel.HeadDim;
    public static int KvDim => SizedStories260KModel.KvDim;
    public static int QueriesPerKvHead => SizedStories260KModel.QueriesPerKvHead;
    public static int FfnDim => SizedStories260KModel.FfnDim;
    public static int Vocab => SizedStories260KModel.Vocab;
    public static int Context => SizedStories260KModel.Context;
    public static int CachePositions => SizedStories260KModel.CpuKernels.CachePositions;
    public static float NormEpsilon => SizedStories260KModel.NormEpsilon;
    public static bool StreamRows => false;
}

internal readonly struct SizedHeadDim64Shape : IModelShape
{
    public static int DModel => SizedHeadDim64Model.DModel;
    public static int Heads => SizedHeadDim64Model.Heads;
    public static int KvHeads => SizedHeadDim64Model.KvHeads;
    public static int HeadDim => SizedHeadDim64Model.HeadDim;
    public static int KvDim => SizedHeadDim64Model.KvDim;
    public static int QueriesPerKvHead => SizedHeadDim64Model.QueriesPerKvHead;
    public static int FfnDim => SizedHeadDim64Model.FfnDim;
    public static int Vocab => SizedHeadDim64Model.Vocab;
    public static int Context => SizedHeadDim64Model.Context;
    public static int CachePositions => SizedHeadDim64Model.CpuKernels.CachePositions;
    public static float NormEpsilon => SizedHeadDim64Model.NormEpsilon;
    public static bool StreamRows => true;
}

internal readonly struct SizedWideHeadShape : IModelShape
{
    public static int DModel => SizedWideHeadModel.DModel;
    public static int Heads => SizedWideHeadModel.Heads;
    public static int KvHeads => SizedWideHeadModel.KvHeads;
    public static int HeadDim => SizedWideHeadModel.HeadDim;
    public static int KvDim => SizedWideHeadModel.KvDim;
    public static int QueriesPerKvHead => SizedWideHeadModel.QueriesPerKvHead;
    public static int FfnDim => SizedWideHeadModel.FfnDim;
    public static int Vocab => SizedWideHeadModel.Vocab;
    public static int Context => SizedWideHeadModel.Context;
    public static int CachePositions => SizedWideHeadModel.CpuKernels.CachePositions;
    public static float NormEpsilon => SizedWideHeadModel.NormEpsilon;
    public static bool StreamRows => false;
}
