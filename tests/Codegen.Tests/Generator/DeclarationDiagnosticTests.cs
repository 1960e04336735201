using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static Codegen.Tests.Generator.DiagnosticSources;

namespace Codegen.Tests.Generator;

/// <summary>
/// Diagnostics about the annotated class itself: partial, generic, nested, static or abstract, each
/// reported on the class name (or on the modifier that is wrong).
/// </summary>
public sealed class DeclarationDiagnosticTests
{
    [Fact]
    public Task CG0001_ClassNotPartial() => VerifyAsync(
        Model(Valid, "internal class {|#1:Model|}"),
        DiagnosticResult.CompilerError("CG0001").WithLocation(1).WithArguments("Model"));

    [Fact]
    public Task CG0002_ClassIsGeneric() => VerifyAsync(
        Model(Valid, "internal partial class {|#1:Model|}<T>"),
        DiagnosticResult.CompilerError("CG0002").WithLocation(1).WithArguments("Model"));

    [Fact]
    public Task CG0003_ClassIsNested() => VerifyAsync(
        $$"""
        using Codegen;

        namespace Models;

        internal partial class Outer
        {
            [TransformerModel({{Valid}})]
            internal partial class {|#1:Model|}
            {
            }
        }
        """,
        DiagnosticResult.CompilerError("CG0003").WithLocation(1).WithArguments("Model", "Models.Outer"));

    [Fact]
    public Task CG0013_ClassIsStatic() => VerifyAsync(
        Model(Valid, "internal {|#1:static|} partial class Model"),
        DiagnosticResult.CompilerError("CG0013").WithLocation(1).WithArguments("Model", "static"));

    [Fact]
    public Task CG0013_ClassIsAbstract() => VerifyAsync(
        Model(Valid, "internal {|#1:abstract|} partial class Model"),
        DiagnosticResult.CompilerError("CG0013").WithLocation(1).WithArguments("Model", "abstract"));

    [Fact]
    public Task CG0013_StaticInAnotherPartIsReportedOnTheName() => VerifyAsync(
        $$"""
        using Codegen;

        namespace Models
        {
            [TransformerModel({{Valid}})]
            internal partial class {|#1:Model|}
            {
            }

            internal static partial class Model
            {
            }
        }
        """,
        DiagnosticResult.CompilerError("CG0013").WithLocation(1).WithArguments("Model", "static"));

    [Fact]
    public Task SeveralProblemsAreEachReportedWhereTheyAre() => VerifyAsync(
        Model("DModel = 64, Heads = 8, {|#1:Layers = -1|}, Vocab = 512, Context = 128", "internal class {|#2:Model|}"),
        DiagnosticResult.CompilerError("CG0001").WithLocation(2).WithArguments("Model"),
        DiagnosticResult.CompilerError("CG0004").WithLocation(1).WithArguments("Layers", "-1", ""));
}
