using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Codegen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>
/// Declarations for the diagnostic tests, with the attribute marked as location 0 (arguments and
/// names inside it are marked 1, 2, ... by each test), and the checks that run them: exactly the
/// expected diagnostics at exactly the marked spans (the first location of a result is the primary
/// one, the others its additional locations), and for errors nothing generated, so a broken
/// declaration is never followed by compile errors in generated code.
/// </summary>
internal static class DiagnosticSources
{
    /// <summary>A model class in namespace Models with the given attribute arguments and declaration line.</summary>
    public static string Model(string arguments, string declaration = "internal partial class Model") => $$"""
        using Codegen;

        namespace Models;

        [{|#0:TransformerModel({{arguments}})|}]
        {{declaration}}
        {
        }
        """;

    /// <summary>Every descriptor the generator declares.</summary>
    public static DiagnosticDescriptor[] AllDescriptors { get; } = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
        .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
        .ToArray();

    /// <summary>A valid Llama shape to vary one argument of.</summary>
    public const string Valid = "DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128";

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        VerifyAsync(TestReferences.All, source, expected);

    /// <summary>As <see cref="VerifyAsync(string, DiagnosticResult[])"/>, compiled against <paramref name="references"/> only.</summary>
    public static Task VerifyAsync(ImmutableArray<MetadataReference> references, string source, params DiagnosticResult[] expected)
    {
        var test = new ModelGeneratorTest();
        test.TestState.AdditionalReferences.Clear();
        test.TestState.AdditionalReferences.AddRange(references);
        test.TestState.Sources.Add(source);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>As <see cref="VerifyAsync(string, DiagnosticResult[])"/>, with AdditionalFiles (path and text) given to the compiler.</summary>
    public static Task VerifyWithFilesAsync(string source, (string Path, string Text)[] files, params DiagnosticResult[] expected)
    {
        // Only the diagnostics are checked: a declaration from a config that is valid generates its files.
        var test = new ModelGeneratorTest { TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.TestState.AdditionalReferences.Clear();
        test.TestState.AdditionalReferences.AddRange(TestReferences.All);
        test.TestState.Sources.Add(source);
        foreach ((string path, string text) in files)
        {
            test.TestState.AdditionalFiles.Add((path, text));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>
    /// For warnings: exactly the expected diagnostics, and the model's files are still generated and
    /// compile with no error and no warning of their own.
    /// </summary>
    public static async Task VerifyStillGeneratesAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new ModelGeneratorTest { TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.TestState.Sources.Add(source);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();

        GeneratorRunResult result = GeneratorHarness.Run(WithoutMarkup(source)).Result;
        Assert.All(result.Diagnostics, diagnostic => Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity));
        Assert.Equal(expected.Length, result.Diagnostics.Length);
        Assert.Contains(result.GeneratedSources, generated => generated.HintName == "Models.Model.Shape.g.cs");
    }

    /// <summary>The source with the location markup (<c>{|#n:</c> and <c>|}</c>) removed.</summary>
    public static string WithoutMarkup(string source) => Regex.Replace(source, @"\{\|#\d+:|\|\}", string.Empty);
}
