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
/// assemblies it references; optionally the GPU runtime (Codegen.Runtime.Gpu and ILGPU) too.
/// </summary>
internal static class TestReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkLazy = new(() => Load());

    private static readonly Lazy<ImmutableArray<MetadataReference>> AllLazy = new(() => Load(typeof(TransformerModelAttribute).Assembly));

    private static readonly Lazy<ImmutableArray<MetadataReference>> WithGpuLazy = new(
        () => Load(typeof(TransformerModelAttribute).Assembly, typeof(Codegen.Gpu.GpuDevice).Assembly));

    /// <summary>The running framework and the Codegen runtime: what a CPU-only consumer references.</summary>
    public static ImmutableArray<MetadataReference> All => AllLazy.Value;

    /// <summary>The running framework alone, for sources that declare their own attribute.</summary>
    public static ImmutableArray<MetadataReference> Framework => FrameworkLazy.Value;

    /// <summary><see cref="All"/> and the GPU runtime: what a consumer of the ILGPU backend references.</summary>
    public static ImmutableArray<MetadataReference> WithGpu => WithGpuLazy.Value;

    private static ImmutableArray<MetadataReference> Load(params Assembly[] assemblies)
    {
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var paths = new SortedSet<string>(
            trusted.Split(Path.PathSeparator).Where(path => Path.GetDirectoryName(path) == frameworkDirectory),
            StringComparer.Ordinal);

        foreach (Assembly assembly in assemblies)
        {
            paths.Add(assembly.Location);
            foreach (AssemblyName name in assembly.GetReferencedAssemblies())
            {
                paths.Add(Assembly.Load(name).Location);
            }
        }

        return paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToImmutableArray();
    }
}
