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

    /// <summary>ID, source, the primary location's text, the additional locations' texts.</summary>
    public static TheoryData<string, string, string, string[]> Cases => new()
    {
        { "CG0001", Model(Valid, "internal class Model"), "Model", [] },
        { "CG0002", Model(Valid, "internal partial class Model<T>"), "Model", [] },
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
            "Model",
            []
        },
        { "CG0004", Model("DModel = 64, Heads = 8, Layers = 0, Vocab = 512, Context = 128"), "Layers = 0", [] },
        { "CG0005", Model("DModel = 64, Heads = 6, Layers = 2, Vocab = 512, Context = 128"), Attribute, ["DModel = 64", "Heads = 6"] },
        { "CG0006", Model(Valid + ", KvHeads = 3"), Attribute, ["Heads = 8", "KvHeads = 3"] },
        { "CG0007", Model("DModel = 72, Heads = 8, Layers = 2, Vocab = 512, Context = 128"), Attribute, ["DModel = 72", "Heads = 8"] },
        { "CG0008", Model(Valid + ", NormEpsilon = 0"), "NormEpsilon = 0", [] },
        { "CG0009", Model(Valid + ", RopeTheta = 1.0"), "RopeTheta = 1.0", [] },
        { "CG0010", Model("Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, KvHeads = 2, Layers = 2, Vocab = 1000, Context = 128"), "KvHeads = 2", [] },
        { "CG0011", Model("Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 2, Vocab = 1000, Context = 128, RopeTheta = 10000.0"), "RopeTheta = 10000.0", [] },
        { "CG0012", Model("DModel = 64, Heads = 8, Layers = 2, Vocab = 2_000_000_000, Context = 128"), Attribute, ["Vocab = 2_000_000_000", "DModel = 64"] },
        { "CG0013", Model(Valid, "internal static partial class Model"), "static", [] },
        { "CG0014", Model(Valid + ", Family = (ModelFamily)7"), "Family = (ModelFamily)7", [] },
        { "CG0015", Model(Valid + ", Weights = (WeightFormat)9"), "Weights = (WeightFormat)9", [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheDiagnosticIsOnTheSyntaxThatIsWrong(string id, string source, string expected, string[] expectedAdditional)
    {
        Compilation compilation = GeneratorHarness.Compile(WithoutMarkup(source));
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

    [Fact]
    public void EveryIdHasALocationCase() =>
        Assert.Equal(
            AllDescriptors.Select(descriptor => descriptor.Id).Order(),
            Cases.Select(row => (string)row[0]).Order());
}
