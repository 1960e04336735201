using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Generator.Model;

namespace Codegen.Generator.Parsing;

/// <summary>
/// Finds the AdditionalFiles item a <c>Config = "..."</c> path names. The compiler gives AdditionalFiles
/// as full paths; the attribute's path is relative to the project, so it names the item whose path ends
/// with it, whole folder names only (<c>"smollm2/config.json"</c> matches <c>.../models/smollm2/config.json</c>,
/// not <c>.../models/old-smollm2/config.json</c>).
/// </summary>
internal static class ConfigFiles
{
    /// <summary>Whether an AdditionalFiles item may be a config: only .json files enter the pipeline.</summary>
    public static bool IsCandidate(string path) => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The files whose path ends with <paramref name="configPath"/>.</summary>
    public static IReadOnlyList<ConfigFile> Matching(string configPath, EquatableArray<ConfigFile> files)
    {
        string wanted = Normalize(configPath);
        while (wanted.StartsWith("./", StringComparison.Ordinal))
        {
            wanted = wanted.Substring(2);
        }

        return files
            .Where(file =>
            {
                string path = Normalize(file.Path);
                return path == wanted || (Path(path, wanted) && !wanted.StartsWith("/", StringComparison.Ordinal));
            })
            .OrderBy(file => file.Path, StringComparer.Ordinal)
            .ToList();

        static bool Path(string path, string suffix) =>
            path.EndsWith(suffix, StringComparison.Ordinal) && path.Length > suffix.Length && path[path.Length - suffix.Length - 1] == '/';
    }

    private static string Normalize(string path) => path.Replace('\\', '/');
}
