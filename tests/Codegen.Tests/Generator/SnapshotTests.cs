using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Codegen.Generator;
using Codegen.Generator.Emit;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>
/// The generated files of three shapes match the snapshots, and compile together with the runtime
/// with no errors, no warnings and no unsafe context.
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public Task Stories260K() => VerifyAsync(nameof(ModelShapes.Stories260K), ModelShapes.Stories260K, gpu: true);

    [Fact]
    public Task OddGroupedQuery() => VerifyAsync(nameof(ModelShapes.OddGroupedQuery), ModelShapes.OddGroupedQuery, gpu: false);

    [Fact]
    public Task Gpt2Small() => VerifyAsync(nameof(ModelShapes.Gpt2Small), ModelShapes.Gpt2Small, gpu: true);

    /// <summary>The inspecting session's file, as a CPU-only consumer sees it (the other files are Gpt2Small's, checked below).</summary>
    [Fact]
    public Task InspectableGpt2Small() => VerifyAsync(nameof(ModelShapes.InspectableGpt2Small), ModelShapes.InspectableGpt2Small, gpu: false);

    /// <summary>
    /// Inspectable = true adds the inspecting session's file and changes no other byte: the fast sessions, kernels and
    /// loaders are exactly those of the same model without it.
    /// </summary>
    [Theory]
    [InlineData(ModelShapes.Stories260K, ModelShapes.InspectableStories260K)]
    [InlineData(ModelShapes.Gpt2Small, ModelShapes.InspectableGpt2Small)]
    public void InspectableAddsOneFileAndChangesNoOther(string plain, string inspectable)
    {
        IReadOnlyList<(string HintName, string Text)> without = Generate(plain, gpu: true);
        IReadOnlyList<(string HintName, string Text)> with = Generate(inspectable, gpu: true);
        Assert.DoesNotContain(without, file => file.HintName.EndsWith(".CpuInspectingSession.g.cs"));
        Assert.Equal(without, with.Where(file => !file.HintName.EndsWith(".CpuInspectingSession.g.cs")));
        Assert.Single(with, file => file.HintName.EndsWith(".CpuInspectingSession.g.cs"));
    }

    [Fact]
    public void OddGroupedQuerySplitsStepsOverTheWorkerPool()
    {
        string split = $"granularity: {Codegen.Tuning.TuningConstants.RowGranularity});";
        Assert.Contains(Generate(ModelShapes.OddGroupedQuery, gpu: false), file => file.Text.Contains(split));
    }

    /// <param name="gpu">Whether the consumer references the GPU runtime: then the ILGPU files are part of the snapshot.</param>
    private static async Task VerifyAsync(string shape, string source, bool gpu)
    {
        IReadOnlyList<(string HintName, string Text)> actual = Generate(source, gpu);
        Assert.Equal(gpu, actual.Any(file => file.HintName.EndsWith(".GpuKernels.g.cs")));
        if (Snapshots.Updating)
        {
            Snapshots.Write(shape, actual);
        }

        // In the generator's order (unknown names last), so that a changed file shows as a diff of its text.
        List<string> order = actual.Select(file => file.HintName).ToList();
        IReadOnlyList<(string HintName, string Text)> expected = Snapshots.Updating
            ? actual
            : Snapshots.Read(shape).OrderBy(file => (uint)order.IndexOf(file.HintName)).ToList();
        Assert.NotEmpty(expected);

        var test = new ModelGeneratorTest();
        if (gpu)
        {
            test.TestState.AdditionalReferences.Clear();
            test.TestState.AdditionalReferences.AddRange(GpuTestReferences.All);
        }

        test.TestState.Sources.Add(source);
        foreach ((string hintName, string text) in expected)
        {
            test.TestState.GeneratedSources.Add((typeof(TransformerModelGenerator), hintName, SourceText.From(text, Encoding.UTF8)));
        }

        await test.RunAsync();
    }

    private static IReadOnlyList<(string HintName, string Text)> Generate(string source, bool gpu)
    {
        Compilation compilation = GeneratorHarness.Compile(source);
        if (gpu)
        {
            compilation = compilation.WithReferences(GpuTestReferences.All);
        }

        GeneratorRunResult result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Empty(result.Diagnostics);
        return result.GeneratedSources
            .Select(generated => (generated.HintName, generated.SourceText.ToString()))
            .ToList();
    }
}
