using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>
/// The Python methods templates call on values: on strings <c>strip lstrip rstrip split startswith endswith upper
/// lower title capitalize replace format join find count</c>, on dicts <c>items keys values get</c>.
/// </summary>
internal static class TemplateMethods
{
    /// <summary>The method <paramref name="name"/> bound to <paramref name="target"/>, or null when it has none.</summary>
    public static TemplateCallable? TryBind(object? target, string name) => target switch
    {
        string s => BindString(s, name),
        TemplateDict dict => BindDict(dict, name),
        _ => null,
    };

    private static TemplateCallable? BindDict(TemplateDict dict, string name) => name switch
    {
        "items" => new TemplateCallable("dict.items", _ => TemplateFilters.Items(dict)),
        "keys" => new TemplateCallable("dict.keys", _ => new List<object?>(dict.Keys)),
        "values" => new TemplateCallable("dict.values", _ =>
        {
            var values = new List<object?>(dict.Count);
            foreach (string key in dict.Keys)
            {
                values.Add(dict[key]);
            }

            return values;
        }),
        "get" => new TemplateCallable("dict.get", arguments =>
        {
            object? key = arguments.Get(0, "key", null);
            return key is string k && dict.TryGet(k, out object? value) ? value : arguments.Get(1, "default", null);
        }),
        _ => null,
    };

    private static TemplateCallable? BindString(string s, string name) => name switch
    {
        "strip" => new TemplateCallable("str.strip", a => Strip(s, a, start: true, end: true)),
        "lstrip" => new TemplateCallable("str.lstrip", a => Strip(s, a, start: true, end: false)),
        "rstrip" => new TemplateCallable("str.rstrip", a => Strip(s, a, start: false, end: true)),
        "split" => new TemplateCallable("str.split", a => Split(s, a.Get(0, "sep", null), a.Get(1, "maxsplit", -1L))),
        "startswith" => new TemplateCallable("str.startswith", a => Affix(s, a.Get(0, "prefix", null), atStart: true)),
        "endswith" => new TemplateCallable("str.endswith", a => Affix(s, a.Get(0, "suffix", null), atStart: false)),
        "upper" => new TemplateCallable("str.upper", _ => s.ToUpperInvariant()),
        "lower" => new TemplateCallable("str.lower", _ => s.ToLowerInvariant()),
        "title" => new TemplateCallable("str.title", _ => PythonTitle(s)),
        "capitalize" => new TemplateCallable("str.capitalize", _ => Capitalize(s)),
        "replace" => new TemplateCallable("str.replace", a => Replace(
            s, RequireString(a.Get(0, "old", null), "replace"), RequireString(a.Get(1, "new", null), "replace"), a.Get(2, "count", -1L))),
        "format" => new TemplateCallable("str.format", a => Format(s, a)),
        "join" => new TemplateCallable("str.join", a => TemplateFilters.Join(a.Get(0, "iterable", null), s, null)),
        "find" => new TemplateCallable("str.find", a => (long)s.IndexOf(RequireString(a.Get(0, "sub", null), "find"), StringComparison.Ordinal)),
        "count" => new TemplateCallable("str.count", a => CountOccurrences(s, RequireString(a.Get(0, "sub", null), "count"))),
        _ => null,
    };

    /// <summary>Python's <c>str.strip</c> family: whitespace, or the characters given.</summary>
    public static string Strip(string s, CallArguments arguments, bool start, bool end)
    {
        object? chars = arguments.Get(0, "chars", null);
        if (chars is null)
        {
            return PythonWhitespace.Trim(s, start, end);
        }

        char[] set = RequireString(chars, "strip").ToCharArray();
        return start && end ? s.Trim(set) : start ? s.TrimStart(set) : s.TrimEnd(set);
    }

