using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Codegen.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>
/// The pipeline stays cached when nothing about a model changes, and reruns when the attribute does:
/// edits elsewhere in a project must not regenerate (or re-parse into new) model code. Every step the
/// generator names (<see cref="TrackingNames"/>) and every source output is checked, with and without
/// a reference to the GPU runtime (which adds the ILGPU files).
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

    /// <summary>
    /// A second model, with two warnings (CG0011, CG0017), so that the diagnostics step has values to keep cached; inspectable,
    /// so the inspecting session's file is among the outputs that must stay cached.
    /// </summary>
    private const string WarningModelSource = """
        using Codegen;

        namespace Models;

        [TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 2, Vocab = 1000, Context = 1, RopeTheta = 10000.0, Inspectable = true)]
        internal partial class Gpt2Model
        {
        }
        """;

    /// <summary>A declaration with an error between arguments (CG0005, with additional locations): diagnostics and no code.</summary>
    private const string BrokenModelSource = """
        using Codegen;

        namespace Models;

        [TransformerModel(DModel = 64, Heads = 6, Layers = 2, Vocab = 512, Context = 128)]
        internal partial class BrokenModel
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

    private static readonly string[] TrackedSteps = SpecModelTests.TrackedStepNames();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EditingAnotherFileKeepsEveryStepCached(bool gpuRuntime)
    {
        Compilation compilation = Compile(gpuRuntime, ModelSource, WarningModelSource, BrokenModelSource, OtherSource);
        SyntaxTree other = compilation.SyntaxTrees.Single(tree => tree.FilePath == "Source3.cs");
        Compilation edited = compilation.ReplaceSyntaxTree(other, GeneratorHarness.Parse(OtherSourceEdited, other.FilePath));

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, edited);

        AssertGeneratedFor(first, gpuRuntime);
        AssertEverythingCachedOrUnchanged(second);
        Assert.Equal(Sources(first), Sources(second));
        Assert.Equal(Diagnostics(first), Diagnostics(second));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AddingAFileKeepsEveryStepCached(bool gpuRuntime)
    {
        Compilation compilation = Compile(gpuRuntime, ModelSource, WarningModelSource, BrokenModelSource);
        Compilation extended = compilation.AddSyntaxTrees(GeneratorHarness.Parse(OtherSource, "Added.cs"));

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, extended);

        AssertGeneratedFor(first, gpuRuntime);
        AssertEverythingCachedOrUnchanged(second);
        Assert.Equal(Sources(first), Sources(second));
    }

    [Fact]
    public void TurningOnInspectableModifiesOnlyThatModelAndAddsItsInspectingSession()
    {
        Compilation compilation = Compile(false, ModelSource, WarningModelSource, OtherSource);
        SyntaxTree model = compilation.SyntaxTrees.Single(tree => tree.FilePath == "Source0.cs");
        Compilation edited = compilation.ReplaceSyntaxTree(
            model,
            GeneratorHarness.Parse(ModelSource.Replace("Context = 512)", "Context = 512, Inspectable = true)"), model.FilePath));

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, edited);

        foreach (string step in new[] { TrackingNames.Parse, TrackingNames.Specs })
        {
            var reasons = Outputs(second, step).Select(output => output.Reason).ToList();
            Assert.Single(reasons, IncrementalStepRunReason.Modified);
            Assert.All(reasons.Where(reason => reason != IncrementalStepRunReason.Modified), reason => AssertCachedOrUnchanged(step, reason));
        }

        Assert.DoesNotContain(Sources(first), file => file.HintName == "Models.Model.CpuInspectingSession.g.cs");
        Assert.Contains(Sources(second), file => file.HintName == "Models.Model.CpuInspectingSession.g.cs");
        Assert.Contains(Sources(first), file => file.HintName == "Models.Gpt2Model.CpuInspectingSession.g.cs");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ChangingAnAttributeArgumentModifiesItsModelsSteps(bool gpuRuntime)
    {
        Compilation compilation = Compile(gpuRuntime, ModelSource, WarningModelSource, BrokenModelSource, OtherSource);
        SyntaxTree model = compilation.SyntaxTrees.Single(tree => tree.FilePath == "Source0.cs");
        Compilation edited = compilation.ReplaceSyntaxTree(
            model,
            GeneratorHarness.Parse(ModelSource.Replace("Layers = 5", "Layers = 6"), model.FilePath));

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, edited);

        // The edited model's parse, spec and files are new; the other model's are rerun into equal values or cached.
        foreach (string step in new[] { TrackingNames.Parse, TrackingNames.Specs })
        {
            var reasons = Outputs(second, step).Select(output => output.Reason).ToList();
            Assert.Single(reasons, IncrementalStepRunReason.Modified);
            Assert.All(reasons.Where(reason => reason != IncrementalStepRunReason.Modified), reason => AssertCachedOrUnchanged(step, reason));
        }

        Assert.Contains(SourceOutputs(second), output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(SourceOutputs(second), output => output.Reason == IncrementalStepRunReason.Cached);
        Assert.NotEqual(Sources(first), Sources(second));
        Assert.Contains(Sources(second), file => file.Text.Contains("public const int Layers = 6;"));
    }

    [Fact]
    public void ReferencingTheGpuRuntimeModifiesOnlyTheGeneratedFiles()
    {
        Compilation compilation = Compile(gpuRuntime: false, ModelSource, WarningModelSource, BrokenModelSource, OtherSource);
        Compilation withGpu = compilation.WithReferences(TestReferences.WithGpu);

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, withGpu);

        AssertGeneratedFor(first, gpuRuntime: false);
        AssertGeneratedFor(second, gpuRuntime: true);
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Outputs(second, TrackingNames.GpuRuntime)).Reason);
        foreach (string step in new[] { TrackingNames.Parse, TrackingNames.Specs, TrackingNames.Diagnostics })
        {
            Assert.All(Outputs(second, step), output => AssertCachedOrUnchanged(step, output.Reason));
        }

        // The two valid models' files are written again (now with the ILGPU files); the reported diagnostics are cached.
        var reasons = SourceOutputs(second).Select(output => output.Reason).ToList();
        Assert.Equal(2, reasons.Count(reason => reason == IncrementalStepRunReason.Modified));
        Assert.Equal(3, reasons.Count(reason => reason == IncrementalStepRunReason.Cached));
    }

    [Fact]
    public void AnUnrelatedEditKeepsAConfigModelCachedAndEditingItsConfigRegeneratesIt()
    {
        const string ConfigModelSource = """
            using Codegen;

            namespace Models;

            [TransformerModel(Config = "models/tiny/config.json")]
            internal partial class TinyFromConfig
            {
            }
            """;
        var config = new InMemoryAdditionalText("/project/models/tiny/config.json", ConfigDiagnosticTests.LlamaConfig());
        var unrelated = new InMemoryAdditionalText("/project/settings.json", "{ \"unrelated\": 1 }");
        Compilation compilation = Compile(gpuRuntime: false, ConfigModelSource, ModelSource, WarningModelSource, BrokenModelSource, OtherSource);
        SyntaxTree other = compilation.SyntaxTrees.Single(tree => tree.FilePath == "Source4.cs");
        Compilation edited = compilation.ReplaceSyntaxTree(other, GeneratorHarness.Parse(OtherSourceEdited, other.FilePath));

        GeneratorDriver driver = GeneratorHarness.CreateDriver().AddAdditionalTexts(ImmutableArray.Create<AdditionalText>(config, unrelated)).RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.DoesNotContain(first.Diagnostics, diagnostic => diagnostic.Location.SourceTree?.FilePath == "Source0.cs");
        Assert.Contains(Sources(first), file => file.HintName == "Models.TinyFromConfig.Shape.g.cs" && file.Text.Contains("public const int Layers = 2;"));

        // A C# edit elsewhere: every step cached, the config included.
        driver = driver.RunGenerators(edited);
        AssertEverythingCachedOrUnchanged(driver.GetRunResult().Results.Single());

        // The config edited: the config model's resolved spec and files are new, the other model's are not.
        var editedConfig = new InMemoryAdditionalText(config.Path, ConfigDiagnosticTests.LlamaConfig().Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        driver = driver.ReplaceAdditionalText(config, editedConfig).RunGenerators(edited);
        GeneratorRunResult third = driver.GetRunResult().Results.Single();
        foreach (string step in new[] { TrackingNames.Resolve, TrackingNames.Specs })
        {
            var reasons = Outputs(third, step).Select(output => output.Reason).ToList();
            Assert.Single(reasons, IncrementalStepRunReason.Modified);
            Assert.All(reasons.Where(reason => reason != IncrementalStepRunReason.Modified), reason => AssertCachedOrUnchanged(step, reason));
        }

        Assert.All(Outputs(third, TrackingNames.Parse), output => AssertCachedOrUnchanged(TrackingNames.Parse, output.Reason));
        Assert.Contains(Sources(third), file => file.HintName == "Models.TinyFromConfig.Shape.g.cs" && file.Text.Contains("public const int Layers = 3;"));
    }

    private static Compilation Compile(bool gpuRuntime, params string[] sources) =>
        GeneratorHarness.Compile(gpuRuntime ? TestReferences.WithGpu : TestReferences.All, sources);

    private static (GeneratorRunResult First, GeneratorRunResult Second) RunTwice(Compilation before, Compilation after)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(before);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        driver = driver.RunGenerators(after);
        return (first, driver.GetRunResult().Results.Single());
    }

    /// <summary>The run saw (or did not see) the GPU runtime, and generated the ILGPU files only when it did.</summary>
    private static void AssertGeneratedFor(GeneratorRunResult result, bool gpuRuntime)
    {
        Assert.Equal(gpuRuntime, (bool)Assert.Single(Outputs(result, TrackingNames.GpuRuntime)).Value);
        Assert.Equal(gpuRuntime, result.GeneratedSources.Any(source => source.HintName.Contains("Gpu")));
        Assert.Contains(result.GeneratedSources, source => source.HintName == "Models.Model.Shape.g.cs");
        Assert.Contains(result.GeneratedSources, source => source.HintName == "Models.Gpt2Model.Shape.g.cs");
    }

    private static void AssertEverythingCachedOrUnchanged(GeneratorRunResult result)
    {
        foreach (string step in TrackedSteps)
        {
            var outputs = Outputs(result, step);
            Assert.NotEmpty(outputs);
            Assert.All(outputs, output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"Step {step} output {output.Value} was {output.Reason}."));
        }

        var sourceOutputs = SourceOutputs(result);
        Assert.NotEmpty(sourceOutputs);
        Assert.All(sourceOutputs, output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"Source output {output.Step} was {output.Reason}."));
    }

    private static void AssertCachedOrUnchanged(string step, IncrementalStepRunReason reason) =>
        Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Step {step} was {reason}.");

    private static List<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(run => run.Outputs).ToList();

    /// <summary>The outputs of every registered source output (the files and the reported diagnostics), by step name.</summary>
    private static List<(string Step, IncrementalStepRunReason Reason)> SourceOutputs(GeneratorRunResult result) =>
        result.TrackedOutputSteps
            .SelectMany(pair => pair.Value.SelectMany(run => run.Outputs).Select(output => (pair.Key, output.Reason)))
            .ToList();

    private static List<(string HintName, string Text)> Sources(GeneratorRunResult result) =>
        result.GeneratedSources.Select(source => (source.HintName, source.SourceText.ToString())).ToList();

    private static List<string> Diagnostics(GeneratorRunResult result) =>
        result.Diagnostics.Select(diagnostic => diagnostic.ToString()).ToList();
}
