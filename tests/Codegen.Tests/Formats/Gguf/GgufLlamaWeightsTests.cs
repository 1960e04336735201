using System;
using Codegen.Formats.Gguf;
using Xunit;

namespace Codegen.Tests.Formats.Gguf;

/// <summary><see cref="GgufLlamaWeights.Read"/> on small built files: what it reads, and its errors by key and tensor.</summary>
public sealed class GgufLlamaWeightsTests : IDisposable
{
    private static readonly GgufLlamaShape Shape = new(
        DModel: 4, FfnDim: 8, Layers: 1, Heads: 2, KvHeads: 1, Vocab: 3, Context: 16, NormEpsilon: 1e-5f, RopeTheta: 10000f, TiedEmbeddings: true);

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private static GgufBuilder Metadata(Action<GgufBuilder>? change = null)
    {
        var builder = new GgufBuilder()
            .AddString("general.architecture", "llama")
            .AddUInt32("llama.embedding_length", 4)
            .AddUInt32("llama.block_count", 1)
            .AddUInt32("llama.attention.head_count", 2)
            .AddUInt32("llama.attention.head_count_kv", 1)
            .AddUInt32("llama.feed_forward_length", 8)
            .AddUInt32("llama.context_length", 16)
            .AddFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        change?.Invoke(builder);
        return builder;
    }

    private static GgufBuilder WithTensors(GgufBuilder builder, long vocab = 3, bool output = false)
    {
        builder.AddF32("token_embd.weight", [4, vocab], new float[4 * vocab]);
        builder.AddF32("blk.0.attn_norm.weight", [4], new float[4]);
        builder.AddF32("blk.0.attn_q.weight", [4, 4], new float[16]);
        builder.AddF32("blk.0.attn_k.weight", [4, 2], new float[8]);
        builder.AddF32("blk.0.attn_v.weight", [4, 2], new float[8]);
        builder.AddF32("blk.0.attn_output.weight", [4, 4], new float[16]);
        builder.AddF32("blk.0.ffn_norm.weight", [4], new float[4]);
        builder.AddF32("blk.0.ffn_gate.weight", [4, 8], new float[32]);
        builder.AddF32("blk.0.ffn_down.weight", [8, 4], new float[32]);
        builder.AddF32("blk.0.ffn_up.weight", [4, 8], new float[32]);
        builder.AddF32("output_norm.weight", [4], new float[4]);
        if (output)
        {
            builder.AddF32("output.weight", [4, vocab], new float[4 * vocab]);
        }

        return builder;
    }

    private string Write(GgufBuilder builder) => directory.Write("model.gguf", builder.Build());

    [Fact]
    public void ReadsEveryTensorInTheModelsShapes()
    {
        GgufLlamaTensors tensors = GgufLlamaWeights.Read(Write(WithTensors(Metadata())), Shape);

        Assert.Equal(new[] { 3, 4 }, tensors.TokenEmbedding.Shape.ToArray());
        Assert.Equal(new[] { 2, 4 }, tensors.Key[0].Shape.ToArray());
        Assert.Equal(new[] { 4, 8 }, tensors.Down[0].Shape.ToArray());
        Assert.Equal("layers[0].down", tensors.Down[0].Name);
        Assert.Null(tensors.Unembedding);
    }

    [Fact]
    public void RefusesAVocabularyOtherThanDeclared()
    {
        string path = Write(WithTensors(Metadata(), vocab: 5));

        var error = Assert.Throws<ModelLoadException>(() => GgufLlamaWeights.Read(path, Shape));

        Assert.Contains("tensor 'token_embd.weight' (F32, ne [4, 5]) has shape [5, 4] (rows, columns), but the model declares [3, 4], ne [4, 3] (ne[1] is the vocabulary size, declared Vocab = 3)", error.Message);
    }

    [Fact]
    public void UntiedModelNeedsOutputWeight()
    {
        string path = Write(WithTensors(Metadata()));

        var error = Assert.Throws<ModelLoadException>(() => GgufLlamaWeights.Read(path, Shape with { TiedEmbeddings = false }));
        Assert.Contains("tensor 'output.weight' is missing", error.Message);

        string withOutput = directory.Write("output.gguf", WithTensors(Metadata(), output: true).Build());
        Assert.NotNull(GgufLlamaWeights.Read(withOutput, Shape with { TiedEmbeddings = false }).Unembedding);
    }

    [Fact]
    public void MetadataErrorsNameTheKeyAndBothValues()
    {
        Assert.Contains("metadata key 'llama.rope.freq_base' is absent (so 10000, llama.cpp's default), but the model declares RopeTheta = 500000",
            Assert.Throws<ModelLoadException>(() => GgufLlamaWeights.Read(Write(WithTensors(Metadata())), Shape with { RopeTheta = 500000f })).Message);
        Assert.Contains("metadata key 'llama.attention.layer_norm_rms_epsilon' is 1E-05, but the model declares NormEpsilon = 1E-06",
            Assert.Throws<ModelLoadException>(() => GgufLlamaWeights.Read(Write(WithTensors(Metadata())), Shape with { NormEpsilon = 1e-6f })).Message);
        Assert.Contains("metadata key 'llama.feed_forward_length' is missing",
            Assert.Throws<ModelLoadException>(() => GgufLlamaWeights.Read(Write(WithTensors(new GgufBuilder().AddString("general.architecture", "llama").AddUInt32("llama.embedding_length", 4).AddUInt32("llama.block_count", 1).AddUInt32("llama.attention.head_count", 2).AddUInt32("llama.attention.head_count_kv", 1))), Shape)).Message);
        Assert.Contains("metadata key 'llama.rope.dimension_count' is 3, but the model declares HeadDim (RoPE over the whole head) = 2",
            Assert.Throws<ModelLoadException>(() => GgufLlamaWeights.Read(Write(WithTensors(Metadata(b => b.AddUInt32("llama.rope.dimension_count", 3)))), Shape)).Message);
    }
}
