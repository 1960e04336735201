using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Structure mutations of a JSON document: every value (or a sample of them) dropped, retyped, set
/// to boundary numbers or undecodable strings; keys renamed, duplicated, made undecodable; and
/// whole-document changes (other root types, trailing garbage, a byte-order mark, deep nesting).
/// A value is replaced through a marker string that is swapped for raw bytes after serializing, so
/// the result can hold what no serializer writes: duplicate keys, invalid UTF-8, lone surrogates.
/// </summary>
internal static class JsonMutations
{
    private const string Marker = "FUZZ_MARKER_8d1f3c";

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Every mutation of every path, for up to <paramref name="pathLimit"/> paths (the first half of
    /// them in document order, the rest a sample drawn with <paramref name="sampleSeed"/>); the large
    /// values only for the first <paramref name="expensivePaths"/> paths.
    /// </summary>
    public static IEnumerable<(string Mutation, byte[] Json)> Systematic(byte[] json, int pathLimit, int expensivePaths, int sampleSeed)
    {
        foreach ((string mutation, byte[] mutated) in DocumentMutations(json))
        {
            yield return (mutation, mutated);
        }

        List<JsonPath> paths = SamplePaths(AllPaths(Parse(json)), pathLimit, sampleSeed);
        for (int i = 0; i < paths.Count; i++)
        {
            foreach ((string mutation, byte[] mutated) in PathMutations(json, paths[i], expensive: i < expensivePaths))
            {
                yield return (mutation, mutated);
            }
        }
    }

    /// <summary>One random mutation: of a random path, or of the whole document.</summary>
    public static (string Mutation, byte[] Json) Random(byte[] json, Random random)
    {
        if (random.Next(10) == 0)
        {
            var documentMutations = DocumentMutations(json).ToList();
            return documentMutations[random.Next(documentMutations.Count)];
        }

        List<JsonPath> paths = AllPaths(Parse(json));
        JsonPath path = paths[random.Next(paths.Count)];
        var mutations = PathMutations(json, path, expensive: random.Next(50) == 0).ToList();
        return mutations[random.Next(mutations.Count)];
    }

    private static IEnumerable<(string Mutation, byte[] Json)> DocumentMutations(byte[] json)
    {
        yield return ("empty document", []);
        yield return ("whitespace only", JsonRawValues.Ascii("  \n "));
        foreach (string root in new[] { "null", "[]", "0", "\"text\"", "{}", "true", "[{}]" })
        {
            yield return ($"document replaced by {root}", JsonRawValues.Ascii(root));
        }

        yield return ("UTF-8 byte-order mark before the document", [0xEF, 0xBB, 0xBF, .. json]);
        foreach (string garbage in new[] { "x", "}", ",", "\0", "{}", " // comment", "]" })
        {
            yield return ($"trailing garbage {JsonSerializer.Serialize(garbage)}", [.. json, .. Encoding.UTF8.GetBytes(garbage)]);
        }

        yield return ("document wrapped in 100000 arrays", [.. JsonRawValues.Ascii(new string('[', 100_000)), .. json, .. JsonRawValues.Ascii(new string(']', 100_000))]);
        yield return ("first byte replaced by invalid UTF-8 FF", [0xFF, .. json[1..]]);
        yield return ("document as UTF-16", Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(json)));
    }

