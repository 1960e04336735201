using System;
using System.Collections;
using System.Collections.Generic;
using System.Text.Json;

namespace Codegen.Chat.Templates;

/// <summary>Turns the .NET values a caller passes (strings, numbers, lists, dictionaries, JSON elements, chat messages) into template values.</summary>
internal static class TemplateValueConversion
{
    /// <summary>The template value of <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="name">The variable it is passed as, for messages.</param>
    /// <exception cref="ChatTemplateException">A type templates cannot use, or nesting deeper than the limit.</exception>
    public static object? FromDotNet(object? value, string name) => Convert(value, name, 0);

    private static object? Convert(object? value, string name, int depth)
    {
        if (depth > TemplateLimits.MaxNesting)
        {
            throw new ChatTemplateException($"the variable '{name}' is nested more than {TemplateLimits.MaxNesting} levels deep");
        }

        switch (value)
        {
            case null:
                return null;
            case string s:
                return s;
            case bool b:
                return b;
            case int or long or short or sbyte or byte or ushort or uint:
                return System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            case ulong u:
                return u <= long.MaxValue ? (object)(long)u : (double)u;
            case float or double or decimal:
                return System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
            case ChatMessage message:
                var messageDict = new TemplateDict();
                messageDict.Set("role", message.Role ?? throw new ChatTemplateException($"a message in '{name}' has no role"));
                messageDict.Set("content", message.Content);
                return messageDict;
            case JsonElement element:
                return FromJson(element, name, depth);
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                var dict = new TemplateDict();
                foreach (KeyValuePair<string, object?> pair in pairs)
                {
                    dict.Set(pair.Key, Convert(pair.Value, name, depth + 1));
                }

                return dict;
            case IEnumerable<KeyValuePair<string, string>> stringPairs:
                var stringDict = new TemplateDict();
                foreach (KeyValuePair<string, string> pair in stringPairs)
                {
                    stringDict.Set(pair.Key, pair.Value);
                }

                return stringDict;
            case IEnumerable items:
                var list = new List<object?>();
                foreach (object? item in items)
                {
                    list.Add(Convert(item, name, depth + 1));
                }

                return list;
            default:
                throw new ChatTemplateException(
                    $"the variable '{name}' holds a {value.GetType().Name}, which templates cannot use: pass strings, numbers, booleans, null, lists, string-keyed dictionaries, JsonElement or ChatMessage");
        }
    }

    /// <summary>The template value of a JSON element: objects become dicts in their order, numbers integers when they are whole.</summary>
    public static object? FromJson(JsonElement element, string name, int depth = 0)
    {
        if (depth > TemplateLimits.MaxNesting)
        {
            throw new ChatTemplateException($"the variable '{name}' is nested more than {TemplateLimits.MaxNesting} levels deep");
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = new TemplateDict();
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    dict.Set(property.Name, FromJson(property.Value, name, depth + 1));
                }

                return dict;
            case JsonValueKind.Array:
                var list = new List<object?>();
                foreach (JsonElement item in element.EnumerateArray())
                {
                    list.Add(FromJson(item, name, depth + 1));
                }

                return list;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                string raw = element.GetRawText();
                bool looksWhole = raw.IndexOfAny(['.', 'e', 'E']) < 0;
                return looksWhole && element.TryGetInt64(out long integer) ? (object)integer : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
