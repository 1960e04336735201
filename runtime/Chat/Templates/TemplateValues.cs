using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>
/// What Jinja (that is, Python) does with a value: whether it is true, how it prints, how two values compare,
/// what iterating it gives. Values are <c>null</c> (none), <see cref="TemplateUndefined"/>, <see cref="bool"/>,
/// <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="List{T}"/> of values,
/// <see cref="TemplateDict"/>, <see cref="TemplateNamespace"/>, <see cref="LoopInfo"/> and <see cref="TemplateCallable"/>.
/// </summary>
internal static class TemplateValues
{
    /// <summary>Python's truth: none, undefined, false, zero, and empty strings, lists and dicts are false.</summary>
    public static bool IsTrue(object? value) => value switch
    {
        null or TemplateUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        TemplateDict dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>Python's name of the value's type, for messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        TemplateUndefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        TemplateDict => "dict",
        TemplateNamespace => "Namespace",
        LoopInfo => "LoopContext",
        TemplateCallable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>The value as <c>{{ value }}</c> prints it (Python's <c>str</c>; undefined prints nothing).</summary>
    public static string ToText(object? value) => value switch
    {
        string s => s,
        TemplateUndefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr</c>: how a value prints inside a list or dict.</summary>
    public static string Repr(object? value)
    {
        var text = new StringBuilder();
        AppendRepr(text, value, 0);
        return text.ToString();
    }

    private static void AppendRepr(StringBuilder text, object? value, int depth)
    {
        if (depth > TemplateLimits.MaxNesting)
        {
            throw new TemplateRuntimeError($"a value is nested more than {TemplateLimits.MaxNesting} levels deep");
        }

        switch (value)
        {
            case null:
                text.Append("None");
                break;
            case TemplateUndefined:
                break;
            case bool b:
                text.Append(b ? "True" : "False");
                break;
            case long l:
                text.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                text.Append(FormatFloat(d));
                break;
            case string s:
                AppendStringRepr(text, s);
                break;
            case List<object?> list:
                text.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    AppendRepr(text, list[i], depth + 1);
                }

                text.Append(']');
                break;
            case TemplateDict dict:
                text.Append('{');
                for (int i = 0; i < dict.Count; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    AppendStringRepr(text, dict.Keys[i]);
                    text.Append(": ");
                    AppendRepr(text, dict[dict.Keys[i]], depth + 1);
                }

                text.Append('}');
                break;
            case TemplateNamespace:
                text.Append("<Namespace>");
                break;
            case TemplateCallable callable:
                text.Append("<function ").Append(callable.Name).Append('>');
                break;
            default:
                text.Append('<').Append(TypeName(value)).Append('>');
                break;
        }
    }

    private static void AppendStringRepr(StringBuilder text, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        text.Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        text.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        text.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append(quote);
    }

    /// <summary>Python's <c>repr</c> of a float: the shortest digits that read back the same, fixed notation for exponents -4 to 15, else <c>1e+16</c> style.</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        string sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "";
        if (value == 0)
        {
            return sign + "0.0";
        }

        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int exponentAt = shortest.IndexOfAny(['E', 'e']);
        int exponent = 0;
        if (exponentAt >= 0)
        {
            exponent = int.Parse(shortest[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            shortest = shortest[..exponentAt];
        }

        int dot = shortest.IndexOf('.');
        string whole = dot < 0 ? shortest : shortest[..dot];
        string digits = whole + (dot < 0 ? "" : shortest[(dot + 1)..]);
        int point = whole.Length + exponent;
        int leadingZeros = 0;
        while (leadingZeros < digits.Length - 1 && digits[leadingZeros] == '0')
        {
            leadingZeros++;
        }

        digits = digits[leadingZeros..].TrimEnd('0');
        point -= leadingZeros;
        int decimalExponent = point - 1;
        if (decimalExponent < -4 || decimalExponent >= 16)
        {
            string mantissa = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            return sign + mantissa + "e" + (decimalExponent < 0 ? "-" : "+") + Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture);
        }

        if (point <= 0)
        {
            return sign + "0." + new string('0', -point) + digits;
        }

        return point >= digits.Length
            ? sign + digits + new string('0', point - digits.Length) + ".0"
            : sign + digits[..point] + "." + digits[point..];
    }

    /// <summary>Python's <c>==</c>: numbers by value, strings by ordinal, lists and dicts item by item.</summary>
    public static bool AreEqual(object? left, object? right) => AreEqual(left, right, 0);

    private static bool AreEqual(object? left, object? right, int depth)
    {
        if (depth > TemplateLimits.MaxNesting)
        {
            throw new TemplateRuntimeError($"a value is nested more than {TemplateLimits.MaxNesting} levels deep");
        }

        if (IsNumber(left) && IsNumber(right))
        {
            return left is double || right is double ? ToDouble(left) == ToDouble(right) : ToLong(left) == ToLong(right);
        }

        switch (left)
        {
            case null:
                return right is null;
            case TemplateUndefined:
                return right is TemplateUndefined;
            case string s:
                return right is string t && string.Equals(s, t, StringComparison.Ordinal);
            case List<object?> list:
                if (right is not List<object?> other || other.Count != list.Count)
                {
                    return false;
                }

                for (int i = 0; i < list.Count; i++)
                {
                    if (!AreEqual(list[i], other[i], depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            case TemplateDict dict:
                if (right is not TemplateDict otherDict || otherDict.Count != dict.Count)
                {
                    return false;
                }

                foreach (string key in dict.Keys)
                {
                    if (!otherDict.TryGet(key, out object? value) || !AreEqual(dict[key], value, depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return ReferenceEquals(left, right);
        }
    }

    /// <summary>Python's ordering of two numbers or two strings; anything else is an error.</summary>
    public static int Compare(object? left, object? right, string op)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return left is double || right is double ? ToDouble(left).CompareTo(ToDouble(right)) : ToLong(left).CompareTo(ToLong(right));
        }

        if (left is string s && right is string t)
        {
            return string.CompareOrdinal(s, t);
        }

        throw new TemplateRuntimeError($"'{op}' is not supported between '{TypeName(left)}' and '{TypeName(right)}'");
    }

    /// <summary>True for an integer, a float or a boolean (Python's bool is an int).</summary>
    public static bool IsNumber(object? value) => value is long or double or bool;

    /// <summary>A number as a long (booleans are 0 and 1).</summary>
    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)d,
        _ => throw new TemplateRuntimeError($"expected a number, found '{TypeName(value)}'"),
    };

    /// <summary>A number as a double.</summary>
    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => d,
        _ => throw new TemplateRuntimeError($"expected a number, found '{TypeName(value)}'"),
    };

    /// <summary>What <c>for x in value</c> visits: list items, dict keys, string characters; undefined is empty.</summary>
    public static List<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        TemplateDict dict => new List<object?>(dict.Keys),
        string s => CharactersOf(s),
        TemplateUndefined => new List<object?>(),
        _ => throw new TemplateRuntimeError($"'{TypeName(value)}' object is not iterable"),
    };

    /// <summary>The characters of a string, each a string (a surrogate pair stays one item).</summary>
    public static List<object?> CharactersOf(string s)
    {
        var characters = new List<object?>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            int length = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
            characters.Add(s.Substring(i, length));
            i += length - 1;
        }

        return characters;
    }

    /// <summary>The length Python's <c>len</c> gives (undefined has length 0).</summary>
    public static long LengthOf(object? value) => value switch
    {
        string s => CharactersOf(s).Count,
        List<object?> list => list.Count,
        TemplateDict dict => dict.Count,
        TemplateUndefined => 0,
        _ => throw new TemplateRuntimeError($"object of type '{TypeName(value)}' has no length"),
    };
}

/// <summary>The limits that keep a hostile template from running away with memory or the stack.</summary>
internal static class TemplateLimits
{
    /// <summary>The deepest nesting of lists and dicts compared, printed or written as JSON.</summary>
    public const int MaxNesting = 256;

    /// <summary>The deepest nesting of statements and parenthesized or prefixed expressions the parser accepts.</summary>
    public const int MaxSyntaxNesting = 200;

    /// <summary>The deepest expression tree evaluated (a long chain such as <c>a + b + c + ...</c> is deep too).</summary>
    public const int MaxEvaluationDepth = 1000;

    /// <summary>The deepest nesting of macro calls.</summary>
    public const int MaxCallDepth = 64;

    /// <summary>The longest output, and the longest string or list one operation may build, in characters or items.</summary>
    public const int MaxLength = 16 * 1024 * 1024;

    /// <summary>The most loop iterations one render may run, all loops together.</summary>
    public const long MaxLoopIterations = 10_000_000;
}
