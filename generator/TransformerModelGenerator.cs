using Codegen.Generator.Emit;
using Codegen.Generator.Model;
using Codegen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Codegen.Generator;

/// <summary>
/// Finds every class marked [TransformerModel], parses it into a <see cref="ModelSpec"/>, reports
/// diagnostics and, for a valid declaration, writes the model's generated files (one emitter each).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TransformerModelGenerator : IIncrementalGenerator
{
    public const string AttributeMetadataName = "Codegen.TransformerModelAttribute";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ModelDeclaration> declarations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: ModelDeclarationReader.Read)
            .WithTrackingName(TrackingNames.Parse);

        // The .json AdditionalFiles, with their text: a config.json named by Config is part of the input, so
        // editing it regenerates the model, and an edit to C# code leaves these values (and all after them) cached.
        IncrementalValueProvider<EquatableArray<ConfigFile>> configFiles = context.AdditionalTextsProvider
            .Where(static text => ConfigFiles.IsCandidate(text.Path))
            .Select(static (text, cancellationToken) => new ConfigFile(text.Path, text.GetText(cancellationToken)?.ToString()))
            .Collect()
            .Select(static (files, _) => new EquatableArray<ConfigFile>(files))
            .WithTrackingName(TrackingNames.ConfigFiles);

        IncrementalValuesProvider<ParseResult> parsed = declarations
            .Combine(configFiles)
            .Select(static (declaration, _) => ModelSpecParser.Resolve(declaration.Left, declaration.Right))
            .WithTrackingName(TrackingNames.Resolve);

        context.RegisterSourceOutput(
            parsed.SelectMany(static (result, _) => result.Diagnostics).WithTrackingName(TrackingNames.Diagnostics),
            static (output, diagnostic) => output.ReportDiagnostic(diagnostic.ToDiagnostic()));

        IncrementalValuesProvider<ModelSpec> specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Specs);

        // Whether the consumer references Codegen.Runtime.Gpu: a bool, so a new compilation that still does
        // (or still doesn't) leaves the outputs cached.
        IncrementalValueProvider<bool> gpuRuntime = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(Emit.Gpu.GpuSessionEmitter.GpuDeviceMetadataName) is not null)
            .WithTrackingName(TrackingNames.GpuRuntime);

        context.RegisterSourceOutput(specs.Combine(gpuRuntime), static (output, specAndGpu) =>
        {
            foreach (GeneratedFile file in ModelEmitters.EmitAll(specAndGpu.Left, specAndGpu.Right))
            {
                output.AddSource(file.HintName, SourceText.From(file.Source, System.Text.Encoding.UTF8));
            }
        });
    }
}

/// <summary>Names of the pipeline steps, for the tests that check the pipeline stays cached.</summary>
public static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string ConfigFiles = nameof(ConfigFiles);
    public const string Resolve = nameof(Resolve);
    public const string Diagnostics = nameof(Diagnostics);
    public const string Specs = nameof(Specs);
    public const string GpuRuntime = nameof(GpuRuntime);
}
