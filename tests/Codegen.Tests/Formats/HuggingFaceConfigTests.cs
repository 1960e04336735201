using Codegen.Formats;
using System;
using System.IO;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>Loading <c>config.json</c> and checking it against a declared GPT-2 shape.</summary>
public sealed class HuggingFaceConfigTests : IDisposable
{
    private const string TinyConfig = """
        {
          "activation_function": "gelu_new",
          "intermediate_size": 37,
          "layer_norm_epsilon": 1e-05,
          "model_type": "gpt2",
          "n_ctx": 512,
          "n_embd": 32,
          "n_head": 4,
          "n_inner": null,
          "n_layer": 5,
          "n_positions": 512,
          "vocab_size": 1000
        }
        """;

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void LoadsTheRealGpt2TinyConfigAndItMatches()
    {
        HuggingFaceConfig? config = HuggingFaceConfig.TryLoadBeside(SafetensorsValidateTests.Gpt2TinyPath("model.safetensors"));

        Assert.NotNull(config);
        Assert.Equal("gpt2", config.ModelType);
        Assert.Equal(32, config.NEmbd);
        Assert.Equal(4, config.NHead);
        Assert.Equal(5, config.NLayer);
        Assert.Equal(512, config.NPositions);
        Assert.Equal(1000, config.VocabSize);
        Assert.Null(config.NInner);
        Assert.Equal(1e-5, config.LayerNormEpsilon);
        Assert.Equal("gelu_new", config.ActivationFunction);
        Assert.True(config.TieWordEmbeddings);

        config.CheckGpt2(dModel: 32, heads: 4, layers: 5, vocab: 1000, context: 512, ffnDim: 128, normEpsilon: 1e-5, tiedEmbeddings: true);
    }

    [Fact]
    public void NoConfigBesideTheWeightsIsNull()
    {
        Assert.Null(HuggingFaceConfig.TryLoadBeside(Path.Combine(directory.FullPath, "model.safetensors")));
    }

    [Fact]
    public void WrongHeadCountNamesTheFieldAndBothValues()
    {
        HuggingFaceConfig config = Write(TinyConfig);
        var exception = Assert.Throws<ModelLoadException>(() =>
            config.CheckGpt2(dModel: 32, heads: 8, layers: 5, vocab: 1000, context: 512, ffnDim: 128, normEpsilon: 1e-5, tiedEmbeddings: true));
        Assert.Equal(config.ConfigPath, exception.FilePath);
        Assert.Contains("1 problem: n_head is 4, expected 8", exception.Message);
    }

    [Fact]
    public void EveryMismatchIsListed()
    {
        HuggingFaceConfig config = Write(TinyConfig);
        var exception = Assert.Throws<ModelLoadException>(() =>
            config.CheckGpt2(dModel: 48, heads: 4, layers: 6, vocab: 999, context: 1024, ffnDim: 128, normEpsilon: 1e-6, tiedEmbeddings: true));
        Assert.Contains("5 problems", exception.Message);
        Assert.Contains("n_embd is 32, expected 48", exception.Message);
        Assert.Contains("n_layer is 5, expected 6", exception.Message);
        Assert.Contains("vocab_size is 1000, expected 999", exception.Message);
        Assert.Contains("n_positions is 512, smaller than the declared context 1024", exception.Message);
        Assert.Contains("layer_norm_epsilon is 1E-05, expected 1E-06", exception.Message);
    }

    [Fact]
    public void ShorterDeclaredContextAndTinyEpsilonDifferencesAreAccepted()
    {
        HuggingFaceConfig config = Write(TinyConfig);
        config.CheckGpt2(dModel: 32, heads: 4, layers: 5, vocab: 1000, context: 128, ffnDim: 128, normEpsilon: 1.0000000001e-5, tiedEmbeddings: true);
    }

    [Fact]
    public void NullInnerWidthMeansFourTimesTheModelWidth()
    {
        HuggingFaceConfig config = Write(TinyConfig);
        var exception = Assert.Throws<ModelLoadException>(() =>
            config.CheckGpt2(dModel: 32, heads: 4, layers: 5, vocab: 1000, context: 512, ffnDim: 37, normEpsilon: 1e-5, tiedEmbeddings: true));
        Assert.Contains("1 problem: n_inner is null, so the MLP width is 4 * n_embd = 128, expected 37", exception.Message);
    }

