using System.Linq;
using Codegen.Generator;
using Codegen.Generator.Model;
using Microsoft.CodeAnalysis;
using Xunit;
using GeneratorDefaults = Codegen.Generator.Model.TransformerModelDefaults;
using GeneratorFamily = Codegen.Generator.Model.ModelFamily;
using GeneratorWeightFormat = Codegen.Generator.Model.WeightFormat;

namespace Codegen.Tests.Generator;

/// <summary>The parser resolves every size and parameter the attribute leaves out.</summary>
public sealed class DefaultResolutionTests
{
    [Theory]
    [InlineData(288, 768)] // 8/3 * 288 = 768, already a multiple of 256
    [InlineData(64, 256)] // 170 rounds up to 256
    [InlineData(4096, 11008)] // Llama 7B's MLP width
    public void LlamaFfnDimIsEightThirdsDModelRoundedUpTo256(int dModel, int expected) =>
        Assert.Equal(expected, GeneratorDefaults.DefaultFfnDim(GeneratorFamily.Llama, dModel));

    [Theory]
    [InlineData(32, 128)]
    [InlineData(768, 3072)]
    public void Gpt2FfnDimIsFourDModel(int dModel, int expected) =>
        Assert.Equal(expected, GeneratorDefaults.DefaultFfnDim(GeneratorFamily.Gpt2, dModel));

    [Fact]
    public void LlamaDefaults()
    {
        ModelSpec spec = Parse("DModel = 288, Heads = 6, Layers = 2, Vocab = 1000, Context = 256");

        Assert.Equal(6, spec.KvHeads);
        Assert.Equal(768, spec.FfnDim);
        Assert.Equal(1e-5, spec.NormEpsilon);
        Assert.Equal(10000.0, spec.RopeTheta);
        Assert.True(spec.TiedEmbeddings);
        Assert.Equal(GeneratorFamily.Llama, spec.Family);
        Assert.Equal(GeneratorWeightFormat.F32, spec.Weights);
    }

    [Fact]
    public void Gpt2Defaults()
    {
        ModelSpec spec = Parse("Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512");

        Assert.Equal(4, spec.KvHeads);
        Assert.Equal(128, spec.FfnDim);
        Assert.Equal(GeneratorFamily.Gpt2, spec.Family);
    }

    [Fact]
    public void GeneratedConstantsCarryTheDefaults()
    {
        GeneratorRunResult result = GeneratorHarness.Run(Source("DModel = 288, Heads = 6, Layers = 2, Vocab = 1000, Context = 256")).Result;
        string shape = result.GeneratedSources.Single(source => source.HintName == "Models.Model.Shape.g.cs").SourceText.ToString();

        Assert.Contains("public const int KvHeads = 6;", shape);
        Assert.Contains("public const int FfnDim = 768;", shape);
        Assert.Contains("public const bool TiedEmbeddings = true;", shape);
    }

    private static ModelSpec Parse(string arguments)
    {
        GeneratorRunResult result = GeneratorHarness.Run(Source(arguments)).Result;
        Assert.Empty(result.Diagnostics);
        return (ModelSpec)result.TrackedSteps[TrackingNames.Specs].SelectMany(step => step.Outputs).Single().Value;
    }

    private static string Source(string arguments) => $$"""
        using Codegen;

        namespace Models;

        [TransformerModel({{arguments}})]
        internal partial class Model
        {
        }
        """;
}
