using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>
/// The generated files keep only what depends on the shape (issue 12's budget, lines of generated C# with the
/// GPU runtime referenced; docs/architecture.md states the counts): everything else belongs in the runtime.
/// A Llama-family model's budget grew by its Hugging Face folder loader (issue 13, about 90 lines); every model's by
/// the batch session (issue 18, about 200 lines).
/// </summary>
public sealed class GeneratedSizeTests
{
    private const string Gpt2SmallShape = """
        using Codegen;

        namespace Samples.Gpt;

        [TransformerModel(Family = ModelFamily.Gpt2, DModel = 768, Heads = 12, Layers = 12, Vocab = 50257, Context = 1024)]
        public partial class Gpt2Small
        {
        }
        """;

    [Theory]
    [InlineData(ModelShapes.Stories260K, 1600)]
    [InlineData(Gpt2SmallShape, 1800)]
    public void GeneratedLinesStayWithinTheBudget(string source, int budget)
    {
        Compilation compilation = GeneratorHarness.Compile(source).WithReferences(GpuTestReferences.All);
        GeneratorRunResult result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(result.GeneratedSources, file => file.HintName.EndsWith(".GpuKernels.g.cs"));

        int lines = result.GeneratedSources.Sum(file => file.SourceText.ToString().Count(c => c == '\n'));
        string perFile = string.Join(", ", result.GeneratedSources.Select(file => $"{file.HintName} {file.SourceText.ToString().Count(c => c == '\n')}"));
        Assert.True(lines <= budget, $"{lines} generated lines, budget {budget}: {perFile}");
    }
}
