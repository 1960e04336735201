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
    public Task Stories260K() => VerifyAsync(nameof(ModelShapes.Stories260K), ModelShapes.Stories260K);

    [Fact]
    public Task OddGroupedQuery() => VerifyAsync(nameof(ModelShapes.OddGroupedQuery), ModelShapes.OddGroupedQuery);

    [Fact]
    public Task Gpt2Small() => VerifyAsync(nameof(ModelShapes.Gpt2Small), ModelShapes.Gpt2Small);

    [Fact]
    public void OddGroupedQuerySplitsStepsOverTheWorkerPool()
    {
        string split = $"granularity: {Codegen.Tuning.TuningConstants.RowGranularity});";
        Assert.Contains(Generate(ModelShapes.OddGroupedQuery), file => file.Text.Contains(split));
    }

    private static async Task VerifyAsync(string shape, string source)
    {
        IReadOnlyList<(string HintName, string Text)> actual = Generate(source);
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
        test.TestState.Sources.Add(source);
        foreach ((string hintName, string text) in expected)
        {
            test.TestState.GeneratedSources.Add((typeof(TransformerModelGenerator), hintName, SourceText.From(text, Encoding.UTF8)));
        }

        await test.RunAsync();
    }

    private static IReadOnlyList<(string HintName, string Text)> Generate(string source)
    {
        GeneratorRunResult result = GeneratorHarness.Run(source).Result;
        Assert.Empty(result.Diagnostics);
        return result.GeneratedSources
            .Select(generated => (generated.HintName, generated.SourceText.ToString()))
            .ToList();
    }
}