    [Fact]
    public void ExplicitInnerWidthIsChecked()
    {
        HuggingFaceConfig config = Write(TinyConfig.Replace("\"n_inner\": null", "\"n_inner\": 64"));
        Assert.Equal(64, config.NInner);
        config.CheckGpt2(dModel: 32, heads: 4, layers: 5, vocab: 1000, context: 512, ffnDim: 64, normEpsilon: 1e-5, tiedEmbeddings: true);
        var exception = Assert.Throws<ModelLoadException>(() =>
            config.CheckGpt2(dModel: 32, heads: 4, layers: 5, vocab: 1000, context: 512, ffnDim: 128, normEpsilon: 1e-5, tiedEmbeddings: true));
        Assert.Contains("n_inner is 64, expected 128", exception.Message);
    }

    [Theory]
    [InlineData("gelu_new")]
    [InlineData("gelu_pytorch_tanh")]
    [InlineData("gelu")]
    public void AcceptsGeluVariants(string activation)
    {
        HuggingFaceConfig config = Write(TinyConfig.Replace("gelu_new", activation));
        config.CheckGpt2(dModel: 32, heads: 4, layers: 5, vocab: 1000, context: 512, ffnDim: 128, normEpsilon: 1e-5, tiedEmbeddings: true);
    }

    [Fact]
    public void RejectsOtherActivationsAndModelTypes()
    {
        HuggingFaceConfig config = Write(TinyConfig.Replace("gelu_new", "relu").Replace("\"gpt2\"", "\"llama\""));
        var exception = Assert.Throws<ModelLoadException>(() =>
            config.CheckGpt2(dModel: 32, heads: 4, layers: 5, vocab: 1000, context: 512, ffnDim: 128, normEpsilon: 1e-5, tiedEmbeddings: true));
        Assert.Contains("model_type is 'llama', expected 'gpt2'", exception.Message);
        Assert.Contains("activation_function is 'relu', expected one of gelu_new, gelu_pytorch_tanh, gelu", exception.Message);
    }

    [Fact]
    public void AbsentFieldsTakeTheGpt2Defaults()
    {
        HuggingFaceConfig config = Write("""{"model_type": "gpt2", "n_ctx": 256, "tie_word_embeddings": false}""");
        Assert.Equal(256, config.NPositions);
        Assert.False(config.TieWordEmbeddings);
        var exception = Assert.Throws<ModelLoadException>(() =>
            config.CheckGpt2(dModel: 768, heads: 4, layers: 12, vocab: 50257, context: 256, ffnDim: 3072, normEpsilon: 1e-5, tiedEmbeddings: false));
        Assert.Contains("1 problem: n_head is absent (GPT-2 default 12), expected 4", exception.Message);
    }

    [Theory]
    [InlineData("""{"n_head": "four"}""", "field 'n_head' must be an integer, found \"four\"")]
    [InlineData("""{"n_embd": 32.5}""", "field 'n_embd' must be an integer, found 32.5")]
    [InlineData("""{"layer_norm_epsilon": "1e-5"}""", "field 'layer_norm_epsilon' must be a number")]
    [InlineData("""{"tie_word_embeddings": 1}""", "field 'tie_word_embeddings' must be true or false, found 1")]
    [InlineData("""{"model_type": 2}""", "field 'model_type' must be a string, found 2")]
    [InlineData("""[1]""", "config must be a JSON object, found Array")]
    [InlineData("""{"n_head": 4""", "config is not valid JSON")]
    public void RejectsMalformedConfigs(string json, string expected)
    {
        string path = directory.Write("config.json", json);
        var exception = Assert.Throws<ModelLoadException>(() => HuggingFaceConfig.TryLoadBeside(Path.Combine(directory.FullPath, "model.safetensors")));
        Assert.Equal(path, exception.FilePath);
        Assert.Contains(expected, exception.Message);
    }

    private HuggingFaceConfig Write(string json)
    {
        string path = directory.Write("config.json", json);
        return HuggingFaceConfig.Load(path);
    }
}
