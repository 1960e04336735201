namespace Codegen.Generator.Model;

/// <summary>One argument of a [TransformerModel] application: its name, its value as the compiler bound it (an enum as its number), and where it is written.</summary>
internal sealed record DeclaredArgument(string Name, object? Value, LocationInfo? Location);

/// <summary>
/// A [TransformerModel] class as written, before any config file is read: the class, the attribute's
/// arguments as plain values, and the diagnostics about the class itself and about unknown arguments.
/// Nothing of Roslyn's, so the pipeline can compare it and keep later steps cached.
/// </summary>
/// <param name="AttributeLocation">The attribute as written (the class, should it have no syntax).</param>
/// <param name="Named">The named arguments, in the order written.</param>
/// <param name="Positional">Constructor arguments, by parameter name: the attribute has none today, so any is reported.</param>
/// <param name="Diagnostics">What is wrong with the class or the argument names.</param>
internal sealed record ModelDeclaration(
    string? Namespace,
    string ClassName,
    string Accessibility,
    LocationInfo? AttributeLocation,
    EquatableArray<DeclaredArgument> Named,
    EquatableArray<DeclaredArgument> Positional,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>An AdditionalFiles item that may be a config file: its path and text (null when it could not be read).</summary>
internal sealed record ConfigFile(string Path, string? Text);
