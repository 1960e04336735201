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
        HashSet<string>? frameworkFiles = SelfContainedFrameworkFiles(frameworkDirectory);
        var paths = new SortedSet<string>(
            trusted.Split(Path.PathSeparator).Where(path => Path.GetDirectoryName(path) == frameworkDirectory
                && (frameworkFiles is null || frameworkFiles.Contains(Path.GetFileName(path)))),
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

    /// <summary>
    /// In a self-contained run (the net8.0 tests carry their own .NET 8) the framework shares its folder with the
    /// tests, the runtime and every package: the framework's own files are then the runtime pack's, as the
    /// test assembly's deps.json lists them. Null when the framework has a folder of its own.
    /// </summary>
    private static HashSet<string>? SelfContainedFrameworkFiles(string frameworkDirectory)
    {
        if (Path.GetFullPath(frameworkDirectory).TrimEnd(Path.DirectorySeparatorChar)
            != Path.GetFullPath(AppContext.BaseDirectory).TrimEnd(Path.DirectorySeparatorChar))
        {
            return null;
        }

        string depsFile = Path.Combine(AppContext.BaseDirectory, typeof(TestReferences).Assembly.GetName().Name + ".deps.json");
        using var deps = System.Text.Json.JsonDocument.Parse(File.ReadAllText(depsFile));
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (System.Text.Json.JsonProperty target in deps.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (System.Text.Json.JsonProperty library in target.Value.EnumerateObject())
            {
                if (library.Name.StartsWith("runtimepack.Microsoft.NETCore.App.Runtime", StringComparison.Ordinal)
                    && library.Value.TryGetProperty("runtime", out System.Text.Json.JsonElement runtime))
                {
                    foreach (System.Text.Json.JsonProperty file in runtime.EnumerateObject())
                    {
                        files.Add(Path.GetFileName(file.Name));
                    }
                }
            }
        }

        return files.Count > 0 ? files : throw new InvalidOperationException($"{depsFile} lists no runtime pack files");
    }
}
