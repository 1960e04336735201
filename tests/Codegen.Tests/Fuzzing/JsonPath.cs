using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codegen.Tests.Fuzzing;

/// <summary>Where a value sits in a JSON document: object keys and array indices from the root, such as <c>$["wte.weight"]["shape"][0]</c>.</summary>
internal sealed class JsonPath
{
    private readonly IReadOnlyList<object> segments;

    private JsonPath(IReadOnlyList<object> segments) => this.segments = segments;

    public static JsonPath Root { get; } = new([]);

    /// <summary>The last segment when it is an object key; null for an array element.</summary>
    public string? Key => segments.Count > 0 ? segments[^1] as string : null;

    /// <summary>The last segment when it is an array index.</summary>
    public int Index => segments[^1] is int index ? index : -1;

    public JsonPath Child(string key) => new([.. segments, key]);

    public JsonPath Child(int index) => new([.. segments, index]);

    /// <summary>The node at this path, or null when the value is JSON null.</summary>
    public JsonNode? Find(JsonNode root) => Walk(root, segments.Count);

    /// <summary>The object or array that holds this path's value.</summary>
    public JsonNode FindParent(JsonNode root) => Walk(root, segments.Count - 1)!;

    public override string ToString() =>
        "$" + string.Concat(segments.Select(segment => segment is string key ? $"[{JsonSerializer.Serialize(key)}]" : $"[{segment}]"));

    private JsonNode? Walk(JsonNode root, int count)
    {
        JsonNode? node = root;
        foreach (object segment in segments.Take(count))
        {
            node = segment is string key ? node![key] : node![(int)segment];
        }

        return node;
    }
}
