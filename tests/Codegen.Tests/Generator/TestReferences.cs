using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Codegen.Tests.Generator;

/// <summary>
/// What generated code compiles against in these tests: the assemblies of the running .NET (the
/// test project's own target framework, so nothing is downloaded) and the Codegen runtime with the
/// assemblies it references.
/// </summary>
internal static class TestReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> Lazy = new(Load);

    public static ImmutableArray<MetadataReference> All => Lazy.Value;

    private static ImmutableArray<MetadataReference> Load()
    {
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var paths = new SortedSet<string>(
            trusted.Split(Path.PathSeparator).Where(path => Path.GetDirectoryName(path) == frameworkDirectory),
            StringComparer.Ordinal);

        Assembly runtime = typeof(TransformerModelAttribute).Assembly;
        paths.Add(runtime.Location);
        foreach (AssemblyName name in runtime.GetReferencedAssemblies())
        {
            paths.Add(Assembly.Load(name).Location);
        }

        return paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToImmutableArray();
    }
}
