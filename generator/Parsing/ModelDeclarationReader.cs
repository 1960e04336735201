using System.Linq;
using System.Threading;
using Codegen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Codegen.Generator.Parsing;

/// <summary>
/// The syntax-bound half of the parser: turns one [TransformerModel] class into a <see cref="ModelDeclaration"/>
/// (plain values), reporting what is wrong with the class itself (on its name or modifier) and every argument
/// the generator does not know. The shape is resolved later, by <see cref="ModelSpecParser"/>, once the config
/// file the attribute may name is known.
/// </summary>
internal static class ModelDeclarationReader
{
    public static ModelDeclaration Read(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (ClassDeclarationSyntax)context.TargetNode;
        (LocationInfo? attribute, EquatableArray<DeclaredArgument> named, EquatableArray<DeclaredArgument> positional) =
            AttributeArguments.Capture(context.Attributes[0], syntax, cancellationToken);

        var diagnostics = new DiagnosticList();
        CheckClass(type, syntax, diagnostics);
        CheckArgumentsAreKnown(named, positional, diagnostics);

        return new ModelDeclaration(
            Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ClassName: type.Name,
            Accessibility: type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal",
            attribute,
            named,
            positional,
            diagnostics.Items);
    }

    private static void CheckClass(INamedTypeSymbol type, ClassDeclarationSyntax syntax, DiagnosticList diagnostics)
    {
        Location name = syntax.Identifier.GetLocation();
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Report(DiagnosticDescriptors.ClassNotPartial, name, type.Name);
        }

        if (type.IsGenericType)
        {
            diagnostics.Report(DiagnosticDescriptors.ClassIsGeneric, name, type.Name);
        }

        if (type.ContainingType is not null)
        {
            diagnostics.Report(DiagnosticDescriptors.ClassIsNested, name, type.Name, type.ContainingType.ToDisplayString());
        }

        if (type.IsStatic || type.IsAbstract)
        {
            // On the modifier when this declaration writes it (another part of the class may).
            SyntaxKind modifier = type.IsStatic ? SyntaxKind.StaticKeyword : SyntaxKind.AbstractKeyword;
            SyntaxToken token = syntax.Modifiers.FirstOrDefault(m => m.IsKind(modifier));
            diagnostics.Report(
                DiagnosticDescriptors.ClassIsStaticOrAbstract,
                token.IsKind(modifier) ? token.GetLocation() : name,
                type.Name,
                type.IsStatic ? "static" : "abstract");
        }
    }

    /// <summary>Every argument the attribute was compiled with that the parser does not read is an error, never ignored.</summary>
    private static void CheckArgumentsAreKnown(EquatableArray<DeclaredArgument> named, EquatableArray<DeclaredArgument> positional, DiagnosticList diagnostics)
    {
        foreach (DeclaredArgument argument in positional)
        {
            diagnostics.Report(DiagnosticDescriptors.UnknownArgument, argument.Location, argument.Name);
        }

        foreach (DeclaredArgument argument in named)
        {
            if (!ModelSpecParser.Names.All.Contains(argument.Name))
            {
                diagnostics.Report(DiagnosticDescriptors.UnknownArgument, argument.Location, argument.Name);
            }
        }
    }
}
