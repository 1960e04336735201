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
    /// <summary>Llama 3 70B's shape (grouped-query attention, 80 layers, a 128256-token vocabulary).</summary>
    internal const string Llama70B = "DModel = 8192, Heads = 64, KvHeads = 8, Layers = 80, FfnDim = 28672, Vocab = 128256, Context = 8192, TiedEmbeddings = false";

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

    [Fact]
    public Task CG0017_ContextTooShort_WarnsAndStillGenerates() => VerifyStillGeneratesAsync(
        Model("DModel = 64, Heads = 8, Layers = 2, Vocab = 512, {|#1:Context = 1|}"),
        DiagnosticResult.CompilerWarning("CG0017").WithLocation(1).WithArguments("1"));

    [Fact]
    public Task CG0017_ContextOfTwoIsFine() => VerifyStillGeneratesAsync(
        Model("DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 2"));

    [Fact]
    public Task CG0018_WeightsTooLarge_WarnsAndStillGenerates() => VerifyStillGeneratesAsync(
        Model(Llama70B),
        DiagnosticResult.CompilerWarning("CG0018").WithLocation(0)
            .WithArguments("282,214,825,984", "262.8", "F32", "256"));

    [Fact]
    public Task CG0018_TheSameShapeInBf16IsFine() => VerifyStillGeneratesAsync(
        Model(Llama70B + ", Weights = WeightFormat.BF16"));

    /// <summary>Llama 3.2 1B's shape with its config's 131,072 positions: an 8 GiB cache beside 4.6 GiB of weights.</summary>
    internal const string Llama32LongContext =
        "DModel = 2048, Heads = 32, KvHeads = 8, Layers = 16, FfnDim = 8192, Vocab = 128256, {|#1:Context = 131072|}";

    [Fact]
    public Task CG0026_KvCacheLargerThanTheModel_WarnsAndStillGenerates() => VerifyStillGeneratesAsync(
        Model(Llama32LongContext),
        DiagnosticResult.CompilerWarning("CG0026").WithLocation(1).WithArguments("8,589,934,592", "8.0", "131072", "4.6"));

    [Fact]
    public Task CG0026_AShorterContextIsFine() => VerifyStillGeneratesAsync(
        Model(Llama32LongContext.Replace("131072", "8192")));
}
