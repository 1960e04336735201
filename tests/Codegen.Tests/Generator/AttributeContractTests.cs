using System;
using System.Linq;
using System.Reflection;
using Codegen.Generator;
using Codegen.Generator.Model;
using Codegen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Xunit;
using GeneratorAttribute = Codegen.Generator.Model.TransformerModelAttribute;
using GeneratorDefaults = Codegen.Generator.Model.TransformerModelDefaults;
using GeneratorFamily = Codegen.Generator.Model.ModelFamily;
using GeneratorWeightFormat = Codegen.Generator.Model.WeightFormat;

namespace Codegen.Tests.Generator;

/// <summary>
/// The attribute contract has one home (runtime/TransformerModelAttribute.cs, linked into the
/// generator): the runtime's attribute and the generator's copy agree, the parser reads exactly the
/// attribute's properties, and what the parser resolves for a left-out argument is the attribute's
/// own initial value.
/// </summary>
public sealed class AttributeContractTests
{
    private static readonly string[] RuntimeProperties = typeof(TransformerModelAttribute)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        .Select(property => property.Name)
        .ToArray();

    [Fact]
    public void TheParserReadsEveryPropertyOfTheAttributeAndNoOther() =>
        Assert.Equal(RuntimeProperties.Order(), ModelSpecParser.Names.All.Order());

    [Fact]
    public void TheGeneratorCompilesTheRuntimesAttributeFile()
    {
        Assert.Equal(
            Describe(typeof(TransformerModelAttribute)),
            Describe(typeof(GeneratorAttribute)));
        Assert.Equal(Enum.GetNames<ModelFamily>(), Enum.GetNames<GeneratorFamily>());
        Assert.Equal(Enum.GetValues<ModelFamily>().Select(v => (int)v), Enum.GetValues<GeneratorFamily>().Select(v => (int)v));
        Assert.Equal(Enum.GetNames<WeightFormat>(), Enum.GetNames<GeneratorWeightFormat>());
        Assert.Equal(Enum.GetValues<WeightFormat>().Select(v => (int)v), Enum.GetValues<GeneratorWeightFormat>().Select(v => (int)v));

        static string[] Describe(Type attribute) => attribute
            .GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Select(property => $"{property.PropertyType.Name} {property.Name}")
            .ToArray();
    }

    /// <summary>The generator's copy is internal and in its own namespace, so a project referencing both sees one Codegen.TransformerModelAttribute.</summary>
    [Fact]
    public void TheGeneratorsCopyIsInternalAndTheRuntimesPublic()
    {
        foreach ((Type runtime, Type generator) in new[]
                 {
                     (typeof(TransformerModelAttribute), typeof(GeneratorAttribute)),
                     (typeof(ModelFamily), typeof(GeneratorFamily)),
                     (typeof(WeightFormat), typeof(GeneratorWeightFormat)),
                 })
        {
            Assert.True(runtime.IsPublic, runtime.FullName);
            Assert.Equal("Codegen", runtime.Namespace);
            Assert.False(generator.IsPublic, generator.FullName);
            Assert.Equal("Codegen.Generator.Model", generator.Namespace);
        }
    }

    [Fact]
    public void LeftOutArgumentsResolveToTheAttributesInitialValues()
    {
        var attribute = new TransformerModelAttribute();
        ModelSpec spec = ParseSingle("DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128");

        Assert.Equal((int)attribute.Family, (int)spec.Family);
        Assert.Equal((int)attribute.Weights, (int)spec.Weights);
        Assert.Equal(attribute.NormEpsilon, spec.NormEpsilon);
        Assert.Equal(attribute.RopeTheta, spec.RopeTheta);
        Assert.Equal(attribute.TiedEmbeddings, spec.TiedEmbeddings);

        // 0 asks for the default: KvHeads = Heads, FfnDim from the family's rule.
        Assert.Equal(0, attribute.KvHeads);
        Assert.Equal(0, attribute.FfnDim);
        Assert.Equal(8, spec.KvHeads);
        Assert.Equal(GeneratorDefaults.DefaultFfnDim(GeneratorFamily.Llama, 64), spec.FfnDim);
    }

    [Fact]
    public void ZeroForKvHeadsOrFfnDimMeansTheDefault() =>
        Assert.Equal(
            ParseSingle("DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128"),
            ParseSingle("DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128, KvHeads = 0, FfnDim = 0"));

    private static ModelSpec ParseSingle(string arguments)
    {
        GeneratorRunResult result = GeneratorHarness.Run($$"""
            using Codegen;

            namespace Models;

            [TransformerModel({{arguments}})]
            internal partial class Model
            {
            }
            """).Result;
        Assert.Empty(result.Diagnostics);
        return (ModelSpec)result.TrackedSteps[TrackingNames.Specs].SelectMany(step => step.Outputs).Single().Value;
    }
}
