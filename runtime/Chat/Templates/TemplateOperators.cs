using System;
using System.Collections.Generic;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>The operators of template expressions with Python's meaning: arithmetic, <c>~</c>, <c>in</c>, member and item access, slices.</summary>
internal static class TemplateOperators
{
    /// <summary>A binary arithmetic or concatenation operator (<c>+ - * / // % ** ~</c>).</summary>
    public static object? Arithmetic(string op, object? left, object? right)
    {
        if (op == "~")
        {
            return CheckedLength(TemplateValues.ToText(left) + TemplateValues.ToText(right));
        }

        if (left is TemplateUndefined undefinedLeft)
        {
            throw new TemplateRuntimeError($"{undefinedLeft.Description} is undefined");
        }

        if (right is TemplateUndefined undefinedRight)
        {
            throw new TemplateRuntimeError($"{undefinedRight.Description} is undefined");
        }

        if (TemplateValues.IsNumber(left) && TemplateValues.IsNumber(right))
        {
            return Numeric(op, left, right);
        }

        switch (op)
        {
            case "+" when left is string s && right is string t:
                return CheckedLength(s + t);
            case "+" when left is List<object?> a && right is List<object?> b:
                if ((long)a.Count + b.Count > TemplateLimits.MaxLength)
                {
                    throw new TemplateRuntimeError($"a list would be longer than {TemplateLimits.MaxLength} items");
                }

                var joined = new List<object?>(a.Count + b.Count);
                joined.AddRange(a);
                joined.AddRange(b);
                return joined;
            case "*" when left is string repeated && right is long or bool:
                return Repeat(repeated, TemplateValues.ToLong(right));
            case "*" when right is string repeatedRight && left is long or bool:
                return Repeat(repeatedRight, TemplateValues.ToLong(left));
        }

        throw new TemplateRuntimeError($"unsupported operand types for {op}: '{TemplateValues.TypeName(left)}' and '{TemplateValues.TypeName(right)}'");
    }

    private static string Repeat(string text, long times)
    {
        if (times <= 0)
        {
            return "";
        }

        if (text.Length * times > TemplateLimits.MaxLength)
        {
            throw new TemplateRuntimeError($"a string would be longer than {TemplateLimits.MaxLength} characters");
        }

        var builder = new StringBuilder(text.Length * (int)times);
        for (long i = 0; i < times; i++)
        {
            builder.Append(text);
        }

        return builder.ToString();
    }

    private static string CheckedLength(string text) =>
        text.Length <= TemplateLimits.MaxLength ? text : throw new TemplateRuntimeError($"a string would be longer than {TemplateLimits.MaxLength} characters");

    private static object Numeric(string op, object? left, object? right)
    {
        bool floating = left is double || right is double || op == "/";
        if (floating)
        {
            double a = TemplateValues.ToDouble(left);
            double b = TemplateValues.ToDouble(right);
            switch (op)
            {
                case "+": return a + b;
                case "-": return a - b;
                case "*": return a * b;
                case "**": return Math.Pow(a, b);
                case "/": return b == 0 ? throw DivisionByZero() : a / b;
                case "//": return b == 0 ? throw DivisionByZero() : Math.Floor(a / b);
                case "%":
                    if (b == 0)
                    {
                        throw DivisionByZero();
                    }

                    double remainder = a % b;
                    return remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder;
            }
        }

        long x = TemplateValues.ToLong(left);
        long y = TemplateValues.ToLong(right);
        try
        {
            checked
            {
                switch (op)
                {
                    case "+": return x + y;
                    case "-": return x - y;
                    case "*": return x * y;
                    case "//":
                        if (y == 0)
                        {
                            throw DivisionByZero();
                        }

                        long quotient = x / y;
                        return (x % y != 0) && ((x < 0) != (y < 0)) ? quotient - 1 : quotient;
                    case "%":
                        if (y == 0)
                        {
                            throw DivisionByZero();
                        }

                        long modulo = x % y;
                        return modulo != 0 && (modulo < 0) != (y < 0) ? modulo + y : modulo;
                    case "**":
                        if (y < 0)
                        {
                            return Math.Pow(x, y);
                        }

                        long power = 1;
                        for (long i = 0; i < y; i++)
                        {
                            power *= x;
                        }

                        return power;
                }
            }
        }
        catch (OverflowException)
        {
            throw new TemplateRuntimeError($"integer overflow in {x} {op} {y}");
        }

        throw new TemplateRuntimeError($"unknown operator '{op}'");
    }

    private static TemplateRuntimeError DivisionByZero() => new("division by zero");

