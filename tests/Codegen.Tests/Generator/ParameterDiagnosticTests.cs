using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static Codegen.Tests.Generator.DiagnosticSources;

namespace Codegen.Tests.Generator;

/// <summary>
/// Diagnostics about the family, the numeric parameters and arguments the generator does not know,
/// and the GPT-2 specific ones, each on the argument that is wrong.
/// </summary>
public sealed class ParameterDiagnosticTests
{
    private const string Gpt2 = "Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 2, Vocab = 1000, Context = 128";

    /// <summary>
    /// A model declared with <paramref name="arguments"/> against the attribute of a later runtime
    /// (<see cref="NewerAttribute"/>), compiled without the real runtime.
    /// </summary>
    internal static string WithNewerAttribute(string arguments) => NewerAttribute + $$"""
        namespace Models
        {
            using Codegen;

            [{|#0:TransformerModel({{arguments}})|}]
            internal partial class Model
            {
            }
        }
        """;

    /// <summary>
    /// A [TransformerModel] attribute as a later runtime might declare it: one property more than the
    /// generator reads (SlidingWindow) and a constructor parameter; internal, as no XML comments are written.
    /// </summary>
    private const string NewerAttribute = """
        namespace Codegen
        {
            internal enum ModelFamily { Llama, Gpt2 }

            internal enum WeightFormat { F32, BF16, Q8 }

            [System.AttributeUsage(System.AttributeTargets.Class)]
            internal sealed class TransformerModelAttribute : System.Attribute
            {
                public TransformerModelAttribute()
                {
                }

                public TransformerModelAttribute(int slidingWindow) => SlidingWindow = slidingWindow;

                public int DModel { get; set; }
                public int Heads { get; set; }
                public int Layers { get; set; }
                public int Vocab { get; set; }
                public int Context { get; set; }
                public int SlidingWindow { get; set; }
            }
        }

        """;

    [Fact]
    public Task CG0008_NormEpsilonZero() => VerifyAsync(
        Model(Valid + ", {|#1:NormEpsilon = 0|}"),
        DiagnosticResult.CompilerError("CG0008").WithLocation(1).WithArguments("0"));

    [Fact]
    public Task CG0008_NormEpsilonNegative() => VerifyAsync(
        Model(Valid + ", {|#1:NormEpsilon = -0.5|}"),
        DiagnosticResult.CompilerError("CG0008").WithLocation(1).WithArguments("-0.5"));

    [Fact]
    public Task CG0009_RopeThetaNotAboveOne() => VerifyAsync(
        Model(Valid + ", {|#1:RopeTheta = 1.0|}"),
        DiagnosticResult.CompilerError("CG0009").WithLocation(1).WithArguments("1"));

    [Fact]
    public Task CG0010_Gpt2GroupedQuery() => VerifyAsync(
        Model(Gpt2 + ", {|#1:KvHeads = 2|}"),
        DiagnosticResult.CompilerError("CG0010").WithLocation(1).WithArguments("2", "4"));

    [Fact]
    public Task CG0011_Gpt2RopeTheta_WarnsAndStillGenerates() => VerifyStillGeneratesAsync(
        Model(Gpt2 + ", {|#1:RopeTheta = 10000.0|}"),
        DiagnosticResult.CompilerWarning("CG0011").WithLocation(1));

    [Fact]
    public Task CG0014_UnknownFamily() => VerifyAsync(
        Model(Valid + ", {|#1:Family = (ModelFamily)7|}"),
        DiagnosticResult.CompilerError("CG0014").WithLocation(1).WithArguments("7"));

    [Fact]
    public Task CG0015_UnknownWeightFormat() => VerifyAsync(
        Model(Valid + ", {|#1:Weights = (WeightFormat)9|}"),
        DiagnosticResult.CompilerError("CG0015").WithLocation(1).WithArguments("9"));

    [Fact]
    public Task CG0016_UnknownNamedArgument() => VerifyAsync(
        TestReferences.Framework,
        WithNewerAttribute(Valid + ", {|#1:SlidingWindow = 64|}"),
        DiagnosticResult.CompilerError("CG0016").WithLocation(1).WithArguments("SlidingWindow"));

    [Fact]
    public Task CG0016_UnknownConstructorArgument() => VerifyAsync(
        TestReferences.Framework,
        WithNewerAttribute("{|#1:64|}, " + Valid),
        DiagnosticResult.CompilerError("CG0016").WithLocation(1).WithArguments("slidingWindow"));

    [Fact]
    public Task AMisspeltArgumentIsTheCompilersErrorAndTheMissingSizeIsReported() => VerifyAsync(
        Model("DModel = 64, {|#1:Heds|} = 8, Layers = 2, Vocab = 512, Context = 128"),
        DiagnosticResult.CompilerError("CS0246").WithLocation(1).WithArguments("Heds"),
        DiagnosticResult.CompilerError("CG0004").WithLocation(0).WithArguments("Heads", "0", " (it is required)"));

    [Fact]
    public Task AnArgumentGivenTwiceIsTheCompilersErrorAndTheGeneratorReadsTheLastValue() => VerifyAsync(
        Model("DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128, {|#1:Layers = -3|}"),
        DiagnosticResult.CompilerError("CG0004").WithLocation(1).WithArguments("Layers", "-3", ""),
        DiagnosticResult.CompilerError("CS0643").WithLocation(1).WithArguments("Layers"));
}
