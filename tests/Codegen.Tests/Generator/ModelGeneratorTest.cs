using Codegen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace Codegen.Tests.Generator;

/// <summary>
/// The Microsoft.CodeAnalysis.Testing harness set up for Codegen: the running framework and the
/// runtime as references (no reference-assembly download), generated code compiled with no unsafe
/// context, and compiler warnings as well as errors checked.
/// </summary>
internal sealed class ModelGeneratorTest : CSharpSourceGeneratorTest<TransformerModelGenerator, DefaultVerifier>
{
    public ModelGeneratorTest()
    {
        // A framework with no package: it resolves to no assemblies, the references below replace it.
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(TestReferences.All);
        CompilerDiagnostics = CompilerDiagnostics.Warnings;
    }

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions())
            .WithAllowUnsafe(false)
            .WithNullableContextOptions(NullableContextOptions.Enable);

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);
}
