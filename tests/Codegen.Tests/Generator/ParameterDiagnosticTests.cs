using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static Codegen.Tests.Generator.DiagnosticSources;

namespace Codegen.Tests.Generator;

/// <summary>Diagnostics about the family and the numeric parameters, and the GPT-2 specific ones.</summary>
public sealed class ParameterDiagnosticTests
{
    private const string Gpt2 = "Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 2, Vocab = 1000, Context = 128";

    [Fact]
    public Task CG0008_NormEpsilonZero() => VerifyAsync(
        Model(Valid + ", NormEpsilon = 0"),
        DiagnosticResult.CompilerError("CG0008").WithLocation(0).WithArguments("0"));

    [Fact]
    public Task CG0008_NormEpsilonNegative() => VerifyAsync(
        Model(Valid + ", NormEpsilon = -0.5"),
        DiagnosticResult.CompilerError("CG0008").WithLocation(0).WithArguments("-0.5"));

    [Fact]
    public Task CG0009_RopeThetaNotAboveOne() => VerifyAsync(
        Model(Valid + ", RopeTheta = 1.0"),
        DiagnosticResult.CompilerError("CG0009").WithLocation(0).WithArguments("1"));

    [Fact]
    public Task CG0010_Gpt2GroupedQuery() => VerifyAsync(
        Model(Gpt2 + ", KvHeads = 2"),
        DiagnosticResult.CompilerError("CG0010").WithLocation(0).WithArguments("2", "4"));

    [Fact]
    public async Task CG0011_Gpt2RopeTheta_WarnsAndStillGenerates()
    {
        string source = Model(Gpt2 + ", RopeTheta = 10000.0");

        // The generated files compile (no errors, no warnings) beside the expected warning.
        var test = new ModelGeneratorTest { TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.TestState.Sources.Add(source);
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerWarning("CG0011").WithLocation(0));
        await test.RunAsync();

        GeneratorRunResult result = GeneratorHarness.Run(source.Replace("{|#0:", string.Empty).Replace("|}", string.Empty)).Result;
        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(result.Diagnostics).Severity);
        Assert.Contains(result.GeneratedSources, generated => generated.HintName == "Models.Model.Shape.g.cs");
    }

    [Fact]
    public Task CG0014_UnknownFamily() => VerifyAsync(
        Model(Valid + ", Family = (ModelFamily)7"),
        DiagnosticResult.CompilerError("CG0014").WithLocation(0).WithArguments("7"));

    [Fact]
    public Task CG0015_UnknownWeightFormat() => VerifyAsync(
        Model(Valid + ", Weights = (WeightFormat)9"),
        DiagnosticResult.CompilerError("CG0015").WithLocation(0).WithArguments("9"));
}