    private static IEnumerable<(string Mutation, byte[] Json)> PathMutations(byte[] json, JsonPath path, bool expensive)
    {
        JsonNode? original = path.Find(Parse(json));
        string? numberText = original is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.ToJsonString() : null;

        yield return ($"{path}: removed", Remove(json, path));
        foreach ((string description, byte[] raw) in JsonRawValues.Cheap(numberText))
        {
            yield return ($"{path}: set to {description}", ReplaceValue(json, path, raw));
        }

        if (original is JsonValue stringValue && stringValue.GetValueKind() == JsonValueKind.String)
        {
            string text = stringValue.ToJsonString(Compact);
            yield return ($"{path}: lone surrogate escape appended to the string", ReplaceValue(json, path, JsonRawValues.Ascii(text[..^1] + "\\ud800\"")));
            yield return ($"{path}: invalid UTF-8 byte FE appended to the string", ReplaceValue(json, path, [.. Encoding.UTF8.GetBytes(text[..^1]), 0xFE, (byte)'"']));
        }

        if (expensive)
        {
            foreach ((string description, byte[] raw) in JsonRawValues.Expensive())
            {
                yield return ($"{path}: set to {description}", ReplaceValue(json, path, raw));
            }
        }

        if (path.Key is string key)
        {
            byte[] keyText = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(key, Compact));
            yield return ($"{path}: key duplicated with the same value", DuplicateKey(json, path, keyText, original?.ToJsonString(Compact) is string same ? Encoding.UTF8.GetBytes(same) : JsonRawValues.Ascii("null")));
            yield return ($"{path}: key duplicated with value 0", DuplicateKey(json, path, keyText, JsonRawValues.Ascii("0")));
            yield return ($"{path}: key renamed to {key}_x", RenameKey(json, path, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(key + "_x", Compact))));
            yield return ($"{path}: key renamed to upper case", RenameKey(json, path, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(key.ToUpperInvariant() + (key.ToUpperInvariant() == key ? "_" : ""), Compact))));
            yield return ($"{path}: key renamed to \"\"", RenameKey(json, path, JsonRawValues.Ascii("\"\"")));
            foreach ((string description, byte[] raw) in JsonRawValues.UndecodableStrings())
            {
                yield return ($"{path}: key renamed to {description}", RenameKey(json, path, raw));
            }
        }
    }

    private static byte[] Remove(byte[] json, JsonPath path)
    {
        JsonNode root = Parse(json);
        JsonNode parent = path.FindParent(root);
        if (path.Key is string key)
        {
            parent.AsObject().Remove(key);
        }
        else
        {
            parent.AsArray().RemoveAt(path.Index);
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString(Compact));
    }

    private static byte[] ReplaceValue(byte[] json, JsonPath path, byte[] raw)
    {
        JsonNode root = Parse(json);
        JsonNode parent = path.FindParent(root);
        if (path.Key is string key)
        {
            parent.AsObject()[key] = Marker;
        }
        else
        {
            parent.AsArray()[path.Index] = Marker;
        }

        return SwapMarker(root, raw);
    }

    private static byte[] RenameKey(byte[] json, JsonPath path, byte[] rawKey) =>
        RebuildObject(json, path, rawKey, (entries, index) => entries[index] = new(Marker, entries[index].Value));

    private static byte[] DuplicateKey(byte[] json, JsonPath path, byte[] rawKey, byte[] rawValue)
    {
        // The duplicate's key goes through the marker; its value is a second marker swapped in afterwards.
        string valueMarker = Marker + "_value";
        byte[] withKey = RebuildObject(json, path, rawKey, (entries, index) => entries.Insert(index + 1, new(Marker, JsonValue.Create(valueMarker))));
        return Swap(withKey, Encoding.UTF8.GetBytes($"\"{valueMarker}\""), rawValue);
    }

    private static byte[] RebuildObject(byte[] json, JsonPath path, byte[] rawKey, Action<List<KeyValuePair<string, JsonNode?>>, int> edit)
    {
        JsonNode root = Parse(json);
        JsonObject parent = path.FindParent(root).AsObject();
        var entries = parent.ToList();
        int index = entries.FindIndex(entry => entry.Key == path.Key);
        parent.Clear();
        edit(entries, index);
        foreach ((string name, JsonNode? node) in entries)
        {
            parent[name] = node;
        }

        return Swap(Encoding.UTF8.GetBytes(root.ToJsonString(Compact)), Encoding.UTF8.GetBytes($"\"{Marker}\""), rawKey);
    }

    private static byte[] SwapMarker(JsonNode root, byte[] raw) =>
        Swap(Encoding.UTF8.GetBytes(root.ToJsonString(Compact)), Encoding.UTF8.GetBytes($"\"{Marker}\""), raw);

    private static byte[] Swap(byte[] text, byte[] marker, byte[] raw)
    {
        int at = text.AsSpan().IndexOf(marker);
        if (at < 0)
        {
            throw new InvalidOperationException("The fuzz marker was not written; the mutation is broken.");
        }

        return [.. text[..at], .. raw, .. text[(at + marker.Length)..]];
    }

    private static JsonNode Parse(byte[] json) =>
        JsonNode.Parse(json) ?? throw new InvalidOperationException("A fuzz seed must be a JSON document, not null.");

    private static List<JsonPath> AllPaths(JsonNode root)
    {
        var paths = new List<JsonPath>();
        Walk(root, JsonPath.Root, paths);
        return paths;
    }

    private static void Walk(JsonNode? node, JsonPath at, List<JsonPath> paths)
    {
        if (node is JsonObject obj)
        {
            foreach ((string key, JsonNode? child) in obj)
            {
                JsonPath childPath = at.Child(key);
                paths.Add(childPath);
                Walk(child, childPath, paths);
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                JsonPath childPath = at.Child(i);
                paths.Add(childPath);
                Walk(array[i], childPath, paths);
            }
        }
    }

    private static List<JsonPath> SamplePaths(List<JsonPath> paths, int limit, int seed)
    {
        if (paths.Count <= limit)
        {
            return paths;
        }

        var first = paths.Take(limit / 2).ToList();
        var rest = paths.Skip(limit / 2).ToArray();
        new Random(seed).Shuffle(rest);
        return [.. first, .. rest.Take(limit - first.Count)];
    }
}
