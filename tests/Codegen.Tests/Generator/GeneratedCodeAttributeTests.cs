using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>Every type the generator declares carries [GeneratedCode], so tools (coverage, analyzers) can tell it from the user's code.</summary>
public sealed class GeneratedCodeAttributeTests
{
    [Theory]
    [InlineData(nameof(ModelShapes.Stories260K))]
    [InlineData(nameof(ModelShapes.OddGroupedQuery))]
    [InlineData(nameof(ModelShapes.Gpt2Small))]
    public void EveryGeneratedTypeIsMarked(string shape)
    {
        string source = (string)typeof(ModelShapes).GetField(shape)!.GetValue(null)!;
        Compilation compilation = GeneratorHarness.Compile(source).WithReferences(GpuTestReferences.All);
        GeneratorRunResult result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(result.GeneratedSources, file => file.HintName.EndsWith(".GpuSession.g.cs"));

        int types = 0;
        foreach (GeneratedSourceResult file in result.GeneratedSources)
        {
            foreach (BaseTypeDeclarationSyntax type in file.SyntaxTree.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>())
            {
                // The user's own class, which the generated files extend as partial, is theirs to mark.
                if (type.Parent is not TypeDeclarationSyntax)
                {
                    continue;
                }

                types++;
                bool marked = type.AttributeLists.SelectMany(list => list.Attributes).Any(attribute => attribute.Name.ToString().EndsWith("GeneratedCode"));
                Assert.True(marked, $"{file.HintName}: {type.Identifier} has no [GeneratedCode]");
            }
        }

        Assert.True(types >= 8, $"only {types} generated types found");
    }
}