    private static List<object?> Split(string s, object? separator, object? maxSplit)
    {
        long limit = maxSplit is null ? -1 : TemplateValues.ToLong(maxSplit);
        var parts = new List<object?>();
        if (separator is null)
        {
            int i = 0;
            while (i < s.Length)
            {
                while (i < s.Length && PythonWhitespace.Is(s[i]))
                {
                    i++;
                }

                if (i >= s.Length)
                {
                    break;
                }

                if (limit >= 0 && parts.Count == limit)
                {
                    parts.Add(PythonWhitespace.Trim(s[i..], start: false));
                    break;
                }

                int startOfWord = i;
                while (i < s.Length && !PythonWhitespace.Is(s[i]))
                {
                    i++;
                }

                parts.Add(s[startOfWord..i]);
            }

            return parts;
        }

        string sep = RequireString(separator, "split");
        if (sep.Length == 0)
        {
            throw new TemplateRuntimeError("split: empty separator");
        }

        int from = 0;
        while (limit < 0 || parts.Count < limit)
        {
            int at = s.IndexOf(sep, from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            parts.Add(s[from..at]);
            from = at + sep.Length;
        }

        parts.Add(s[from..]);
        return parts;
    }

    private static bool Affix(string s, object? affix, bool atStart)
    {
        if (affix is List<object?> options)
        {
            foreach (object? option in options)
            {
                if (Affix(s, option, atStart))
                {
                    return true;
                }
            }

            return false;
        }

        string text = RequireString(affix, atStart ? "startswith" : "endswith");
        return atStart ? s.StartsWith(text, StringComparison.Ordinal) : s.EndsWith(text, StringComparison.Ordinal);
    }

    /// <summary>Python's <c>str.title</c>: a letter after a non-letter is upper case, every other letter lower case.</summary>
    public static string PythonTitle(string s)
    {
        var text = new StringBuilder(s.Length);
        bool previousIsLetter = false;
        foreach (char c in s)
        {
            text.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }

        return text.ToString();
    }

    /// <summary>Python's <c>str.capitalize</c>: the first character upper case, the rest lower case.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>Python's <c>str.replace</c>, with an optional count.</summary>
    public static string Replace(string s, string old, string replacement, object? count)
    {
        long limit = count is null ? -1 : TemplateValues.ToLong(count);
        if (limit < 0 && old.Length > 0)
        {
            return CheckLength(s.Replace(old, replacement, StringComparison.Ordinal));
        }

        var text = new StringBuilder();
        int from = 0;
        long done = 0;
        if (old.Length == 0)
        {
            for (int i = 0; i <= s.Length; i++)
            {
                if (limit < 0 || done < limit)
                {
                    text.Append(replacement);
                    done++;
                }

                if (i < s.Length)
                {
                    text.Append(s[i]);
                }
            }

            return CheckLength(text.ToString());
        }

        while (done < limit)
        {
            int at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            text.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
            done++;
        }

        return CheckLength(text.Append(s, from, s.Length - from).ToString());
    }

    private static string CheckLength(string text) =>
        text.Length <= TemplateLimits.MaxLength ? text : throw new TemplateRuntimeError($"a string would be longer than {TemplateLimits.MaxLength} characters");

    private static long CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return s.Length + 1;
        }

        long count = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Python's <c>str.format</c> with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (no format specs) and <c>{{ }}</c> escapes.</summary>
    private static string Format(string format, CallArguments arguments)
    {
        var text = new StringBuilder();
        int automatic = 0;
        bool numbered = false;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '{' && i + 1 < format.Length && format[i + 1] == '{')
            {
                text.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < format.Length && format[i + 1] == '}')
            {
                text.Append('}');
                i++;
            }
            else if (c == '{')
            {
                int close = format.IndexOf('}', i);
                if (close < 0)
                {
                    throw new TemplateRuntimeError("format: a '{' is never closed");
                }

                string field = format[(i + 1)..close];
                object? value;
                bool isAutomatic = field.Length == 0;
                bool isNumbered = field.Length > 0 && char.IsAsciiDigit(field[0]);
                if ((isAutomatic && numbered) || (isNumbered && automatic > 0))
                {
                    throw new TemplateRuntimeError("format: cannot switch between automatic field numbering ('{}') and manual ('{0}')");
                }

                numbered |= isNumbered;
                if (isAutomatic)
                {
                    value = automatic < arguments.Positional.Count ? arguments.Positional[automatic++] : throw new TemplateRuntimeError("format: too few arguments");
                }
                else if (int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int position))
                {
                    value = position < arguments.Positional.Count ? arguments.Positional[position] : throw new TemplateRuntimeError($"format: no argument {position}");
                }
                else if (arguments.Has(-1, field))
                {
                    value = arguments.Get(-1, field, null);
                }
                else
                {
                    throw new TemplateRuntimeError($"format: no argument named '{field}' (format specs are not supported)");
                }

                text.Append(TemplateValues.ToText(value));
                i = close;
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    /// <summary><paramref name="value"/> when it is a string, else an error naming <paramref name="what"/>.</summary>
    public static string RequireString(object? value, string what) =>
        value as string ?? throw new TemplateRuntimeError($"{what} needs a string, found '{TemplateValues.TypeName(value)}'");
}
