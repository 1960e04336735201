using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Xunit;
using static Codegen.Tests.Generator.DiagnosticSources;

namespace Codegen.Tests.Generator;

/// <summary>
/// Each diagnostic is reported on the syntax that is wrong, read back as source text: the class name,
/// the modifier, the argument (<c>Layers = 0</c>), or the attribute with the arguments involved as
/// additional locations. The marked spans of the diagnostic tests say the same; this reads the text.
/// </summary>
public sealed class DiagnosticLocationTests
{
    private const string Attribute = "TransformerModel(";

    /// <summary>ID, source, whether it declares its own (newer) attribute, the primary location's text, the additional locations' texts.</summary>
    public static TheoryData<string, string, bool, string, string[]> Cases => new()
    {
        { "CG0001", Model(Valid, "internal class Model"), false, "Model", [] },
        { "CG0002", Model(Valid, "internal partial class Model<T>"), false, "Model", [] },
        {
            "CG0003",
            $$"""
            using Codegen;

            namespace Models;

            internal partial class Outer
            {
                [TransformerModel({{Valid}})]
                internal partial class Model
                {
                }
            }
            """,
            false,
            "Model",
            []
        },
        { "CG0004", Model("DModel = 64, Heads = 8, Layers = 0, Vocab = 512, Context = 128"), false, "Layers = 0", [] },
        { "CG0005", Model("DModel = 64, Heads = 6, Layers = 2, Vocab = 512, Context = 128"), false, Attribute, ["DModel = 64", "Heads = 6"] },
        { "CG0006", Model(Valid + ", KvHeads = 3"), false, Attribute, ["Heads = 8", "KvHeads = 3"] },
        { "CG0007", Model("DModel = 72, Heads = 8, Layers = 2, Vocab = 512, Context = 128"), false, Attribute, ["DModel = 72", "Heads = 8"] },
        { "CG0008", Model(Valid + ", NormEpsilon = 0"), false, "NormEpsilon = 0", [] },
        { "CG0009", Model(Valid + ", RopeTheta = 1.0"), false, "RopeTheta = 1.0", [] },
        { "CG0010", Model("Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, KvHeads = 2, Layers = 2, Vocab = 1000, Context = 128"), false, "KvHeads = 2", [] },
        { "CG0011", Model("Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 2, Vocab = 1000, Context = 128, RopeTheta = 10000.0"), false, "RopeTheta = 10000.0", [] },
        { "CG0012", Model("DModel = 64, Heads = 8, Layers = 2, Vocab = 2_000_000_000, Context = 128"), false, Attribute, ["Vocab = 2_000_000_000", "DModel = 64"] },
        { "CG0013", Model(Valid, "internal static partial class Model"), false, "static", [] },
        { "CG0014", Model(Valid + ", Family = (ModelFamily)7"), false, "Family = (ModelFamily)7", [] },
        { "CG0015", Model(Valid + ", Weights = (WeightFormat)9"), false, "Weights = (WeightFormat)9", [] },
        { "CG0016", ParameterDiagnosticTests.WithNewerAttribute(Valid + ", SlidingWindow = 64"), true, "SlidingWindow = 64", [] },
        { "CG0017", Model("DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 1"), false, "Context = 1", [] },
        { "CG0018", Model(SizeDiagnosticTests.Llama70B), false, Attribute, [] },
        { "CG0026", Model(SizeDiagnosticTests.Llama32LongContext), false, "Context = 131072", [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheDiagnosticIsOnTheSyntaxThatIsWrong(string id, string source, bool ownAttribute, string expected, string[] expectedAdditional)
    {
        Compilation compilation = GeneratorHarness.Compile(
            ownAttribute ? TestReferences.Framework : TestReferences.All,
            WithoutMarkup(source));
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SourceText text = tree.GetText();

        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(compilation).Result.Diagnostics, d => d.Id == id);

        Assert.Equal(tree.FilePath, diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(text.Lines.GetLinePositionSpan(diagnostic.Location.SourceSpan), diagnostic.Location.GetLineSpan().Span);
        string located = text.ToString(diagnostic.Location.SourceSpan);
        if (expected == Attribute)
        {
            // The whole attribute as written, from its name to its closing parenthesis.
            Assert.Equal(tree.GetRoot().DescendantNodes().OfType<AttributeSyntax>().Single().ToString(), located);
            Assert.StartsWith(Attribute, located);
        }
        else
        {
            Assert.Equal(expected, located);
        }

        Assert.Equal(expectedAdditional, diagnostic.AdditionalLocations.Select(location => text.ToString(location.SourceSpan)));
    }

    /// <summary>ID, source, the config file's text at /project/models/tiny/config.json (null: no file), the primary location's text.</summary>
    public static TheoryData<string, string, string?, string> ConfigCases => new()
    {
        { "CG0019", Model(TinyConfig), null, TinyConfig },
        { "CG0020", Model(TinyConfig), "{ \"hidden_size\": ", TinyConfig },
        { "CG0021", Model(TinyConfig), ConfigDiagnosticTests.LlamaConfig().Replace("LlamaForCausalLM", "GemmaForCausalLM").Replace("\"llama\"", "\"gemma\""), TinyConfig },
        { "CG0022", Model(TinyConfig), ConfigDiagnosticTests.LlamaConfig(",\n  \"mlp_bias\": true"), TinyConfig },
        { "CG0023", Model(TinyConfig + ", Vocab = 1000"), ConfigDiagnosticTests.LlamaConfig(), "Vocab = 1000" },
        { "CG0024", Model(TinyConfig), ConfigDiagnosticTests.LlamaConfig().Replace("\"vocab_size\": 512,", string.Empty), TinyConfig },
        { "CG0025", Model("Config = \"config.json\""), ConfigDiagnosticTests.LlamaConfig(), "Config = \"config.json\"" },
    };

    private const string TinyConfig = "Config = \"models/tiny/config.json\"";

    [Theory]
    [MemberData(nameof(ConfigCases))]
    public void TheConfigDiagnosticIsOnTheArgumentThatIsWrong(string id, string source, string? config, string expected)
    {
        Compilation compilation = GeneratorHarness.Compile(WithoutMarkup(source));
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        AdditionalText[] files = config is null
            ? []
            : [new InMemoryAdditionalText("/project/models/tiny/config.json", config), new InMemoryAdditionalText("/project/other/config.json", config)];

        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(compilation, files).Result.Diagnostics, d => d.Id == id);

        Assert.Equal(tree.FilePath, diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(expected, tree.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Empty(diagnostic.AdditionalLocations);
    }

    [Fact]
    public void EveryIdHasALocationCase() =>
        Assert.Equal(
            AllDescriptors.Select(descriptor => descriptor.Id).Order(),
            Cases.Select(row => (string)row[0]).Concat(ConfigCases.Select(row => (string)row[0])).Order());
}
