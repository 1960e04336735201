using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using Codegen.Formats;

namespace Codegen.Tokenizers;

/// <summary>
/// Reads and checks GPT-2's <c>vocab.json</c> (a JSON object of byte-level token → id, ids 0 to
/// count - 1) and <c>merges.txt</c> (an optional <c>#version</c> line, then one merge a line: two
/// tokens and a space between them, most important first).
/// </summary>
internal static class Gpt2VocabularyFiles
{
    /// <summary>The tokens of vocab.json, indexed by id, and the id of each token.</summary>
    public static (string[] Tokens, Dictionary<string, int> Ids) ReadVocabulary(string path)
    {
        byte[] json = ModelFile.ReadAllBytes(path, "vocabulary", MaxFileLength);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(path, $"not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException(path, $"expected a JSON object of token to id, found a JSON {root.ValueKind}");
            }

            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id) || id < 0)
                {
                    throw new ModelLoadException(path, $"token \"{property.Name}\": the id {property.Value.GetRawText()} is not a non-negative integer");
                }

                if (!ids.TryAdd(property.Name, id))
                {
                    throw new ModelLoadException(path, $"token \"{property.Name}\" appears twice");
                }
            }

            return (IndexById(path, ids), ids);
        }
    }

    /// <summary>The merges of merges.txt as "left right" lines, each checked against the vocabulary.</summary>
    public static List<string> ReadMerges(string path, IReadOnlyDictionary<string, int> vocabulary)
    {
        string[] lines = ReadAllLines(path, "merges");
        var merges = new List<string>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            string[] parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new ModelLoadException(path, $"line {i + 1}: expected two tokens and one space between them, found \"{line}\"");
            }

            foreach (string token in new[] { parts[0], parts[1], parts[0] + parts[1] })
            {
                if (!vocabulary.ContainsKey(token))
                {
                    throw new ModelLoadException(path, $"line {i + 1}: merge \"{line}\" uses \"{token}\", which is not in the vocabulary");
                }
            }

            merges.Add(line);
        }

        return merges;
    }

    private static string[] IndexById(string path, Dictionary<string, int> ids)
    {
        if (ids.Count == 0)
        {
            throw new ModelLoadException(path, "the vocabulary is empty");
        }

        var tokens = new string[ids.Count];
        foreach ((string token, int id) in ids)
        {
            if (id >= tokens.Length)
            {
                throw new ModelLoadException(path, $"token \"{token}\": id {id} is out of range; {tokens.Length} tokens need ids 0 to {tokens.Length - 1}");
            }

            if (tokens[id] is { } other)
            {
                throw new ModelLoadException(path, $"tokens \"{other}\" and \"{token}\" both have id {id}");
            }

            tokens[id] = token;
        }

        return tokens;
    }

    /// <summary>Largest vocabulary or merges file accepted, in bytes (GPT-2's are about 1 MB, Llama 3's 3 MB).</summary>
    private const long MaxFileLength = 1L << 30;

    /// <summary>The file's lines, as <see cref="File.ReadAllLines(string)"/> splits them, from a bounded read.</summary>
    private static string[] ReadAllLines(string path, string kind)
    {
        byte[] bytes = ModelFile.ReadAllBytes(path, kind, MaxFileLength);
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines.ToArray();
    }
}
