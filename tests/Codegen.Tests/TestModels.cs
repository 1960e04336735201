using System;
using System.IO;

namespace Codegen.Tests;

/// <summary>
/// The shared test model files: <c>../shared/models</c> beside the repository root, the folder
/// that holds <c>Codegen.sln</c>.
/// </summary>
internal static class TestModels
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    /// <summary>The shared models folder.</summary>
    /// <exception cref="DirectoryNotFoundException">The repository root or the models folder cannot be found.</exception>
    public static string Root => RootFolder.Value;

    /// <summary>A path inside the shared models folder, such as <c>Path("stories260K", "tok512.bin")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (!File.Exists(System.IO.Path.Combine(folder.FullName, "Codegen.sln")))
            {
                continue;
            }

            string models = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder.FullName, "..", "shared", "models"));
            return Directory.Exists(models)
                ? models
                : throw new DirectoryNotFoundException($"The shared test models are missing: expected them at {models}, beside the repository root {folder.FullName}.");
        }

        throw new DirectoryNotFoundException($"No folder holding Codegen.sln above {AppContext.BaseDirectory}, so the shared test models at ../shared/models cannot be found.");
    }
}
