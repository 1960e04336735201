using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Codegen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Xunit;
using static Codegen.Tests.Generator.DiagnosticSources;

namespace Codegen.Tests.Generator;

/// <summary>
/// Every diagnostic ID is explained and tracked: its descriptor has a description and a help link to
/// its section of docs/diagnostics.md, that section exists with an example and a fix, and the analyzer
/// release files list it with the descriptor's category and severity. (The release-tracking analyzers
/// check at build time that every ID is listed, RS2000, but through the descriptor helper methods they
/// do not see a category or severity that differs from the table; this test does.)
/// </summary>
public sealed class DiagnosticDocumentationTests
{
    [Fact]
    public void EveryDescriptorHasADescriptionAndAHelpLinkToItsSection()
    {
        Assert.NotEmpty(AllDescriptors);
        Assert.All(AllDescriptors, descriptor =>
        {
            string description = descriptor.Description.ToString();
            Assert.False(string.IsNullOrWhiteSpace(description), descriptor.Id);
            Assert.EndsWith(".", description);
            Assert.Equal(DiagnosticDescriptors.HelpLinkBase + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri);
            Assert.True(Uri.TryCreate(descriptor.HelpLinkUri, UriKind.Absolute, out Uri? uri) && uri.Scheme == Uri.UriSchemeHttps, descriptor.HelpLinkUri);
            Assert.Equal("Codegen", descriptor.Category);
            Assert.True(descriptor.IsEnabledByDefault, descriptor.Id);
        });
    }

    [Fact]
    public void TheDocsExplainEveryIdWithAnExampleAndAFix()
    {
        string docs = RepositoryFile("docs", "diagnostics.md");
        Dictionary<string, string> sections = Regex.Split(docs, @"^## ", RegexOptions.Multiline)
            .Skip(1)
            .ToDictionary(section => section[..section.IndexOf('\n')].Trim(), section => section);

        Assert.Equal(AllDescriptors.Select(d => d.Id).Order(), sections.Keys.Order());
        Assert.All(AllDescriptors, descriptor =>
        {
            string section = sections[descriptor.Id];
            string severity = descriptor.DefaultSeverity.ToString().ToLowerInvariant();
            Assert.Contains($"**{descriptor.Title}** ({severity}, on ", section);
            Assert.Contains("```csharp", section);
            Assert.Contains("\nFix: ", section);
            Assert.Contains($"| [{descriptor.Id}](#{descriptor.Id.ToLowerInvariant()}) | {descriptor.DefaultSeverity} | {descriptor.Title} |", docs);
        });
    }

    [Fact]
    public void TheAnalyzerReleasesListEveryIdWithItsCategoryAndSeverity()
    {
        var rows = new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" }
            .SelectMany(file => RepositoryFile("generator", file).Split('\n'))
            .Select(line => Regex.Match(line, @"^(CG\d{4})\s*\|\s*(\w+)\s*\|\s*(\w+)\s*\|"))
            .Where(match => match.Success)
            .Select(match => (Id: match.Groups[1].Value, Category: match.Groups[2].Value, Severity: match.Groups[3].Value))
            .ToList();

        Assert.Equal(AllDescriptors.Select(d => d.Id).Order(), rows.Select(row => row.Id).Order());
        Assert.All(AllDescriptors, descriptor =>
        {
            var row = rows.Single(r => r.Id == descriptor.Id);
            Assert.Equal(descriptor.Category, row.Category);
            Assert.Equal(descriptor.DefaultSeverity.ToString(), row.Severity);
        });
    }

    /// <summary>A file of the repository: the folder above the test output that holds Codegen.sln.</summary>
    private static string RepositoryFile(params string[] parts)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Codegen.sln")))
            {
                return File.ReadAllText(Path.Combine([folder.FullName, .. parts])).Replace("\r\n", "\n");
            }
        }

        throw new DirectoryNotFoundException($"No folder holding Codegen.sln above {AppContext.BaseDirectory}.");
    }
}
