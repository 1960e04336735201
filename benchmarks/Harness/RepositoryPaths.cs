using System;
using System.IO;

namespace Codegen.Benchmarks.Harness;

/// <summary>Where the repository, the shared test models and the benchmark's generated files are.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    /// <summary>The repository root (the folder holding Codegen.sln).</summary>
    public static string Root => RootFolder.Value;

    /// <summary>A path inside ../shared/models beside the repository root.</summary>
    public static string SharedModel(params string[] parts) =>
        Path.GetFullPath(Path.Combine([Root, "..", "shared", "models", .. parts]));

    /// <summary>
    /// Where seeded random weights and exported ONNX graphs are cached between benchmark processes
    /// (CODEGEN_BENCHMARK_DATA, or codegen-benchmarks in the temp folder). Never committed.
    /// </summary>
    public static string DataFolder
    {
        get
        {
            string folder = Environment.GetEnvironmentVariable("CODEGEN_BENCHMARK_DATA") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Path.GetTempPath(), "codegen-benchmarks");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Codegen.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No folder holding Codegen.sln above {AppContext.BaseDirectory}.");
    }
}
