using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Codegen.Tokenizers;

/// <summary>
/// A value in a tokenizer JSON file with its JSON path (such as <c>model.merges[3]</c>), so that
/// every complaint about it is a <see cref="ModelLoadException"/> naming the file, the path and the value.
/// </summary>
internal readonly struct JsonField
{
    public JsonField(string file, string path, JsonElement element)
    {
        File = file;
        Path = path;
        Element = element;
    }

    /// <summary>The file the value is in.</summary>
    public string File { get; }

    /// <summary>The value's JSON path; empty for the root.</summary>
    public string Path { get; }

    public JsonElement Element { get; }

    public JsonValueKind Kind => Element.ValueKind;

    /// <summary>Whether the value is JSON null.</summary>
    public bool IsNull => Element.ValueKind == JsonValueKind.Null;

    /// <summary>The property <paramref name="name"/> of this object, or null when it is missing or JSON null.</summary>
    public JsonField? Optional(string name)
    {
        RequireKind(JsonValueKind.Object, "an object");
        return Element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null
            ? new JsonField(File, Child(name), value)
            : null;
    }

    /// <summary>The property <paramref name="name"/> of this object; missing or null is an error.</summary>
    public JsonField Required(string name) =>
        Optional(name) ?? throw new ModelLoadException(File, $"'{Child(name)}' is missing (or null); it is required");

    /// <summary>The items of this array, each with its index in the path.</summary>
    public IEnumerable<JsonField> Items()
    {
        RequireKind(JsonValueKind.Array, "an array");
        int index = 0;
        foreach (JsonElement item in Element.EnumerateArray())
        {
            yield return new JsonField(File, $"{Path}[{index++}]", item);
        }
    }

    /// <summary>The number of items of this array.</summary>
    public int Count()
    {
        RequireKind(JsonValueKind.Array, "an array");
        return Element.GetArrayLength();
    }

    /// <summary>The properties of this object, in file order (a repeated name is an error).</summary>
    public IEnumerable<(string Name, JsonField Value)> Properties()
    {
        RequireKind(JsonValueKind.Object, "an object");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in Element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw Fail($"has the key \"{property.Name}\" twice");
            }

            yield return (property.Name, new JsonField(File, Child(property.Name), property.Value));
        }
    }

    public string String()
    {
        RequireKind(JsonValueKind.String, "a string");
        return Element.GetString()!;
    }

    public bool Bool()
    {
        if (Element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw WrongKind("true or false");
        }

        return Element.GetBoolean();
    }

    /// <summary>A non-negative 32-bit integer, such as a token id.</summary>
    public int Id()
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt32(out int value) || value < 0)
        {
            throw Fail("is not a non-negative 32-bit integer");
        }

        return value;
    }

    /// <summary>The string property <paramref name="name"/>, or <paramref name="fallback"/> when missing or null.</summary>
    public string? OptionalString(string name, string? fallback = null) => Optional(name)?.String() ?? fallback;

    /// <summary>The boolean property <paramref name="name"/>, or <paramref name="fallback"/> when missing or null.</summary>
    public bool OptionalBool(string name, bool fallback) => Optional(name)?.Bool() ?? fallback;

    /// <summary>An error about this value: "'path' (value) message".</summary>
    public ModelLoadException Fail(string message) =>
        new(File, $"'{(Path.Length == 0 ? "(root)" : Path)}' = {Shown()} {message}");

    /// <summary>The value for messages: a string quoted as it reads (escapes undone), anything else as the file writes it; shortened.</summary>
    public string Shown()
    {
        string shown = Element.ValueKind == JsonValueKind.String ? $"\"{Element.GetString()}\"" : Element.GetRawText();
        return shown.Length <= 120 ? shown : shown[..117] + "...";
    }

    private string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    private void RequireKind(JsonValueKind kind, string what)
    {
        if (Element.ValueKind != kind)
        {
            throw WrongKind(what);
        }
    }

    private ModelLoadException WrongKind(string what) => Fail($"is a JSON {Element.ValueKind}, expected {what}");
}
