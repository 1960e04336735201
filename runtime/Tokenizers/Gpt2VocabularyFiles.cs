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
        using (JsonDocument document = JsonTokenizerFile.Parse(path, "vocabulary"))
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException(path, $"expected a JSON object of token to id, found a JSON {root.ValueKind}");
            }

            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                string token = property.Name;
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id) || id < 0)
                {
                    throw new ModelLoadException(path, $"token \"{token}\": the id {property.Value.GetRawText()} is not a non-negative integer");
                }

                if (!ids.TryAdd(token, id))
                {
                    throw new ModelLoadException(path, $"token \"{token}\" appears twice");
                }
            }

            return (IndexById(path, ids), ids);
        }
    }

    /// <summary>
    /// The merges of merges.txt, most important first, as the ids of their left and right tokens and
    /// of the token they make; each checked against the vocabulary, and each pair only once.
    /// </summary>
    public static List<(int Left, int Right, int Merged)> ReadMerges(string path, IReadOnlyDictionary<string, int> vocabulary)
    {
        string text = ReadAllText(path, "merges");
        string[] lines = MergeLines(text);
        var merges = new List<(int Left, int Right, int Merged)>(lines.Length);
        var lineOfPair = new Dictionary<(int, int), int>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            if (i == lines.Length - 1 && !text.EndsWith('\n'))
            {
                // Every real merges file ends each line, the last one too, with a line break; a
                // last line without one may be cut short even when what is left is a valid merge.
                throw new ModelLoadException(path,
                    $"line {i + 1}: the file ends inside this line (\"{line}\"), without the line break that ends every merge: " +
                    $"it may be cut short (if the line is whole, end it with a line break)");
            }

            string[] parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new ModelLoadException(path, $"line {i + 1}: expected two tokens and one space between them, found \"{line}\"");
            }

            var ids = new int[3];
            string[] tokens = { parts[0], parts[1], parts[0] + parts[1] };
            for (int t = 0; t < tokens.Length; t++)
            {
                if (!vocabulary.TryGetValue(tokens[t], out ids[t]))
                {
                    throw new ModelLoadException(path, $"line {i + 1}: merge \"{line}\" uses \"{tokens[t]}\", which is not in the vocabulary");
                }
            }

            if (!lineOfPair.TryAdd((ids[0], ids[1]), i + 1))
            {
                throw new ModelLoadException(path, $"line {i + 1}: merge \"{line}\" repeats line {lineOfPair[(ids[0], ids[1])]}");
            }

            merges.Add((ids[0], ids[1], ids[2]));
        }

        return merges;
    }

    /// <summary>
    /// The lines of merges.txt, split at each <c>\n</c> (a <c>\r</c> before it is dropped), without
    /// the empty piece after a final line break.
    /// </summary>
    private static string[] MergeLines(string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].EndsWith('\r') && i < lines.Length - 1)
            {
                lines[i] = lines[i][..^1];
            }
        }

        return text.EndsWith('\n') ? lines[..^1] : lines;
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

    /// <summary>The file's text, as <see cref="File.ReadAllText(string)"/> decodes it (UTF-8, or the encoding of a byte order mark), from a bounded read.</summary>
    private static string ReadAllText(string path, string kind)
    {
        byte[] bytes = ModelFile.ReadAllBytes(path, kind, MaxFileLength);
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}
