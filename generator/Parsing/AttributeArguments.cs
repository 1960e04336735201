using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Codegen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Codegen.Generator.Parsing;

/// <summary>
/// The arguments of one [TransformerModel] application, looked up by name: each named argument's value, as
/// the compiler bound it, and where it is written, so that a diagnostic about an argument can be reported
/// on that argument rather than on the whole attribute.
/// </summary>
internal sealed class AttributeArguments
{
    private readonly Dictionary<string, DeclaredArgument> named = new();

    public AttributeArguments(ModelDeclaration declaration)
    {
        // A name given twice is a compile error (CS0643); the last value is the one read, as in the compiler's binding.
        foreach (DeclaredArgument argument in declaration.Named)
        {
            named[argument.Name] = argument;
        }

        Positional = declaration.Positional;
        AttributeLocation = declaration.AttributeLocation;
    }

    /// <summary>The attribute as written, <c>TransformerModel(...)</c> (the class, should it have no syntax).</summary>
    public LocationInfo? AttributeLocation { get; }

    /// <summary>Constructor arguments, by parameter name: the attribute has no constructor parameters today.</summary>
    public EquatableArray<DeclaredArgument> Positional { get; }

    /// <summary>The named arguments the compiler bound.</summary>
    public IEnumerable<string> Names => named.Keys;

    /// <summary>
    /// Reads the arguments of <paramref name="attribute"/> on <paramref name="target"/> as plain values: the
    /// named ones as bound, each with the syntax it was written as, and the positional ones by parameter name.
    /// </summary>
    public static (LocationInfo? Attribute, EquatableArray<DeclaredArgument> Named, EquatableArray<DeclaredArgument> Positional) Capture(
        AttributeData attribute,
        SyntaxNode target,
        CancellationToken cancellationToken)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        Location attributeLocation = syntax?.GetLocation() ?? target.GetLocation();

        var locations = new Dictionary<string, Location>();
        var unnamed = new List<AttributeArgumentSyntax>();
        var byParameterName = new Dictionary<string, AttributeArgumentSyntax>();
        foreach (AttributeArgumentSyntax argument in syntax?.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals is { } nameEquals)
            {
                locations[nameEquals.Name.Identifier.ValueText] = argument.GetLocation();
            }
            else if (argument.NameColon is { } nameColon)
            {
                byParameterName[nameColon.Name.Identifier.ValueText] = argument;
            }
            else
            {
                unnamed.Add(argument);
            }
        }

        var named = attribute.NamedArguments
            .Select(argument => new DeclaredArgument(
                argument.Key,
                argument.Value.Kind == TypedConstantKind.Array ? null : argument.Value.Value,
                LocationInfo.From(locations.TryGetValue(argument.Key, out Location? written) ? written : attributeLocation)))
            .ToImmutableArray();

        var positional = ImmutableArray.CreateBuilder<DeclaredArgument>();
        for (int i = 0; i < attribute.ConstructorArguments.Length; i++)
        {
            string name = attribute.AttributeConstructor is { } constructor && i < constructor.Parameters.Length
                ? constructor.Parameters[i].Name
                : $"#{i + 1}";
            AttributeArgumentSyntax? written = byParameterName.TryGetValue(name, out AttributeArgumentSyntax? byName)
                ? byName
                : i < unnamed.Count ? unnamed[i] : null;
            positional.Add(new DeclaredArgument(name, null, LocationInfo.From(written?.GetLocation() ?? attributeLocation)));
        }

        return (LocationInfo.From(attributeLocation), new EquatableArray<DeclaredArgument>(named), new EquatableArray<DeclaredArgument>(positional.ToImmutable()));
    }

    /// <summary>Whether the declaration gives the argument (explicitly, even if it equals the default).</summary>
    public bool Has(string name) => named.ContainsKey(name);

    /// <summary>Where the argument is written (<c>DModel = 64</c>), or the attribute when it is left out.</summary>
    public LocationInfo? LocationOf(string name) => named.TryGetValue(name, out DeclaredArgument? argument) ? argument.Location : AttributeLocation;

    /// <summary>Where each of the given arguments that the declaration writes is, in the given order.</summary>
    public ImmutableArray<LocationInfo> WrittenLocations(params string[] names) =>
        names.Where(named.ContainsKey).Select(name => named[name].Location).OfType<LocationInfo>().ToImmutableArray();

    public int Int(string name, int fallback = 0) =>
        named.TryGetValue(name, out DeclaredArgument? argument) && argument.Value is int value ? value : fallback;

    public double Double(string name, double fallback) =>
        named.TryGetValue(name, out DeclaredArgument? argument)
            ? argument.Value switch
            {
                double d => d,
                float f => f,
                int i => i,
                _ => fallback,
            }
            : fallback;

    public bool Bool(string name, bool fallback) =>
        named.TryGetValue(name, out DeclaredArgument? argument) && argument.Value is bool value ? value : fallback;

    public string? String(string name) =>
        named.TryGetValue(name, out DeclaredArgument? argument) ? argument.Value as string : null;
}
