using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Codegen.Generator.Parsing;

/// <summary>
/// The arguments of one [TransformerModel] application: each named argument's value, as the compiler
/// bound it, and the syntax it was written as, so that a diagnostic about an argument can be reported
/// on that argument rather than on the whole attribute. Used only inside the parser's transform; none
/// of it reaches the pipeline's cached values.
/// </summary>
internal sealed class AttributeArguments
{
    private readonly Dictionary<string, TypedConstant> values;
    private readonly Dictionary<string, Location> locations;

    private AttributeArguments(
        Dictionary<string, TypedConstant> values,
        Dictionary<string, Location> locations,
        ImmutableArray<(string Name, Location Location)> positional,
        Location attributeLocation)
    {
        this.values = values;
        this.locations = locations;
        Positional = positional;
        AttributeLocation = attributeLocation;
    }

    /// <summary>The attribute as written, <c>TransformerModel(...)</c> (the class, should it have no syntax).</summary>
    public Location AttributeLocation { get; }

    /// <summary>Constructor arguments, by parameter name: the attribute has no constructor parameters today.</summary>
    public ImmutableArray<(string Name, Location Location)> Positional { get; }

    /// <summary>The named arguments the compiler bound, in the order written.</summary>
    public IEnumerable<string> Names => values.Keys;

    public static AttributeArguments Read(AttributeData attribute, SyntaxNode target, CancellationToken cancellationToken)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        Location attributeLocation = syntax?.GetLocation() ?? target.GetLocation();

        // A name given twice is a compile error (CS0643); the last value is the one read, as in the compiler's binding.
        var values = new Dictionary<string, TypedConstant>();
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            values[argument.Key] = argument.Value;
        }

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

        var positional = ImmutableArray.CreateBuilder<(string, Location)>();
        for (int i = 0; i < attribute.ConstructorArguments.Length; i++)
        {
            string name = attribute.AttributeConstructor is { } constructor && i < constructor.Parameters.Length
                ? constructor.Parameters[i].Name
                : $"#{i + 1}";
            AttributeArgumentSyntax? written = byParameterName.TryGetValue(name, out AttributeArgumentSyntax? byName)
                ? byName
                : i < unnamed.Count ? unnamed[i] : null;
            positional.Add((name, written?.GetLocation() ?? attributeLocation));
        }

        return new AttributeArguments(values, locations, positional.ToImmutable(), attributeLocation);
    }

    /// <summary>Whether the declaration gives the argument (explicitly, even if it equals the default).</summary>
    public bool Has(string name) => values.ContainsKey(name);

    /// <summary>Where the argument is written (<c>DModel = 64</c>), or the attribute when it is left out.</summary>
    public Location LocationOf(string name) => locations.TryGetValue(name, out Location? location) ? location : AttributeLocation;

    /// <summary>Where each of the given arguments that the declaration writes is, in the given order.</summary>
    public ImmutableArray<Location> WrittenLocations(params string[] names) =>
        names.Where(locations.ContainsKey).Select(name => locations[name]).ToImmutableArray();

    public int Int(string name, int fallback = 0) =>
        values.TryGetValue(name, out TypedConstant constant) && constant.Value is int value ? value : fallback;

    public double Double(string name, double fallback) =>
        values.TryGetValue(name, out TypedConstant constant)
            ? constant.Value switch
            {
                double d => d,
                float f => f,
                int i => i,
                _ => fallback,
            }
            : fallback;

    public bool Bool(string name, bool fallback) =>
        values.TryGetValue(name, out TypedConstant constant) && constant.Value is bool value ? value : fallback;
}
