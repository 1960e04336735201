using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Codegen.Chat;

namespace Codegen.Tests.Chat;

/// <summary>
/// The golden files of tests/golden/chat-templates, written by tools/chat-template-reference/make-goldens.sh
/// with @huggingface/jinja: per template, where its text is, its special tokens, and cases of a conversation,
/// add_generation_prompt and extra variables with the text rendered or the error message raised.
/// </summary>
internal static class ChatTemplateGoldens
{
    private static readonly Lazy<string> RepositoryRootFolder = new(FindRepositoryRoot);

    /// <summary>The folder holding Codegen.sln.</summary>
    public static string RepositoryRoot => RepositoryRootFolder.Value;

    /// <summary>The golden folder.</summary>
    public static string Folder => Path.Combine(RepositoryRoot, "tests", "golden", "chat-templates");

    /// <summary>The names of the golden files, without .json.</summary>
    public static IEnumerable<string> Names() =>
        Directory.GetFiles(Folder, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    /// <summary>One golden file, parsed.</summary>
    public static Golden Load(string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, name + ".json")));
        JsonElement root = document.RootElement;
        var cases = new List<GoldenCase>();
        foreach (JsonElement item in root.GetProperty("cases").EnumerateArray())
        {
            var messages = item.GetProperty("messages").EnumerateArray()
                .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!))
                .ToList();
            var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (JsonProperty variable in item.GetProperty("variables").EnumerateObject())
            {
                variables[variable.Name] = variable.Value.Clone();
            }

            cases.Add(new GoldenCase(
                item.GetProperty("name").GetString()!,
                messages,
                item.GetProperty("add_generation_prompt").GetBoolean(),
                variables,
                item.TryGetProperty("rendered", out JsonElement rendered) ? rendered.GetString() : null,
                item.TryGetProperty("error", out JsonElement error) ? error.GetString() : null));
        }

        string templateRoot = root.GetProperty("template_root").GetString()!;
        string[] parts = root.GetProperty("template_path").GetString()!.Split('/');
        string templatePath = templateRoot == "models"
            ? TestModels.Path(parts)
            : Path.Combine([RepositoryRoot, .. parts]);
        return new Golden(
            name,
            templatePath,
            root.GetProperty("bos_token").GetString(),
            root.GetProperty("eos_token").GetString(),
            cases);
    }

    /// <summary>The template of a golden: from its tokenizer_config.json, or its .jinja text with the golden's special tokens.</summary>
    public static ChatTemplate LoadTemplate(Golden golden) =>
        golden.TemplatePath.EndsWith(".json", StringComparison.Ordinal)
            ? ChatTemplate.FromTokenizerConfig(golden.TemplatePath)
            : ChatTemplate.Parse(File.ReadAllText(golden.TemplatePath), golden.BosToken, golden.EosToken);

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Codegen.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No folder holding Codegen.sln above {AppContext.BaseDirectory}, so tests/golden/chat-templates cannot be found.");
    }

    /// <summary>A golden file.</summary>
    internal sealed record Golden(string Name, string TemplatePath, string? BosToken, string? EosToken, IReadOnlyList<GoldenCase> Cases);

    /// <summary>One rendering: the expected text, or the expected error message.</summary>
    internal sealed record GoldenCase(
        string Name,
        IReadOnlyList<ChatMessage> Messages,
        bool AddGenerationPrompt,
        IReadOnlyDictionary<string, object?> Variables,
        string? Rendered,
        string? Error);
}