    /// <summary>Python's <c>needle in haystack</c>: a substring, a list item, a dict key; nothing is in undefined.</summary>
    public static bool Contains(object? haystack, object? needle)
    {
        switch (haystack)
        {
            case string s:
                return needle is string t
                    ? s.Contains(t, StringComparison.Ordinal)
                    : throw new TemplateRuntimeError($"'in <string>' requires a string as the left operand, not '{TemplateValues.TypeName(needle)}'");
            case List<object?> list:
                foreach (object? item in list)
                {
                    if (TemplateValues.AreEqual(item, needle))
                    {
                        return true;
                    }
                }

                return false;
            case TemplateDict dict:
                return needle is string key && dict.TryGet(key, out _);
            case TemplateUndefined:
                return false;
            default:
                throw new TemplateRuntimeError($"argument of type '{TemplateValues.TypeName(haystack)}' is not iterable");
        }
    }

    /// <summary><c>target.name</c>: a dict's key (after its methods items, keys, values, get), a namespace's attribute, a string's method; otherwise undefined.</summary>
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case TemplateUndefined undefined:
                throw new TemplateRuntimeError($"{undefined.Description} is undefined, so it has no attribute '{name}'");
            case TemplateDict dict:
                if (TemplateMethods.TryBind(dict, name) is { } dictMethod)
                {
                    return dictMethod;
                }

                return dict.TryGet(name, out object? value) ? value : new TemplateUndefined($"'dict object' has no attribute '{name}'");
            case TemplateNamespace ns:
                return ns.Attributes.TryGet(name, out object? attribute) ? attribute : new TemplateUndefined($"'Namespace' has no attribute '{name}'");
            case LoopInfo loop:
                return loop.Get(name);
            default:
                return (object?)TemplateMethods.TryBind(target, name)
                    ?? new TemplateUndefined($"'{TemplateValues.TypeName(target)} object' has no attribute '{name}'");
        }
    }

    /// <summary><c>target[index]</c>: a dict's key, a list's or string's position (negative from the end), else as an attribute.</summary>
    public static object? GetItem(object? target, object? index)
    {
        switch (target)
        {
            case TemplateUndefined undefined:
                throw new TemplateRuntimeError($"{undefined.Description} is undefined, so it cannot be indexed");
            case TemplateDict dict when index is string key:
                if (dict.TryGet(key, out object? value))
                {
                    return value;
                }

                return (object?)TemplateMethods.TryBind(dict, key) ?? new TemplateUndefined($"'dict object' has no attribute '{key}'");
            case List<object?> list when index is long or bool:
                long position = TemplateValues.ToLong(index);
                position = position < 0 ? position + list.Count : position;
                return position >= 0 && position < list.Count ? list[(int)position] : new TemplateUndefined($"list index {index} is out of range");
            case string s when index is long or bool:
                List<object?> characters = TemplateValues.CharactersOf(s);
                long at = TemplateValues.ToLong(index);
                at = at < 0 ? at + characters.Count : at;
                return at >= 0 && at < characters.Count ? characters[(int)at] : new TemplateUndefined($"string index {index} is out of range");
            case not null when index is string name:
                return GetAttribute(target, name);
            default:
                return new TemplateUndefined($"'{TemplateValues.TypeName(target)} object' has no item {TemplateValues.Repr(index)}");
        }
    }

    /// <summary>Python's <c>target[start:stop:step]</c> on a list or string.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        List<object?> items = target switch
        {
            List<object?> list => list,
            string s => TemplateValues.CharactersOf(s),
            TemplateUndefined undefined => throw new TemplateRuntimeError($"{undefined.Description} is undefined, so it cannot be sliced"),
            _ => throw new TemplateRuntimeError($"'{TemplateValues.TypeName(target)}' object cannot be sliced"),
        };
        long stride = step is null ? 1 : TemplateValues.ToLong(RequireIndex(step));
        if (stride == 0)
        {
            throw new TemplateRuntimeError("slice step cannot be zero");
        }

        long count = items.Count;
        long Clamp(object? bound, long whenMissing, long low, long high)
        {
            if (bound is null)
            {
                return whenMissing;
            }

            long value = TemplateValues.ToLong(RequireIndex(bound));
            value = value < 0 ? value + count : value;
            return Math.Clamp(value, low, high);
        }

        var result = new List<object?>();
        if (stride > 0)
        {
            long first = Clamp(start, 0, 0, count);
            long last = Clamp(stop, count, 0, count);
            for (long i = first; i < last; i += stride)
            {
                result.Add(items[(int)i]);
            }
        }
        else
        {
            long first = Clamp(start, count - 1, -1, count - 1);
            long last = Clamp(stop, -1, -1, count - 1);
            for (long i = first; i > last; i += stride)
            {
                result.Add(items[(int)i]);
            }
        }

        if (target is string)
        {
            var text = new StringBuilder();
            foreach (object? character in result)
            {
                text.Append((string)character!);
            }

            return text.ToString();
        }

        return result;
    }

    private static object? RequireIndex(object? value) =>
        value is long or bool ? value : throw new TemplateRuntimeError($"slice indices must be integers or none, not '{TemplateValues.TypeName(value)}'");
}
