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

        // A partial type is marked once, on any one of its parts.
        var marks = new System.Collections.Generic.Dictionary<string, bool>();
        foreach (GeneratedSourceResult file in result.GeneratedSources)
        {
            foreach (BaseTypeDeclarationSyntax type in file.SyntaxTree.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>())
            {
                // The user's own class, which the generated files extend as partial, is theirs to mark.
                if (type.Parent is not TypeDeclarationSyntax)
                {
                    continue;
                }

                bool marked = type.AttributeLists.SelectMany(list => list.Attributes).Any(attribute => attribute.Name.ToString().EndsWith("GeneratedCode"));
                marks[type.Identifier.Text] = marks.TryGetValue(type.Identifier.Text, out bool before) ? before || marked : marked;
            }
        }

        Assert.True(marks.Count >= 8, $"only {marks.Count} generated types found");
        Assert.All(marks, mark => Assert.True(mark.Value, $"{mark.Key} has no [GeneratedCode]"));
    }
}
