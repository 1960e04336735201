using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Codegen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Codegen.Tests.Generator;

/// <summary>Runs the generator directly with a <see cref="CSharpGeneratorDriver"/>, for the tests that inspect a run.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    /// <summary>A compilation of the sources (named Source0.cs, Source1.cs, ...) against the test references.</summary>
    public static CSharpCompilation Compile(params string[] sources) => Compile(TestReferences.All, sources);

    /// <summary>A compilation of the sources (named Source0.cs, Source1.cs, ...) against the given references.</summary>
    public static CSharpCompilation Compile(IEnumerable<MetadataReference> references, params string[] sources) =>
        CSharpCompilation.Create(
            "GeneratorTests",
            sources.Select((source, i) => Parse(source, $"Source{i}.cs")),
            references,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: false,
                nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new TransformerModelGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once over the sources: its result and the compilation with the generated files added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(params string[] sources) => Run(Compile(sources));

    /// <summary>Runs the generator once over a compilation (and AdditionalFiles): its result and the compilation with the generated files added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(Compilation compilation, params AdditionalText[] additionalFiles)
    {
        GeneratorDriver driver = CreateDriver().AddAdditionalTexts(ImmutableArray.Create(additionalFiles)).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> _);
        return (driver.GetRunResult().Results.Single(), output);
    }
}
