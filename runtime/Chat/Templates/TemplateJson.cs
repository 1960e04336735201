using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>
/// The <c>tojson</c> filter as Hugging Face defines it: Python's <c>json.dumps(value, ensure_ascii=False,
/// indent=indent)</c>, so <c>", "</c> and <c>": "</c> between items without an indent, <c>","</c> and
/// <c>": "</c> with one, keys in insertion order, and non-ASCII text as it is.
/// </summary>
internal static class TemplateJson
{
    /// <summary>The JSON text of <paramref name="value"/>.</summary>
    /// <param name="value">A template value.</param>
    /// <param name="indent">Spaces per level, or null for one line.</param>
    public static string Serialize(object? value, int? indent)
    {
        var text = new StringBuilder();
        Write(text, value, indent, 0);
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, int? indent, int depth)
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
                WriteString(text, s);
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
                    WriteSeparator(text, i, indent, depth + 1);
                    Write(text, list[i], indent, depth + 1);
                }

                WriteClose(text, ']', indent, depth);
                break;
            case TemplateDict dict:
                if (dict.Count == 0)
                {
                    text.Append("{}");
                    break;
                }

                text.Append('{');
                for (int i = 0; i < dict.Count; i++)
                {
                    WriteSeparator(text, i, indent, depth + 1);
                    WriteString(text, dict.Keys[i]);
                    text.Append(": ");
                    Write(text, dict[dict.Keys[i]], indent, depth + 1);
                }

                WriteClose(text, '}', indent, depth);
                break;
            default:
                throw new TemplateRuntimeError($"tojson: Object of type {TemplateValues.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteSeparator(StringBuilder text, int itemIndex, int? indent, int depth)
    {
        if (indent is int spaces)
        {
            text.Append(itemIndex == 0 ? "\n" : ",\n").Append(' ', spaces * depth);
        }
        else if (itemIndex > 0)
        {
            text.Append(", ");
        }
    }

    private static void WriteClose(StringBuilder text, char close, int? indent, int depth)
    {
        if (indent is int spaces)
        {
            text.Append('\n').Append(' ', spaces * depth);
        }

        text.Append(close);
    }

    private static void WriteString(StringBuilder text, string s)
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
                    if (c < 0x20)
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
