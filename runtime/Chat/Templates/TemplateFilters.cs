using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>The filters of <c>value | name(arguments)</c>, as Jinja defines them (and <c>tojson</c> as Hugging Face does).</summary>
internal static class TemplateFilters
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "trim", "length", "count", "upper", "lower", "title", "capitalize", "replace", "tojson", "join", "first", "last",
        "default", "d", "string", "int", "float", "list", "items", "selectattr", "rejectattr", "select", "reject", "map",
        "safe", "abs", "reverse", "indent",
    };

    /// <summary>True when a filter of that name exists.</summary>
    public static bool IsKnown(string name) => Names.Contains(name);

    /// <summary>Filter <paramref name="value"/> through <paramref name="name"/>.</summary>
    /// <param name="name">The filter.</param>
    /// <param name="value">Its operand.</param>
    /// <param name="arguments">Its arguments.</param>
    public static object? Apply(string name, object? value, CallArguments arguments)
    {
        switch (name)
        {
            case "trim":
                return TemplateMethods.Strip(RequireString(value, name), new CallArguments(
                    arguments.Has(0, "chars") ? new[] { arguments.Get(0, "chars", null) } : Array.Empty<object?>(), Array.Empty<KeyValuePair<string, object?>>()),
                    start: true, end: true);
            case "length" or "count":
                return TemplateValues.LengthOf(value);
            case "upper":
                return RequireString(value, name).ToUpperInvariant();
            case "lower":
                return RequireString(value, name).ToLowerInvariant();
            case "title":
                return JinjaTitle(RequireString(value, name));
            case "capitalize":
                return TemplateMethods.Capitalize(RequireString(value, name));
            case "replace":
                return TemplateMethods.Replace(
                    RequireString(value, name),
                    TemplateValues.ToText(arguments.Get(0, "old", "")),
                    TemplateValues.ToText(arguments.Get(1, "new", "")),
                    arguments.Get(2, "count", null));
            case "tojson":
                return TemplateJson.Serialize(value, TemplateJson.FromArguments(arguments));
            case "join":
                return Join(value, TemplateValues.ToText(arguments.Get(0, "d", "")), arguments.Get(1, "attribute", null));
            case "first":
                List<object?> forFirst = TemplateValues.Iterate(value);
                return forFirst.Count > 0 ? forFirst[0] : new TemplateUndefined("'first' of an empty sequence");
            case "last":
                List<object?> forLast = value is TemplateDict ? throw new TemplateRuntimeError("'last' needs a sequence, found a dict") : TemplateValues.Iterate(value);
                return forLast.Count > 0 ? forLast[^1] : new TemplateUndefined("'last' of an empty sequence");
            case "default" or "d":
                bool boolean = TemplateValues.IsTrue(arguments.Get(1, "boolean", false));
                bool useDefault = value is TemplateUndefined || (boolean && !TemplateValues.IsTrue(value));
                return useDefault ? arguments.Get(0, "default_value", "") : value;
            case "string":
                return TemplateValues.ToText(value);
            case "int":
                return ToInteger(value, arguments.Get(0, "default", 0L));
            case "float":
                return ToFloat(value, arguments.Get(0, "default", 0.0));
            case "list":
                return new List<object?>(TemplateValues.Iterate(value));
            case "items":
                return value is TemplateUndefined ? new List<object?>()
                    : value is TemplateDict dict ? Items(dict)
                    : throw new TemplateRuntimeError($"'items' needs a mapping, found '{TemplateValues.TypeName(value)}'");
            case "selectattr" or "rejectattr":
                return SelectByAttribute(value, arguments, keep: name == "selectattr");
            case "select" or "reject":
                return Select(value, arguments, keep: name == "select");
            case "map":
                return Map(value, arguments);
            case "safe":
                return value;
            case "abs":
                return value switch
                {
                    long l => l == long.MinValue ? throw new TemplateRuntimeError("integer overflow in abs") : (object)Math.Abs(l),
                    double d => Math.Abs(d),
                    bool b => b ? 1L : 0L,
                    _ => throw new TemplateRuntimeError($"'abs' needs a number, found '{TemplateValues.TypeName(value)}'"),
                };
            case "reverse":
                if (value is string text)
                {
                    List<object?> characters = TemplateValues.CharactersOf(text);
                    characters.Reverse();
                    return string.Concat(characters);
                }

                var reversed = new List<object?>(TemplateValues.Iterate(value));
                reversed.Reverse();
                return reversed;
            case "indent":
                return Indent(RequireString(value, name), arguments);
            default:
                throw new TemplateRuntimeError($"unknown filter '{name}'");
        }
    }

    /// <summary>A dict's entries as <c>[key, value]</c> pairs, in order.</summary>
    public static List<object?> Items(TemplateDict dict)
    {
        var pairs = new List<object?>(dict.Count);
        foreach (string key in dict.Keys)
        {
            pairs.Add(new List<object?> { key, dict[key] });
        }

        return pairs;
    }

    /// <summary>The items of <paramref name="value"/> (or their <paramref name="attribute"/>) printed and joined by <paramref name="separator"/>.</summary>
    public static string Join(object? value, string separator, object? attribute)
    {
        var text = new StringBuilder();
        List<object?> items = TemplateValues.Iterate(value);
        for (int i = 0; i < items.Count; i++)
        {
            text.Append(i == 0 ? "" : separator);
            text.Append(TemplateValues.ToText(attribute is null ? items[i] : LookUp(items[i], attribute)));
            if (text.Length > TemplateLimits.MaxLength)
            {
                throw new TemplateRuntimeError($"a string would be longer than {TemplateLimits.MaxLength} characters");
            }
        }

        return text.ToString();
    }

    private static string RequireString(object? value, string filter) => value switch
    {
        string s => s,
        TemplateUndefined => "",
        _ => TemplateValues.ToText(value),
    };

    private static string JinjaTitle(string s)
    {
        var text = new StringBuilder(s.Length);
        bool atWordStart = true;
        foreach (char c in s)
        {
            bool separator = PythonWhitespace.Is(c) || c is '-' or '(' or '{' or '[' or '<';
            text.Append(separator ? c : atWordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            atWordStart = separator;
        }

        return text.ToString();
    }

    private static object? ToInteger(object? value, object? fallback)
    {
        switch (value)
        {
            case long or bool:
                return TemplateValues.ToLong(value);
            case double d:
                return double.IsFinite(d) && Math.Abs(d) < 9.2e18 ? (long)Math.Truncate(d) : fallback;
            case string s:
                string trimmed = PythonWhitespace.Trim(s).Replace("_", "", StringComparison.Ordinal);
                if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
                {
                    return integer;
                }

                return TryParseFloat(s, out double parsed) && Math.Abs(parsed) < 9.2e18 ? (long)Math.Truncate(parsed) : fallback;
            default:
                return fallback;
        }
    }

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        long or bool => TemplateValues.ToDouble(value),
        double d => d,
        string s when TryParseFloat(s, out double parsed) => parsed,
        _ => fallback,
    };

    private static bool TryParseFloat(string s, out double value)
    {
        string trimmed = PythonWhitespace.Trim(s);
        switch (trimmed.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan": value = double.NaN; return true;
            case "inf" or "+inf" or "infinity" or "+infinity": value = double.PositiveInfinity; return true;
            case "-inf" or "-infinity": value = double.NegativeInfinity; return true;
        }

        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>An item's attribute as <c>selectattr</c> and <c>map</c> read it: a dict key, dotted paths allowed.</summary>
    private static object? LookUp(object? item, object? attribute)
    {
        if (attribute is long or bool)
        {
            return TemplateOperators.GetItem(item, attribute);
        }

        object? current = item;
        foreach (string part in TemplateValues.ToText(attribute).Split('.'))
        {
            if (current is TemplateUndefined)
            {
                return current;
            }

            current = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long position)
                ? TemplateOperators.GetItem(current, position)
                : TemplateOperators.GetItem(current, part);
        }

        return current;
    }

    private static List<object?> SelectByAttribute(object? value, CallArguments arguments, bool keep)
    {
        if (arguments.Positional.Count == 0)
        {
            throw new TemplateRuntimeError($"'{(keep ? "selectattr" : "rejectattr")}' needs an attribute name");
        }

        object? attribute = arguments.Positional[0];
        var selected = new List<object?>();
        foreach (object? item in TemplateValues.Iterate(value))
        {
            object? attributeValue = LookUp(item, attribute);
            if (Passes(attributeValue, arguments, 1) == keep)
            {
                selected.Add(item);
            }
        }

        return selected;
    }

    private static List<object?> Select(object? value, CallArguments arguments, bool keep)
    {
        var selected = new List<object?>();
        foreach (object? item in TemplateValues.Iterate(value))
        {
            if (Passes(item, arguments, 0) == keep)
            {
                selected.Add(item);
            }
        }

        return selected;
    }

    /// <summary>The test named at <paramref name="testAt"/> (with the arguments after it) on <paramref name="value"/>; without one, the value's truth.</summary>
    private static bool Passes(object? value, CallArguments arguments, int testAt)
    {
        if (arguments.Positional.Count <= testAt)
        {
            return TemplateValues.IsTrue(value);
        }

        string test = TemplateMethods.RequireString(arguments.Positional[testAt], "the test name");
        if (!TemplateTests.IsKnown(test))
        {
            throw new TemplateRuntimeError($"unknown test '{test}'");
        }

        var testArguments = new List<object?>();
        for (int i = testAt + 1; i < arguments.Positional.Count; i++)
        {
            testArguments.Add(arguments.Positional[i]);
        }

        return TemplateTests.Run(test, value, testArguments);
    }

    private static List<object?> Map(object? value, CallArguments arguments)
    {
        var mapped = new List<object?>();
        List<object?> items = TemplateValues.Iterate(value);
        if (arguments.Has(-1, "attribute"))
        {
            object? attribute = arguments.Get(-1, "attribute", null);
            bool hasDefault = arguments.Has(-1, "default");
            foreach (object? item in items)
            {
                object? found = LookUp(item, attribute);
                mapped.Add(found is TemplateUndefined && hasDefault ? arguments.Get(-1, "default", null) : found);
            }

            return mapped;
        }

        if (arguments.Positional.Count == 0)
        {
            throw new TemplateRuntimeError("'map' needs a filter name or attribute=...");
        }

        string filter = TemplateMethods.RequireString(arguments.Positional[0], "map's filter name");
        if (!IsKnown(filter))
        {
            throw new TemplateRuntimeError($"unknown filter '{filter}'");
        }

        var rest = new List<object?>();
        for (int i = 1; i < arguments.Positional.Count; i++)
        {
            rest.Add(arguments.Positional[i]);
        }

        var filterArguments = new CallArguments(rest, arguments.Named);
        foreach (object? item in items)
        {
            mapped.Add(Apply(filter, item, filterArguments));
        }

        return mapped;
    }

    private static string Indent(string s, CallArguments arguments)
    {
        object? width = arguments.Get(0, "width", 4L);
        string indentation = width is string w ? w : new string(' ', (int)Math.Clamp(TemplateValues.ToLong(width), 0, 1024));
        bool first = TemplateValues.IsTrue(arguments.Get(1, "first", false));
        bool blank = TemplateValues.IsTrue(arguments.Get(2, "blank", false));
        string[] lines = s.Split('\n');
        var text = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                text.Append('\n');
            }

            bool indentThis = (i > 0 || first) && (blank || lines[i].Length > 0);
            text.Append(indentThis ? indentation : "").Append(lines[i]);
        }

        return text.ToString();
    }
}
