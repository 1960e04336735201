using System.Collections.Generic;
using System.Linq;
using Codegen.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>
/// The pipeline stays cached when nothing about a model changes, and reruns when the attribute does:
/// edits elsewhere in a project must not regenerate (or re-parse into new) model code.
/// </summary>
public sealed class IncrementalCachingTests
{
    private const string ModelSource = """
        using Codegen;

        namespace Models;

        [TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
        internal partial class Model
        {
        }
        """;

    private const string OtherSource = """
        namespace Models;

        internal sealed class Other
        {
            public int First() => 1;
        }
        """;

    private const string OtherSourceEdited = """
        namespace Models;

        internal sealed class Other
        {
            public int First() => 1;

            public int Second() => 2;
        }
        """;

    private static readonly string[] TrackedSteps = { TrackingNames.Parse, TrackingNames.Specs };

    [Fact]
    public void EditingAnotherFileKeepsThePipelineCached()
    {
        Compilation compilation = GeneratorHarness.Compile(ModelSource, OtherSource);
        SyntaxTree other = compilation.SyntaxTrees.Single(tree => tree.FilePath == "Source1.cs");
        Compilation edited = compilation.ReplaceSyntaxTree(other, GeneratorHarness.Parse(OtherSourceEdited, other.FilePath));

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, edited);

        AssertOnlyCachedOrUnchanged(second);
        Assert.Equal(Sources(first), Sources(second));
    }

    [Fact]
    public void AddingAFileKeepsThePipelineCached()
    {
        Compilation compilation = GeneratorHarness.Compile(ModelSource);
        Compilation extended = compilation.AddSyntaxTrees(GeneratorHarness.Parse(OtherSource, "Added.cs"));

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, extended);

        AssertOnlyCachedOrUnchanged(second);
        Assert.Equal(Sources(first), Sources(second));
    }

    [Fact]
    public void ChangingAnAttributeArgumentModifiesTheSpec()
    {
        Compilation compilation = GeneratorHarness.Compile(ModelSource, OtherSource);
        SyntaxTree model = compilation.SyntaxTrees.Single(tree => tree.FilePath == "Source0.cs");
        Compilation edited = compilation.ReplaceSyntaxTree(
            model,
            GeneratorHarness.Parse(ModelSource.Replace("Layers = 5", "Layers = 6"), model.FilePath));

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, edited);

        Assert.Equal(
            new[] { IncrementalStepRunReason.Modified },
            Outputs(second, TrackingNames.Specs).Select(output => output.Reason));
        Assert.NotEqual(Sources(first), Sources(second));
    }

    private static (GeneratorRunResult First, GeneratorRunResult Second) RunTwice(Compilation before, Compilation after)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(before);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        driver = driver.RunGenerators(after);
        return (first, driver.GetRunResult().Results.Single());
    }

    private static void AssertOnlyCachedOrUnchanged(GeneratorRunResult result)
    {
        foreach (string step in TrackedSteps)
        {
            var outputs = Outputs(result, step);
            Assert.NotEmpty(outputs);
            Assert.All(outputs, output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"Step {step} output {output.Value} was {output.Reason}."));
        }
    }

    private static List<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(run => run.Outputs).ToList();

    private static List<(string HintName, string Text)> Sources(GeneratorRunResult result) =>
        result.GeneratedSources.Select(source => (source.HintName, source.SourceText.ToString())).ToList();
}
