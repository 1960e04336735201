using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static Codegen.Tests.Generator.DiagnosticSources;

namespace Codegen.Tests.Generator;

/// <summary>Diagnostics about the annotated class itself: partial, generic, nested, static or abstract.</summary>
public sealed class DeclarationDiagnosticTests
{
    [Fact]
    public Task CG0001_ClassNotPartial() => VerifyAsync(
        Model(Valid, "internal class Model"),
        DiagnosticResult.CompilerError("CG0001").WithLocation(0).WithArguments("Model"));

    [Fact]
    public Task CG0002_ClassIsGeneric() => VerifyAsync(
        Model(Valid, "internal partial class Model<T>"),
        DiagnosticResult.CompilerError("CG0002").WithLocation(0).WithArguments("Model"));

    [Fact]
    public Task CG0003_ClassIsNested() => VerifyAsync(
        $$"""
        using Codegen;

        namespace Models;

        internal partial class Outer
        {
            [{|#0:TransformerModel({{Valid}})|}]
            internal partial class Model
            {
            }
        }
        """,
        DiagnosticResult.CompilerError("CG0003").WithLocation(0).WithArguments("Model", "Models.Outer"));

    [Fact]
    public Task CG0013_ClassIsStatic() => VerifyAsync(
        Model(Valid, "internal static partial class Model"),
        DiagnosticResult.CompilerError("CG0013").WithLocation(0).WithArguments("Model", "static"));

    [Fact]
    public Task CG0013_ClassIsAbstract() => VerifyAsync(
        Model(Valid, "internal abstract partial class Model"),
        DiagnosticResult.CompilerError("CG0013").WithLocation(0).WithArguments("Model", "abstract"));
}
