using System.Collections.Generic;

namespace Codegen.Generator.Parsing.Json;

/// <summary>
/// One value of a JSON document, as the generator's own small reader produces it (the generator runs
/// inside the compiler, on netstandard2.0, and carries no JSON library). Only what a Hugging Face
/// <c>config.json</c> needs: objects keep their keys, numbers keep their text.
/// </summary>
internal abstract class JsonNode
{
    /// <summary>The JSON type's name, for messages: "object", "array", "string", "number", "true", "false" or "null".</summary>
    public abstract string Kind { get; }

    /// <summary>The value written as it would appear in the file, for messages (strings quoted, containers abbreviated).</summary>
    public abstract string Display { get; }
}

/// <summary>A JSON object: its members in file order; a key written twice keeps its last value, as Python's json does.</summary>
internal sealed class JsonObject : JsonNode
{
    private readonly Dictionary<string, JsonNode> members = new();

    public override string Kind => "object";

    public override string Display => "{...}";

    public IEnumerable<string> Keys => members.Keys;

    public void Set(string key, JsonNode value) => members[key] = value;

    /// <summary>The member's value, or null when the object has no such key (a JSON null is a <see cref="JsonNull"/>).</summary>
    public JsonNode? this[string key] => members.TryGetValue(key, out JsonNode? value) ? value : null;
}

/// <summary>A JSON array.</summary>
internal sealed class JsonArray : JsonNode
{
    public JsonArray(IReadOnlyList<JsonNode> items) => Items = items;

    public IReadOnlyList<JsonNode> Items { get; }

    public override string Kind => "array";

    public override string Display => "[...]";
}

/// <summary>A JSON string.</summary>
internal sealed class JsonString : JsonNode
{
    public JsonString(string value) => Value = value;

    public string Value { get; }

    public override string Kind => "string";

    public override string Display => "\"" + Value + "\"";
}

/// <summary>
/// A JSON number (or one of Python's non-standard NaN, Infinity and -Infinity, which <c>json.dump</c>
/// writes), with its text as written.
/// </summary>
internal sealed class JsonNumber : JsonNode
{
    public JsonNumber(double value, string text)
    {
        Value = value;
        Text = text;
    }

    public double Value { get; }

    public string Text { get; }

    /// <summary>Whether the number is written as an integer (no fraction or exponent) that fits an int.</summary>
    public bool IsInt32 => int.TryParse(Text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _);

    public override string Kind => "number";

    public override string Display => Text;
}

/// <summary>JSON true or false.</summary>
internal sealed class JsonBool : JsonNode
{
    public static readonly JsonBool True = new(true);

    public static readonly JsonBool False = new(false);

    private JsonBool(bool value) => Value = value;

    public bool Value { get; }

    public override string Kind => Value ? "true" : "false";

    public override string Display => Kind;
}

/// <summary>JSON null.</summary>
internal sealed class JsonNull : JsonNode
{
    public static readonly JsonNull Instance = new();

    public override string Kind => "null";

    public override string Display => "null";
}
