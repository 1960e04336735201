using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;

namespace Codegen.Tests.Generator;

/// <summary>
/// Declarations for the diagnostic tests, with the attribute marked as location 0, and the check
/// that runs them: exactly the expected diagnostics, and (as no generated file is expected) nothing
/// generated, so a broken declaration is never followed by compile errors in generated code.
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

    /// <summary>A valid Llama shape to vary one argument of.</summary>
    public const string Valid = "DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128";

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new ModelGeneratorTest();
        test.TestState.Sources.Add(source);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
