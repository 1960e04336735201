using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Codegen.Tests.Generator;

/// <summary>
/// The expected generated files of a shape: tests/Codegen.Tests/Snapshots/&lt;shape&gt;/&lt;hint name&gt;.txt,
/// read from the copy in the test output. With CODEGEN_UPDATE_SNAPSHOTS=1 the tests write the
/// generator's current output into the source folder instead (see Snapshots/README.md).
/// </summary>
internal static class Snapshots
{
    public const string UpdateVariable = "CODEGEN_UPDATE_SNAPSHOTS";

    /// <summary>Appended to the hint name so the test project does not compile the snapshots.</summary>
    public const string Extension = ".txt";

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>The snapshot files of a shape as (hint name, text), ordered by hint name.</summary>
    public static IReadOnlyList<(string HintName, string Text)> Read(string shape)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Snapshots", shape);
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException(
                $"No snapshots for '{shape}' in {folder}; run the tests once with {UpdateVariable}=1 to write them.");
        }

        return Directory.GetFiles(folder, "*" + Extension)
            .Order(StringComparer.Ordinal)
            .Select(path => (
                Path.GetFileName(path)[..^Extension.Length],
                File.ReadAllText(path).Replace("\r\n", "\n")))
            .ToList();
    }

    /// <summary>Replaces the shape's snapshot files in the source tree with <paramref name="files"/>.</summary>
    public static void Write(string shape, IEnumerable<(string HintName, string Text)> files)
    {
        string folder = Path.Combine(RepositoryRoot(), "tests", "Codegen.Tests", "Snapshots", shape);
        Directory.CreateDirectory(folder);
        foreach (string stale in Directory.GetFiles(folder, "*" + Extension))
        {
            File.Delete(stale);
        }

        foreach ((string hintName, string text) in files)
        {
            File.WriteAllText(Path.Combine(folder, hintName + Extension), text);
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Codegen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Codegen.sln above {AppContext.BaseDirectory}: cannot find the snapshot source folder.");
    }
}
