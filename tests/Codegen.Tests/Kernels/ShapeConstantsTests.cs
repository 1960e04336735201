using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>The generated constants of the test models agree with their declarations (the references rely on them).</summary>
public sealed class ShapeConstantsTests
{
    [Fact]
    public void LlamaConstantsFollowTheDeclarations()
    {
        Check(TestShapes.Of(nameof(LlamaRaggedModel)), LlamaRaggedModel.DModel, LlamaRaggedModel.Heads, LlamaRaggedModel.KvHeads, LlamaRaggedModel.HeadDim, LlamaRaggedModel.KvDim, LlamaRaggedModel.QueriesPerKvHead, LlamaRaggedModel.FfnDim, LlamaRaggedModel.Vocab, LlamaRaggedModel.Context, LlamaRaggedModel.Layers);
        Check(TestShapes.Of(nameof(LlamaHeadDim10Model)), LlamaHeadDim10Model.DModel, LlamaHeadDim10Model.Heads, LlamaHeadDim10Model.KvHeads, LlamaHeadDim10Model.HeadDim, LlamaHeadDim10Model.KvDim, LlamaHeadDim10Model.QueriesPerKvHead, LlamaHeadDim10Model.FfnDim, LlamaHeadDim10Model.Vocab, LlamaHeadDim10Model.Context, LlamaHeadDim10Model.Layers);
        Check(TestShapes.Of(nameof(LlamaPooledModel)), LlamaPooledModel.DModel, LlamaPooledModel.Heads, LlamaPooledModel.KvHeads, LlamaPooledModel.HeadDim, LlamaPooledModel.KvDim, LlamaPooledModel.QueriesPerKvHead, LlamaPooledModel.FfnDim, LlamaPooledModel.Vocab, LlamaPooledModel.Context, LlamaPooledModel.Layers);
        Check(TestShapes.Of(nameof(LlamaNarrowModel)), LlamaNarrowModel.DModel, LlamaNarrowModel.Heads, LlamaNarrowModel.KvHeads, LlamaNarrowModel.HeadDim, LlamaNarrowModel.KvDim, LlamaNarrowModel.QueriesPerKvHead, LlamaNarrowModel.FfnDim, LlamaNarrowModel.Vocab, LlamaNarrowModel.Context, LlamaNarrowModel.Layers);
        Check(TestShapes.Of(nameof(LlamaUntiedModel)), LlamaUntiedModel.DModel, LlamaUntiedModel.Heads, LlamaUntiedModel.KvHeads, LlamaUntiedModel.HeadDim, LlamaUntiedModel.KvDim, LlamaUntiedModel.QueriesPerKvHead, LlamaUntiedModel.FfnDim, LlamaUntiedModel.Vocab, LlamaUntiedModel.Context, LlamaUntiedModel.Layers);
        Assert.Equal(500f, LlamaUntiedModel.RopeTheta);
        Assert.Equal(10000f, LlamaRaggedModel.RopeTheta);
        Assert.Equal(1e-5f, LlamaRaggedModel.NormEpsilon);
        Assert.False(LlamaUntiedModel.TiedEmbeddings);
        Assert.True(LlamaRaggedModel.TiedEmbeddings);
    }

    [Fact]
    public void Gpt2ConstantsFollowTheDeclarations()
    {
        Check(TestShapes.Of(nameof(Gpt2RaggedModel)), Gpt2RaggedModel.DModel, Gpt2RaggedModel.Heads, Gpt2RaggedModel.KvHeads, Gpt2RaggedModel.HeadDim, Gpt2RaggedModel.KvDim, Gpt2RaggedModel.QueriesPerKvHead, Gpt2RaggedModel.FfnDim, Gpt2RaggedModel.Vocab, Gpt2RaggedModel.Context, Gpt2RaggedModel.Layers);
        Check(TestShapes.Of(nameof(Gpt2OddHeadModel)), Gpt2OddHeadModel.DModel, Gpt2OddHeadModel.Heads, Gpt2OddHeadModel.KvHeads, Gpt2OddHeadModel.HeadDim, Gpt2OddHeadModel.KvDim, Gpt2OddHeadModel.QueriesPerKvHead, Gpt2OddHeadModel.FfnDim, Gpt2OddHeadModel.Vocab, Gpt2OddHeadModel.Context, Gpt2OddHeadModel.Layers);
        Assert.Equal(Codegen.ModelFamily.Gpt2, Gpt2RaggedModel.Family);
        Assert.Equal(1e-5f, Gpt2RaggedModel.NormEpsilon);
    }

    private static void Check(ShapeDims dims, int dModel, int heads, int kvHeads, int headDim, int kvDim, int queriesPerKvHead, int ffnDim, int vocab, int context, int layers)
    {
        Assert.Equal(dims.DModel, dModel);
        Assert.Equal(dims.Heads, heads);
        Assert.Equal(dims.KvHeads, kvHeads);
        Assert.Equal(dims.HeadDim, headDim);
        Assert.Equal(dims.KvDim, kvDim);
        Assert.Equal(dims.QueriesPerKvHead, queriesPerKvHead);
        Assert.Equal(dims.FfnDim, ffnDim);
        Assert.Equal(dims.Vocab, vocab);
        Assert.Equal(dims.Context, context);
        Assert.Equal(dims.Layers, layers);
    }
}
