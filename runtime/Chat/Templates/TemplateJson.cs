using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>
/// The <c>tojson</c> filter as Hugging Face defines it: Python's <c>json.dumps(value, ensure_ascii=False,
/// indent=None, separators=None, sort_keys=False)</c>, so <c>", "</c> and <c>": "</c> between items without an
/// indent, <c>","</c> and <c>": "</c> with one, keys in insertion order, and non-ASCII text as it is.
/// </summary>
internal static class TemplateJson
{
    /// <summary>How <see cref="Serialize"/> writes.</summary>
    /// <param name="EnsureAscii">Escape every non-ASCII character as <c>\uXXXX</c>.</param>
    /// <param name="Indent">Spaces per level, or null for one line.</param>
    /// <param name="ItemSeparator">Between items: <c>", "</c>, or <c>","</c> with an indent, unless given.</param>
    /// <param name="KeySeparator">Between a key and its value: <c>": "</c> unless given.</param>
    /// <param name="SortKeys">Write dict keys in ordinal order instead of insertion order.</param>
    public sealed record Options(bool EnsureAscii, int? Indent, string ItemSeparator, string KeySeparator, bool SortKeys);

    /// <summary>The options of <c>tojson(ensure_ascii, indent, separators, sort_keys)</c>, positional or by name.</summary>
    public static Options FromArguments(CallArguments arguments)
    {
        object? indent = arguments.Get(1, "indent", null);
        int? spaces = indent is null ? null : (int)Math.Clamp(TemplateValues.ToLong(indent), 0, 64);
        string item = spaces is null ? ", " : ",";
        string key = ": ";
        object? separators = arguments.Get(2, "separators", null);
        if (separators is not null)
        {
            if (separators is not List<object?> { Count: 2 } pair || pair[0] is not string itemText || pair[1] is not string keyText)
            {
                throw new TemplateRuntimeError("tojson: separators must be a pair of strings, such as (',', ': ')");
            }

            (item, key) = (itemText, keyText);
        }

        return new Options(
            TemplateValues.IsTrue(arguments.Get(0, "ensure_ascii", false)),
            spaces,
            item,
            key,
            TemplateValues.IsTrue(arguments.Get(3, "sort_keys", false)));
    }

    /// <summary>The JSON text of <paramref name="value"/>.</summary>
    /// <param name="value">A template value.</param>
    /// <param name="options">How to write it.</param>
    public static string Serialize(object? value, Options options)
    {
        var text = new StringBuilder();
        Write(text, value, options, 0);
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, Options options, int depth)
    {
        if (depth > TemplateLimits.MaxNesting)
        {
            throw new TemplateRuntimeError($"tojson: the value is nested more than {TemplateLimits.MaxNesting} levels deep");
        }

        if (text.Length > TemplateLimits.MaxLength)
        {
            throw new TemplateRuntimeError($"tojson: the JSON text is longer than {TemplateLimits.MaxLength} characters");
        }

        switch (value)
        {
            case null:
                text.Append("null");
                break;
            case bool b:
                text.Append(b ? "true" : "false");
                break;
            case long l:
                text.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                text.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : TemplateValues.FormatFloat(d));
                break;
            case string s:
                WriteString(text, s, options.EnsureAscii);
                break;
            case List<object?> list:
                if (list.Count == 0)
                {
                    text.Append("[]");
                    break;
                }

                text.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    WriteSeparator(text, i, options, depth + 1);
                    Write(text, list[i], options, depth + 1);
                }

                WriteClose(text, ']', options, depth);
                break;
            case TemplateDict dict:
                if (dict.Count == 0)
                {
                    text.Append("{}");
                    break;
                }

                var keys = new List<string>(dict.Keys);
                if (options.SortKeys)
                {
                    keys.Sort(StringComparer.Ordinal);
                }

                text.Append('{');
                for (int i = 0; i < keys.Count; i++)
                {
                    WriteSeparator(text, i, options, depth + 1);
                    WriteString(text, keys[i], options.EnsureAscii);
                    text.Append(options.KeySeparator);
                    Write(text, dict[keys[i]], options, depth + 1);
                }

                WriteClose(text, '}', options, depth);
                break;
            default:
                throw new TemplateRuntimeError($"tojson: Object of type {TemplateValues.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteSeparator(StringBuilder text, int itemIndex, Options options, int depth)
    {
        if (itemIndex > 0)
        {
            text.Append(options.ItemSeparator);
        }

        if (options.Indent is int spaces)
        {
            text.Append('\n').Append(' ', spaces * depth);
        }
    }

    private static void WriteClose(StringBuilder text, char close, Options options, int depth)
    {
        if (options.Indent is int spaces)
        {
            text.Append('\n').Append(' ', spaces * depth);
        }

        text.Append(close);
    }

    private static void WriteString(StringBuilder text, string s, bool ensureAscii)
    {
        text.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7e))
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }
}
