using System;
using System.Linq;
using System.Reflection;
using Codegen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>Every diagnostic the generator can report has a test named after its ID.</summary>
public sealed class DiagnosticCoverageTests
{
    [Fact]
    public void EveryDescriptorHasATest()
    {
        string[] ids = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
            .Select(field => ((DiagnosticDescriptor)field.GetValue(null)!).Id)
            .ToArray();
        string[] tests = new[] { typeof(DeclarationDiagnosticTests), typeof(SizeDiagnosticTests), typeof(ParameterDiagnosticTests), typeof(ConfigDiagnosticTests) }
            .SelectMany(type => type.GetMethods())
            .Where(method => method.GetCustomAttribute<FactAttribute>() is not null)
            .Select(method => method.Name)
            .ToArray();

        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.Contains(tests, name => name.StartsWith(id + "_", StringComparison.Ordinal)));
    }
}
