using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static Codegen.Tests.Generator.DiagnosticSources;

namespace Codegen.Tests.Generator;

/// <summary>
/// Diagnostics about the model's sizes and how they divide: one bad size on its argument, a problem
/// between sizes on the attribute with the arguments involved as additional locations.
/// </summary>
public sealed class SizeDiagnosticTests
{
    [Fact]
    public Task CG0004_SizeNotPositive() => VerifyAsync(
        Model("DModel = 64, Heads = 8, {|#1:Layers = 0|}, Vocab = 512, Context = 128"),
        DiagnosticResult.CompilerError("CG0004").WithLocation(1).WithArguments("Layers", "0", ""));

    [Fact]
    public Task CG0004_RequiredSizeMissing() => VerifyAsync(
        Model("DModel = 64, Heads = 8, Layers = 2, Context = 128"),
        DiagnosticResult.CompilerError("CG0004").WithLocation(0).WithArguments("Vocab", "0", " (it is required)"));

    [Fact]
    public Task CG0004_OptionalSizeNegative() => VerifyAsync(
        Model(Valid + ", {|#1:KvHeads = -2|}"),
        DiagnosticResult.CompilerError("CG0004").WithLocation(1).WithArguments("KvHeads", "-2", " (leave it out for the default)"));

    [Fact]
    public Task CG0005_DModelNotDivisibleByHeads() => VerifyAsync(
        Model("{|#1:DModel = 64|}, {|#2:Heads = 6|}, Layers = 2, Vocab = 512, Context = 128"),
        DiagnosticResult.CompilerError("CG0005").WithLocation(0).WithLocation(1).WithLocation(2).WithArguments("64", "6"));

    [Fact]
    public Task CG0006_HeadsNotDivisibleByKvHeads() => VerifyAsync(
        Model("DModel = 64, {|#1:Heads = 8|}, Layers = 2, Vocab = 512, Context = 128, {|#2:KvHeads = 3|}"),
        DiagnosticResult.CompilerError("CG0006").WithLocation(0).WithLocation(1).WithLocation(2).WithArguments("8", "3"));

    [Fact]
    public Task CG0007_OddHeadSizeWithRotary() => VerifyAsync(
        Model("{|#1:DModel = 72|}, {|#2:Heads = 8|}, Layers = 2, Vocab = 512, Context = 128"),
        DiagnosticResult.CompilerError("CG0007").WithLocation(0).WithLocation(1).WithLocation(2).WithArguments("72", "8", "9"));

    [Fact]
    public Task CG0012_TensorTooLarge() => VerifyAsync(
        Model("{|#1:DModel = 64|}, Heads = 8, Layers = 2, {|#2:Vocab = 2_000_000_000|}, Context = 128"),
        DiagnosticResult.CompilerError("CG0012").WithLocation(0).WithLocation(2).WithLocation(1)
            .WithArguments("The token embedding [Vocab, DModel]", "128000000000", "2147483591", "Vocab or DModel"));
}
