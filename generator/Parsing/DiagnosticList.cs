using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Codegen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Codegen.Generator.Parsing;

/// <summary>The diagnostics of one declaration, turned into plain values as they are reported.</summary>
internal sealed class DiagnosticList
{
    private readonly List<DiagnosticInfo> items = new();

    public DiagnosticList(IEnumerable<DiagnosticInfo> earlier) => items.AddRange(earlier);

    public DiagnosticList()
    {
    }

    public bool HasErrors => items.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);

    public EquatableArray<DiagnosticInfo> Items => new(items.ToImmutableArray());

    public void Report(DiagnosticDescriptor descriptor, Location location, params object[] arguments) =>
        Add(descriptor, LocationInfo.From(location), ImmutableArray<LocationInfo>.Empty, arguments);

    public void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments) =>
        Add(descriptor, location, ImmutableArray<LocationInfo>.Empty, arguments);

    /// <summary>A problem between arguments: on the attribute, with the written arguments among <paramref name="involved"/> as additional locations.</summary>
    public void ReportBetween(
        DiagnosticDescriptor descriptor,
        AttributeArguments attribute,
        string[] involved,
        params object[] arguments) =>
        Add(descriptor, attribute.AttributeLocation, attribute.WrittenLocations(involved), arguments);

    public ParseResult Result(ModelSpec? spec) => new(HasErrors ? null : spec, Items);

    private void Add(DiagnosticDescriptor descriptor, LocationInfo? location, ImmutableArray<LocationInfo> additional, object[] arguments) =>
        items.Add(new DiagnosticInfo(
            descriptor.Id,
            location,
            new EquatableArray<LocationInfo>(additional),
            new EquatableArray<string>(arguments.Select(Format).ToImmutableArray())));

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
